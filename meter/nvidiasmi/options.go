package nvidiasmi

import (
	"time"

	"github.com/aienergy/aienergy/meter/gpudev"

	"github.com/aienergy/aienergy/meter"
)

type powerMode string

const (
	powerAuto    powerMode = "auto"
	powerInstant powerMode = "instant"
	powerAverage powerMode = "average"
)

const (
	defaultPath     = "nvidia-smi"
	defaultInterval = 100 * time.Millisecond
)

var optionKeys = []string{"path", "interval", "devices", "power"}

type options struct {
	path     string
	interval time.Duration // whole milliseconds
	devices  []deviceRef   // nil: every GPU
	power    powerMode
}

// A deviceRef is one entry of devices: an NVML index or a GPU UUID.
type deviceRef = gpudev.Ref

func parseOptions(spec meter.Spec) (options, error) {
	o := options{}
	if err := spec.CheckKeys(optionKeys...); err != nil {
		return o, err
	}
	var err error
	if o.path, err = spec.String("path", defaultPath); err != nil {
		return o, err
	}
	if o.path == "" {
		return o, spec.Errorf("path", "must not be empty (the default is nvidia-smi from PATH)")
	}
	if o.interval, err = spec.Duration("interval", defaultInterval); err != nil {
		return o, err
	}
	if o.interval < time.Millisecond || o.interval%time.Millisecond != 0 {
		return o, spec.Errorf("interval", "nvidia-smi loops in whole milliseconds (-lms); got %s", o.interval)
	}
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
	return o, nil
}
