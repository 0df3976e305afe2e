package nvml

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/aienergy/aienergy/meter"
)

// powerMode says which NVML power figure goes into Reading.Watts.
type powerMode string

const (
	powerAuto    powerMode = "auto"    // instant where the driver has it, else average
	powerInstant powerMode = "instant" // NVML_FI_DEV_POWER_INSTANT, or an error
	powerAverage powerMode = "average" // nvmlDeviceGetPowerUsage
)

const defaultLibrary = "libnvidia-ml.so.1"

var optionKeys = []string{"devices", "power", "memory_power", "library"}

// options is the decoded configuration of one nvml meter.
type options struct {
	devices     []deviceRef // nil: every GPU
	power       powerMode
	memoryPower bool
	library     string
}

// A deviceRef is one entry of devices: an NVML index or a GPU UUID.
type deviceRef struct {
	index int    // valid when uuid == ""
	uuid  string // "GPU-…"
}

func (d deviceRef) String() string {
	if d.uuid != "" {
		return d.uuid
	}
	return strconv.Itoa(d.index)
}

// parseOptions decodes and checks the meter's options. It needs no NVML,
// so a binary built without cgo still rejects a bad configuration.
func parseOptions(spec meter.Spec) (options, error) {
	o := options{}
	if err := spec.CheckKeys(optionKeys...); err != nil {
		return o, err
	}
	var err error
	if o.devices, err = parseDevices(spec); err != nil {
		return o, err
	}
	mode, err := spec.String("power", string(powerAuto))
	if err != nil {
		return o, err
	}
	switch o.power = powerMode(mode); o.power {
	case powerAuto, powerInstant, powerAverage:
	default:
		return o, spec.Errorf("power", "want auto, instant or average, got %q", mode)
	}
	if o.memoryPower, err = spec.Bool("memory_power", false); err != nil {
		return o, err
	}
	if o.library, err = spec.String("library", defaultLibrary); err != nil {
		return o, err
	}
	if o.library == "" {
		return o, spec.Errorf("library", "must not be empty (the default is %s)", defaultLibrary)
	}
	return o, nil
}

// parseDevices reads devices: a list whose items are NVML indices (YAML
// numbers, or digit strings) or GPU UUIDs.
func parseDevices(spec meter.Spec) ([]deviceRef, error) {
	raw, ok := spec.Options["devices"]
	if !ok || raw == nil {
		return nil, nil
	}
	items, ok := raw.([]any)
	if !ok {
		// One device written without brackets is a common slip.
		items = []any{raw}
	}
	if len(items) == 0 {
		return nil, spec.Errorf("devices", "empty list: leave devices out to read every GPU")
	}
	refs := make([]deviceRef, 0, len(items))
	for i, item := range items {
		ref, err := parseDevice(item)
		if err != nil {
			return nil, spec.Errorf("devices["+strconv.Itoa(i)+"]", "%v", err)
		}
		refs = append(refs, ref)
	}
	return refs, nil
}

func parseDevice(v any) (deviceRef, error) {
	switch x := v.(type) {
	case int:
		return indexRef(int64(x))
	case int64:
		return indexRef(x)
	case uint64:
		if x > math.MaxInt32 {
			return deviceRef{}, fmt.Errorf("GPU index %d is out of range", x)
		}
		return deviceRef{index: int(x)}, nil
	case float64:
		if x != math.Trunc(x) {
			return deviceRef{}, fmt.Errorf("want a GPU index or UUID, got the number %v", x)
		}
		return indexRef(int64(x))
	case string:
		s := strings.TrimSpace(x)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return indexRef(n)
		}
		// NVML prints the prefix in upper case and the hex in lower case;
		// the comparison ignores case, as people retype them.
		prefix := strings.ToUpper(s[:min(len(s), 4)])
		switch {
		case prefix == "GPU-" && len(s) > 4:
			return deviceRef{uuid: s}, nil
		case prefix == "MIG-":
			return deviceRef{}, fmt.Errorf("%q is a MIG instance; NVML reports power and energy for whole GPUs only: name its GPU-… UUID or its index", s)
		}
		return deviceRef{}, fmt.Errorf("want a GPU index such as 0 or a UUID such as \"GPU-5a3c…\" (nvidia-smi -L lists them), got %q", s)
	}
	return deviceRef{}, errors.New("want a GPU index or UUID, got a list or mapping")
}

func indexRef(n int64) (deviceRef, error) {
	if n < 0 || n > math.MaxInt32 {
		return deviceRef{}, fmt.Errorf("GPU index %d is out of range", n)
	}
	return deviceRef{index: int(n)}, nil
}
