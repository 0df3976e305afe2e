package rapl

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aienergy/aienergy/meter"
)

var optionKeys = []string{"sysfs", "zones"}

const defaultSysfs = "/sys"

// defaultZones leave out core, uncore and psys: they are parts (or the
// whole) of a package, and a total that added them would double count.
var defaultZones = []string{kindPackage, kindDRAM}

type options struct {
	sysfs string
	zones []string // kinds to read
	// explicit is whether zones came from the config; the defaults ask
	// for dram only where it exists, a configured list insists.
	explicit bool
}

func parseOptions(spec meter.Spec) (options, error) {
	var o options
	if err := spec.CheckKeys(optionKeys...); err != nil {
		return o, err
	}
	var err error
	if o.sysfs, err = spec.String("sysfs", defaultSysfs); err != nil {
		return o, err
	}
	if o.sysfs == "" {
		return o, spec.Errorf("sysfs", "must name a directory, such as %s", defaultSysfs)
	}
	o.zones, o.explicit, err = parseZones(spec)
	return o, err
}

// parseZones decodes zones: a list such as [package, dram], or one name.
func parseZones(spec meter.Spec) (zones []string, explicit bool, err error) {
	v, ok := spec.Options["zones"]
	if !ok || v == nil {
		return defaultZones, false, nil
	}
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case string:
		items = []any{x}
	default:
		return nil, false, spec.Errorf("zones", "want a list such as [package, dram], got %v", v)
	}
	if len(items) == 0 {
		return nil, false, spec.Errorf("zones", "empty list: name at least one of %s", strings.Join(kinds, ", "))
	}
	for i, item := range items {
		s, isString := item.(string)
		if !isString || !slices.Contains(kinds, s) {
			return nil, false, spec.Errorf(fmt.Sprintf("zones[%d]", i), "want one of %s, got %v", strings.Join(kinds, ", "), item)
		}
		if !slices.Contains(zones, s) {
			zones = append(zones, s)
		}
	}
	return zones, true, nil
}
