package meter

import (
	"sort"
	"strings"

	"github.com/aienergy/aienergy/internal/safename"
)

// A Quantity is what a scraped or queried series measures.
type Quantity int

const (
	Power  Quantity = iota // watts, or a unit of power
	Energy                 // a cumulative counter in joules, or a unit of energy
)

func (q Quantity) String() string {
	if q == Power {
		return "power"
	}
	return "energy"
}

// units maps each accepted unit to its quantity and its factor to W or J.
var units = map[string]struct {
	quantity Quantity
	scale    float64
}{
	"W": {Power, 1}, "mW": {Power, 1e-3}, "uW": {Power, 1e-6}, "kW": {Power, 1e3},
	"J": {Energy, 1}, "mJ": {Energy, 1e-3}, "uJ": {Energy, 1e-6}, "kJ": {Energy, 1e3},
	"Wh": {Energy, 3600}, "kWh": {Energy, 3.6e6},
}

// customComponents are the components a user-defined series may name.
var customComponents = []Component{CPU, DRAM, GPU, Other, Wall}

// Measure reads what a user-defined series measures — the kind (power or
// energy), unit (default W or J) and component keys — for meters whose
// series the user lists (exporter metrics, Prometheus queries). scale
// turns the series' values into W or J.
func (o OptionSet) Measure() (q Quantity, scale float64, c Component, err error) {
	kind, err := o.RequiredString("kind")
	if err != nil {
		return q, 0, c, err
	}
	switch kind {
	case "power":
		q = Power
	case "energy":
		q = Energy
	default:
		return q, 0, c, o.Errorf("kind", "want power or energy, got %q", kind)
	}
	unit, err := o.String("unit", map[Quantity]string{Power: "W", Energy: "J"}[q])
	if err != nil {
		return q, 0, c, err
	}
	u, ok := units[unit]
	if !ok || u.quantity != q {
		var valid []string
		for name, u := range units {
			if u.quantity == q {
				valid = append(valid, name)
			}
		}
		sort.Strings(valid)
		return q, 0, c, o.Errorf("unit", "%q is not a unit of %s (want one of %s)", unit, q, strings.Join(valid, ", "))
	}
	component, err := o.RequiredString("component")
	if err != nil {
		return q, 0, c, err
	}
	c = Component(component)
	for _, k := range customComponents {
		if c == k {
			return q, u.scale, c, nil
		}
	}
	return q, 0, c, o.Errorf("component", "want one of gpu, cpu, dram, wall, other, got %q", component)
}

// SanitizeChannel keeps a label value usable in a channel name: the run
// directory keys readings by "meter/channel" and writes channel names into
// CSV headers and file names.
func SanitizeChannel(v string) string { return safename.Map(v, '-') }

// ValidChannelName reports whether name is made only of the characters
// SanitizeChannel keeps.
func ValidChannelName(name string) bool { return safename.Valid(name) }
