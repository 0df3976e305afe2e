package meter

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// A Factory builds a meter of one kind from its configuration. It decodes
// spec.Options with the Spec helpers so that every error names the config
// file, the meter and the key.
type Factory func(spec Spec) (Meter, error)

// ErrUnavailable marks a meter that is configured correctly but cannot work
// on this machine (no NVIDIA driver, no RAPL powercap files, no permission).
// Callers may skip such meters with a warning instead of failing the run.
// Build these errors with Unavailable so that they carry a reason and a fix.
var ErrUnavailable = errors.New("unavailable on this machine")

var registry = struct {
	sync.RWMutex
	factories map[string]Factory
}{factories: map[string]Factory{}}

// Register makes a meter kind available to New. Kinds register themselves
// from init, so a bad registration is a programming error and panics, the
// way database/sql.Register does.
func Register(kind string, factory Factory) {
	if kind == "" || factory == nil {
		panic("meter: Register needs a kind and a factory")
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.factories[kind]; dup {
		panic(fmt.Sprintf("meter: kind %q registered twice", kind))
	}
	registry.factories[kind] = factory
}

// Kinds lists the registered meter kinds in alphabetical order.
func Kinds() []string {
	registry.RLock()
	defer registry.RUnlock()
	kinds := make([]string, 0, len(registry.factories))
	for k := range registry.factories {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return kinds
}

// New builds the meter that spec describes. An unknown kind is an error that
// lists the known kinds and suggests the nearest one.
func New(spec Spec) (Meter, error) {
	if spec.Name == "" {
		return nil, spec.Errorf("", "a meter needs a name")
	}
	registry.RLock()
	factory, ok := registry.factories[spec.Type]
	registry.RUnlock()
	if !ok {
		kinds := Kinds()
		msg := fmt.Sprintf("unknown meter type %q", spec.Type)
		if spec.Type == "" {
			msg = "missing meter type"
		}
		if s := nearest(spec.Type, kinds); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		return nil, spec.Errorf("type", "%s (known types: %s)", msg, strings.Join(kinds, ", "))
	}
	return factory(spec)
}

// Unavailable returns an error wrapping ErrUnavailable that says why the
// meter cannot work here and what would fix it, e.g.
//
//	Unavailable(spec, "libnvidia-ml.so.1 not found", "install the NVIDIA driver or remove this meter")
func Unavailable(spec Spec, reason, fix string) error {
	return &OptionError{
		Source: spec.Source,
		Path:   spec.path(),
		Err:    fmt.Errorf("%w: %s; fix: %s", ErrUnavailable, reason, fix),
	}
}
