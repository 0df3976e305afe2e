package analysis

import (
	"fmt"
	"math"
	"slices"
)

// A CrossCheck is a second meter's figure for a component that another
// meter already measures (NVML beside dcgm-exporter, RAPL beside
// SmartWatts). It is compared, never added: two meters of one component
// measure the same energy.
type CrossCheck struct {
	Meter      string   `json:"meter"`
	Channels   []string `json:"channels"`
	Method     string   `json:"method"`
	EnergyJ    *float64 `json:"energy_j"`
	NetEnergyJ *float64 `json:"net_energy_j"`
	// DiffPercent is (this − primary) / primary × 100.
	DiffPercent *float64 `json:"diff_percent"`
}

// crossCheckWarnPercent is the disagreement between meters of one
// component that is worth a warning.
const crossCheckWarnPercent = 5.0

// splitByMeter keeps, per component, the channels of one meter — the first
// in order (the configured order) that has data, measured meters before
// estimates — and sets the others aside as cross-checks.
func splitByMeter(chs []measuredChannel, order []string, estimated map[string]bool) (primary []measuredChannel, others map[string][]measuredChannel) {
	rank := func(meter string) int {
		r := len(order) // unknown meters after known ones, then by name
		if i := slices.Index(order, meter); i >= 0 {
			r = i
		}
		if estimated[meter] {
			r += len(order) + 1
		}
		return r
	}
	chosen := map[string]string{} // component → meter
	for _, c := range chs {
		if c.result.EnergyJ == nil {
			continue
		}
		comp, m := c.series.Component, c.series.Meter
		cur, ok := chosen[comp]
		if !ok || rank(m) < rank(cur) || (rank(m) == rank(cur) && m < cur) {
			chosen[comp] = m
		}
	}
	others = map[string][]measuredChannel{}
	for _, c := range chs {
		comp := c.series.Component
		if m, ok := chosen[comp]; ok && m != c.series.Meter {
			others[comp] = append(others[comp], c)
			continue
		}
		primary = append(primary, c)
	}
	return primary, others
}

// crossChecks sums each other meter's channels of a component and
// compares them with the primary figure.
func crossChecks(comp string, primary ComponentResult, others []measuredChannel, from, to float64) ([]CrossCheck, []string) {
	byMeter := map[string][]measuredChannel{}
	var meters []string
	for _, c := range others {
		if _, ok := byMeter[c.series.Meter]; !ok {
			meters = append(meters, c.series.Meter)
		}
		byMeter[c.series.Meter] = append(byMeter[c.series.Meter], c)
	}
	slices.Sort(meters)
	var out []CrossCheck
	var warnings []string
	for _, m := range meters {
		sum, _ := sumChannels(byMeter[m], from, to)
		cc := CrossCheck{Meter: m, Channels: sum.keys, Method: sum.method, EnergyJ: sum.joules, NetEnergyJ: sum.net}
		if sum.joules != nil && primary.EnergyJ != nil && *primary.EnergyJ != 0 {
			d := (*sum.joules - *primary.EnergyJ) / *primary.EnergyJ * 100
			cc.DiffPercent = &d
			if math.Abs(d) > crossCheckWarnPercent {
				warnings = append(warnings, fmt.Sprintf("%s: meter %s reads %.4g J, %+.1f%% from %s's %.4g J used for the figures", comp, m, *sum.joules, d, primary.Meter, *primary.EnergyJ))
			}
		}
		out = append(out, cc)
	}
	return out, warnings
}
