package gpuctl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aienergy/aienergy/meter/gpudev"
)

// Errors a Device wraps, so that Check can give the advice for each.
var (
	// ErrPermission: the process may read the GPU but not change it.
	ErrPermission = errors.New("no permission")
	// ErrNotSupported: the GPU (or its driver) has no such setting.
	ErrNotSupported = errors.New("not supported")
)

// A Controller reaches a set of GPUs whose settings it can change.
type Controller interface {
	// Where says how to reach the same GPUs again, from another process.
	Where() Where
	// Devices are the GPUs controlled, in the order they were selected.
	Devices() []Device
	Close() error
}

// Where names a controller's kind and address, as the saved originals
// record it.
type Where struct {
	Type string `json:"type"`          // "nvml" or "sim"
	URL  string `json:"url,omitempty"` // the simulator's base URL
}

// A Device is one GPU. Its calls are quick local ones (NVML) or one HTTP
// round trip (the simulator); none can be cancelled.
type Device interface {
	Info() Info
	Power() (Power, error)
	// SetPowerLimit sets the board's power limit, in watts.
	SetPowerLimit(watts float64) error
	Clock() (Clock, error)
	// LockClock pins the graphics clock at mhz; UnlockClock frees it.
	LockClock(mhz int) error
	UnlockClock() error
}

// Info identifies a GPU.
type Info struct {
	Index int    `json:"index"` // NVML's (nvidia-smi's) order
	UUID  string `json:"uuid"`
	Name  string `json:"name"`
}

func (i Info) String() string { return fmt.Sprintf("GPU %d (%s)", i.Index, i.Name) }

// Power is a GPU's power limit and the range it may be set in, in watts.
type Power struct {
	LimitW    float64 // as set (nvidia-smi -pl)
	EnforcedW float64 // in force: the lowest of every limit on the board
	DefaultW  float64
	MinW      float64
	MaxW      float64
}

// Clock is a GPU's graphics clock, in MHz.
type Clock struct {
	CurrentMHz int // running now
	MinMHz     int // the range it may be locked in; 0 when not known
	MaxMHz     int
	// LockedMHz is the locked clock, 0 when none; meaningful only when
	// LockKnown (NVML cannot tell).
	LockedMHz int
	LockKnown bool
}

// A Setting is one sweep point: what every controlled GPU is set to.
type Setting struct {
	PowerLimitW float64 // 0: the limit is not changed
	ClockMHz    int     // 0: the clocks are not changed
}

func (s Setting) String() string {
	var parts []string
	if s.PowerLimitW > 0 {
		parts = append(parts, fmt.Sprintf("power limit %g W", s.PowerLimitW))
	}
	if s.ClockMHz > 0 {
		parts = append(parts, fmt.Sprintf("clock %d MHz", s.ClockMHz))
	}
	if len(parts) == 0 {
		return "no change"
	}
	return strings.Join(parts, ", ")
}

// Select picks the GPUs refs name — NVML indices ("0") or UUIDs
// ("GPU-…") — in that order; every GPU when refs is empty.
func Select(all []Device, refs []string) ([]Device, error) {
	if len(refs) == 0 {
		return all, nil
	}
	picked := make([]Device, 0, len(refs))
	seen := map[string]string{}
	for _, s := range refs {
		ref, err := parseRef(s)
		if err != nil {
			return nil, err
		}
		var d Device
		for _, c := range all {
			if ref.Matches(c.Info().Index, c.Info().UUID) {
				d = c
				break
			}
		}
		if d == nil {
			return nil, fmt.Errorf("no GPU %s here; there are %s", ref, list(all))
		}
		if first, dup := seen[d.Info().UUID]; dup {
			return nil, fmt.Errorf("%s and %s are the same GPU (%s)", first, s, d.Info())
		}
		seen[d.Info().UUID] = s
		picked = append(picked, d)
	}
	return picked, nil
}

// parseRef reads one device reference: an index or a GPU UUID.
func parseRef(s string) (gpudev.Ref, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil && n >= 0 {
		return gpudev.Ref{Index: n}, nil
	}
	if len(s) > 4 && strings.EqualFold(s[:4], "GPU-") {
		return gpudev.Ref{UUID: s}, nil
	}
	return gpudev.Ref{}, fmt.Errorf("want a GPU index such as 0 or a UUID such as GPU-5a3c… (nvidia-smi -L lists them), got %q", s)
}

// ValidRef reports what is wrong with a device reference, for the config
// to check without reaching any GPU; nil when it is well formed.
func ValidRef(s string) error {
	_, err := parseRef(s)
	return err
}

// list names GPUs for messages: "0 GPU-… (NVIDIA H100 80GB HBM3), 1 …".
func list(all []Device) string {
	if len(all) == 0 {
		return "none"
	}
	parts := make([]string, len(all))
	for i, d := range all {
		in := d.Info()
		parts[i] = fmt.Sprintf("%d %s (%s)", in.Index, in.UUID, in.Name)
	}
	return strings.Join(parts, ", ")
}
