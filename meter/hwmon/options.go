package hwmon

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aienergy/aienergy/meter"
)

var optionKeys = []string{"sysfs", "power", "gpus"}

const defaultSysfs = "/sys"

// Power sources, the values of the power option.
const (
	powerAuto    = "auto"
	powerInput   = "input"
	powerAverage = "average"
)

var pciRE = regexp.MustCompile(`^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$`)

type options struct {
	sysfs string
	power string
	// gpus selects GPUs by index (gpuN) or PCI address; empty means all.
	indexes []int
	pcis    []string
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
	if o.power, err = spec.String("power", powerAuto); err != nil {
		return o, err
	}
	switch o.power {
	case powerAuto, powerInput, powerAverage:
	default:
		return o, spec.Errorf("power", "want auto, input (power1_input) or average (power1_average), got %q", o.power)
	}
	err = parseGPUs(spec, &o)
	return o, err
}

// parseGPUs decodes gpus: a list of indexes and PCI addresses.
func parseGPUs(spec meter.Spec, o *options) error {
	v, ok := spec.Options["gpus"]
	if !ok || v == nil {
		return nil
	}
	items, isList := v.([]any)
	if !isList {
		items = []any{v}
	}
	if len(items) == 0 {
		return spec.Errorf("gpus", "empty list: leave gpus out to read every GPU")
	}
	for i, item := range items {
		key := fmt.Sprintf("gpus[%d]", i)
		switch x := item.(type) {
		case int:
			if x < 0 {
				return spec.Errorf(key, "want a GPU index (0 for gpu0) or a PCI address, got %d", x)
			}
			o.indexes = append(o.indexes, x)
		case string:
			if !pciRE.MatchString(x) {
				return spec.Errorf(key, "want a GPU index (0 for gpu0) or a PCI address such as \"0000:03:00.0\", got %q", x)
			}
			o.pcis = append(o.pcis, strings.ToLower(x)) // sysfs writes lower case
		default:
			return spec.Errorf(key, "want a GPU index (0 for gpu0) or a PCI address such as \"0000:03:00.0\", got %v", item)
		}
	}
	return nil
}
