package nvidiasmi

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

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

// A deviceRef is one entry of devices: an index or a GPU UUID.
type deviceRef struct {
	index int
	uuid  string // "GPU-…"; the index is unused when set
}

func (d deviceRef) String() string {
	if d.uuid != "" {
		return d.uuid
	}
	return strconv.Itoa(d.index)
}

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
	return o, nil
}

// parseDevices reads devices: a list of indices (numbers or digit strings)
// and GPU UUIDs.
func parseDevices(spec meter.Spec) ([]deviceRef, error) {
	raw, ok := spec.Options["devices"]
	if !ok || raw == nil {
		return nil, nil
	}
	items, ok := raw.([]any)
	if !ok {
		items = []any{raw} // one device written without brackets
	}
	if len(items) == 0 {
		return nil, spec.Errorf("devices", "empty list: leave devices out to read every GPU")
	}
	refs := make([]deviceRef, 0, len(items))
	for i, item := range items {
		ref, err := parseDevice(item)
		if err != nil {
			return nil, spec.Errorf(fmt.Sprintf("devices[%d]", i), "%v", err)
		}
		refs = append(refs, ref)
	}
	return refs, nil
}

func parseDevice(v any) (deviceRef, error) {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	case uint64:
		if x > math.MaxInt32 {
			return deviceRef{}, fmt.Errorf("GPU index %d is out of range", x)
		}
		n = int64(x)
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > math.MaxInt32 {
			return deviceRef{}, fmt.Errorf("want a GPU index or UUID, got the number %v", x)
		}
		n = int64(x)
	case string:
		s := strings.TrimSpace(x)
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			switch strings.ToUpper(s[:min(len(s), 4)]) {
			case "GPU-":
				if len(s) > 4 {
					return deviceRef{uuid: s}, nil
				}
			case "MIG-":
				return deviceRef{}, fmt.Errorf("%q is a MIG instance; nvidia-smi reports power for whole GPUs only: name its GPU-… UUID or its index", s)
			}
			return deviceRef{}, fmt.Errorf("want a GPU index such as 0 or a UUID such as \"GPU-5a3c…\" (nvidia-smi -L lists them), got %q", s)
		}
		n = i
	default:
		return deviceRef{}, errors.New("want a GPU index or UUID, got a list or mapping")
	}
	if n < 0 || n > math.MaxInt32 {
		return deviceRef{}, fmt.Errorf("GPU index %d is out of range", n)
	}
	return deviceRef{index: int(n)}, nil
}
