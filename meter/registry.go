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

// A Checker decodes and checks a meter kind's options as its Factory does,
// without touching the machine: no device, file, process or connection.
// Kinds whose Factory opens something register one (RegisterCheck), so
// that a plan, and --dry-run, can refuse a mistyped option before the
// run; for the others Check builds the meter and closes it at once.
type Checker func(spec Spec) error

// ErrUnavailable marks a meter that is configured correctly but cannot work
// on this machine (no NVIDIA driver, no RAPL powercap files, no permission).
// Callers may skip such meters with a warning instead of failing the run.
// Build these errors with Unavailable so that they carry a reason and a fix.
var ErrUnavailable = errors.New("unavailable on this machine")

var registry = struct {
	sync.RWMutex
	factories map[string]Factory
	checkers  map[string]Checker
}{factories: map[string]Factory{}, checkers: map[string]Checker{}}

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

// RegisterCheck gives a registered kind the Checker that Check uses
// instead of its Factory; call it from init after Register.
func RegisterCheck(kind string, check Checker) {
	registry.Lock()
	defer registry.Unlock()
	if _, ok := registry.factories[kind]; !ok || check == nil {
		panic(fmt.Sprintf("meter: RegisterCheck(%q) needs a registered kind and a checker", kind))
	}
	registry.checkers[kind] = check
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
	factory, _, err := lookup(spec)
	if err != nil {
		return nil, err
	}
	return factory(spec)
}

// Check reports the configuration mistakes New would find in spec —
// unknown type, unknown or malformed option — without opening the meter
// where its kind registered a Checker. An error wrapping ErrUnavailable
// is no mistake: the meter cannot work on this machine.
func Check(spec Spec) error {
	factory, check, err := lookup(spec)
	switch {
	case err != nil:
		return err
	case check != nil:
		return check(spec)
	}
	m, err := factory(spec)
	if err == nil {
		m.Close()
	}
	return optionMistakes(spec, err)
}

// optionMistakes keeps, of what a Factory returned, the errors about one
// of spec's options: what is wrong with the meter as a whole (a driver
// that fails, a file that cannot be read, ErrUnavailable) is the
// machine's doing, found again and reported when the run opens it.
func optionMistakes(spec Spec, err error) error {
	if err == nil {
		return nil
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var keep []error
	for _, e := range errs {
		var oe *OptionError
		if errors.As(e, &oe) && strings.HasPrefix(oe.Path, spec.path()+".") && !errors.Is(e, ErrUnavailable) {
			keep = append(keep, e)
		}
	}
	return errors.Join(keep...)
}

func lookup(spec Spec) (Factory, Checker, error) {
	if spec.Name == "" {
		return nil, nil, spec.Errorf("", "a meter needs a name")
	}
	registry.RLock()
	factory, ok := registry.factories[spec.Type]
	check := registry.checkers[spec.Type]
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
		return nil, nil, spec.Errorf("type", "%s (known types: %s)", msg, strings.Join(kinds, ", "))
	}
	return factory, check, nil
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
