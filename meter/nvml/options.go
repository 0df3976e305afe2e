package nvml

import (
	"github.com/aienergy/aienergy/meter/gpudev"

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
type deviceRef = gpudev.Ref

// parseOptions decodes and checks the meter's options. It needs no NVML,
// so a binary built without cgo still rejects a bad configuration.
func parseOptions(spec meter.Spec) (options, error) {
	o := options{}
	if err := spec.CheckKeys(optionKeys...); err != nil {
		return o, err
	}
	var err error
	if o.devices, err = gpudev.Parse(spec); err != nil {
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
