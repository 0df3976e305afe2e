package meter

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/aienergy/aienergy/internal/suggest"
)

// A Parser is the first step of building a meter of one kind: it decodes
// and checks spec.Options, with the Spec helpers so that every error names
// the config file, the meter and the key, and touches nothing on the
// machine (no device, file, process or connection). A plan, and --dry-run,
// call it alone, so that a mistyped option fails before the run. It
// returns the second step, which opens the meter.
type Parser func(spec Spec) (Opener, error)

// An Opener is the second step: it opens what the parsed meter reads (a
// device, sysfs files, a process, a BMC session) and returns the meter.
// Opening may block (a BMC's discovery takes up to a minute); an Opener
// returns soon after ctx is cancelled, with an error wrapping ctx's.
type Opener func(ctx context.Context) (Meter, error)

// ErrUnavailable marks a meter that is configured correctly but cannot work
// on this machine (no NVIDIA driver, no RAPL powercap files, no permission).
// Callers may skip such meters with a warning instead of failing the run.
// Build these errors with Unavailable so that they carry a reason and a fix.
var ErrUnavailable = errors.New("unavailable on this machine")

var registry = struct {
	sync.RWMutex
	parsers map[string]Parser
}{parsers: map[string]Parser{}}

// Register makes a meter kind available to New and Check. Kinds register
// themselves from init, so a bad registration is a programming error and
// panics, the way database/sql.Register does.
func Register(kind string, parse Parser) {
	if kind == "" || parse == nil {
		panic("meter: Register needs a kind and a parser")
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.parsers[kind]; dup {
		panic(fmt.Sprintf("meter: kind %q registered twice", kind))
	}
	registry.parsers[kind] = parse
}

// Ready is the Opener of a meter that its Parser could build whole because
// it opens nothing before its first Read (an HTTP client, an SNMP session
// dialled on demand).
func Ready(m Meter) Opener {
	return func(ctx context.Context) (Meter, error) {
		if err := ctx.Err(); err != nil {
			m.Close()
			return nil, err
		}
		return m, nil
	}
}

// OpenNow is the Opener of a meter whose opening is quick and cannot be
// cancelled part-way (a few sysfs or procfs reads): it checks ctx, then
// calls open.
func OpenNow[M Meter](open func() (M, error)) Opener {
	return func(ctx context.Context) (Meter, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m, err := open()
		if err != nil {
			return nil, err // not a nil *T in a non-nil Meter
		}
		return m, nil
	}
}

// Kinds lists the registered meter kinds in alphabetical order.
func Kinds() []string {
	registry.RLock()
	defer registry.RUnlock()
	return slices.Sorted(maps.Keys(registry.parsers))
}

// New builds and opens the meter that spec describes. An unknown kind is
// an error that lists the known kinds and suggests the nearest one.
// Cancelling ctx stops the opening: New then returns an error wrapping
// ctx's.
func New(ctx context.Context, spec Spec) (Meter, error) {
	open, err := parse(spec)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return open(ctx)
}

// Check reports the configuration mistakes New would find in spec —
// unknown type, unknown or malformed option — without opening the meter.
// An error wrapping ErrUnavailable is no mistake (the meter cannot work on
// this machine, which the run finds out again), and Check leaves it out.
func Check(spec Spec) error {
	_, err := parse(spec)
	return withoutUnavailable(err)
}

// withoutUnavailable is err less those of its joined errors that wrap
// ErrUnavailable.
func withoutUnavailable(err error) error {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var keep []error
	for _, e := range errs {
		if e != nil && !errors.Is(e, ErrUnavailable) {
			keep = append(keep, e)
		}
	}
	return errors.Join(keep...)
}

// parse looks spec's kind up and runs its Parser.
func parse(spec Spec) (Opener, error) {
	if spec.Name == "" {
		return nil, spec.Errorf("", "a meter needs a name")
	}
	registry.RLock()
	p, ok := registry.parsers[spec.Type]
	registry.RUnlock()
	if !ok {
		kinds := Kinds()
		msg := fmt.Sprintf("unknown meter type %q", spec.Type)
		if spec.Type == "" {
			msg = "missing meter type"
		}
		if s := suggest.Nearest(spec.Type, kinds); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		return nil, spec.Errorf("type", "%s (known types: %s)", msg, strings.Join(kinds, ", "))
	}
	open, err := p(spec)
	if open == nil && err == nil { // a bug in the kind; New must not call nil
		err = spec.Errorf("type", "meter type %q gave nothing to open", spec.Type)
	}
	return open, err
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

// IsOptionMistake reports whether err, from New, is about one of spec's
// options — a value the device refused (a GPU index past the last GPU, an
// OID the agent does not serve) — rather than about the machine (no
// driver, no permission, nobody listening). Such a mistake is the
// config's, fatal like any other bad key; only a machine that cannot
// serve the meter may leave it out of a run.
func IsOptionMistake(spec Spec, err error) bool {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		var oe *OptionError
		if errors.As(e, &oe) && strings.HasPrefix(oe.Path, spec.path()+".") && !errors.Is(e, ErrUnavailable) {
			return true
		}
	}
	return false
}
