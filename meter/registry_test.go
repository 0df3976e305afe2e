package meter

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// nullMeter is the meter kind "null" registered for these tests: it reads
// nothing and exists to exercise New and the option helpers.
type nullMeter struct {
	name   string
	closed *bool // set by Close, when not nil
}

func (m nullMeter) Name() string                            { return m.name }
func (m nullMeter) Read(context.Context) ([]Reading, error) { return nil, nil }
func (m nullMeter) Close() error {
	if m.closed != nil {
		*m.closed = true
	}
	return nil
}

func init() {
	Register("null", func(spec Spec) (Opener, error) {
		if err := spec.CheckKeys("level", "unavailable"); err != nil {
			return nil, err
		}
		gone, err := spec.Bool("unavailable", false)
		if err != nil {
			return nil, err
		}
		return func(context.Context) (Meter, error) {
			if gone {
				return nil, Unavailable(spec, "no null device here", "remove this meter")
			}
			return nullMeter{name: spec.Name}, nil
		}, nil
	})
}

func TestNewBuildsRegisteredKind(t *testing.T) {
	m, err := New(context.Background(), Spec{Name: "n", Type: "null"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Name() != "n" {
		t.Errorf("Name() = %q, want n", m.Name())
	}
	if !slices.Contains(Kinds(), "null") || !slices.Contains(Kinds(), "exporter") {
		t.Errorf("Kinds() = %v, want null and exporter among them", Kinds())
	}
	if !slices.IsSorted(Kinds()) {
		t.Errorf("Kinds() = %v, not sorted", Kinds())
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want []string // substrings of the error text
	}{
		{"typo suggests nearest kind",
			Spec{Name: "gpu", Type: "exportr", Source: "run.yaml:12"},
			[]string{"run.yaml:12: meters[gpu].type:", `unknown meter type "exportr"`, `did you mean "exporter"?`, "known types:", "null"}},
		{"far-off kind lists kinds without a guess",
			Spec{Name: "gpu", Type: "thermometer"},
			[]string{"meters[gpu].type:", `unknown meter type "thermometer"`, "known types: "}},
		{"missing type",
			Spec{Name: "gpu"},
			[]string{"meters[gpu].type: missing meter type"}},
		{"missing name",
			Spec{Type: "null", Source: "a.yaml:3"},
			[]string{"a.yaml:3: meters[]: a meter needs a name"}},
		{"unknown option with suggestion and list",
			Spec{Name: "n", Type: "null", Source: "a.yaml:7", Options: map[string]any{"levl": 1}},
			[]string{"a.yaml:7: meters[n].levl: unknown option", `did you mean "level"?`, "valid options: level, unavailable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(context.Background(), tt.spec)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(tt.name, "far-off") && strings.Contains(err.Error(), "did you mean") {
				t.Errorf("error %q guesses a kind for an unrelated name", err)
			}
		})
	}
}

func TestUnavailableWrapsSentinel(t *testing.T) {
	_, err := New(context.Background(), Spec{Name: "n", Type: "null", Source: "a.yaml:2", Options: map[string]any{"unavailable": true}})
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("error %v does not wrap ErrUnavailable", err)
	}
	want := "a.yaml:2: meters[n]: unavailable on this machine: no null device here; fix: remove this meter"
	if err.Error() != want {
		t.Errorf("error = %q\nwant    %q", err, want)
	}
}

func TestRegisterRejectsDuplicates(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering a kind twice did not panic")
		}
	}()
	Register("null", func(Spec) (Opener, error) { return nil, nil })
}

func TestOptionHelpers(t *testing.T) {
	spec := Spec{Name: "m", Type: "null", Source: "f.yaml:4", Options: map[string]any{
		"url":      "http://x",
		"timeout":  "250ms",
		"bare":     5,
		"negative": "-1s",
		"gpu":      0, // YAML reads `gpu: 0` as a number
		"ratio":    0.5,
		"flag":     true,
		"labels":   map[string]any{"gpu": 0, "Hostname": "n1"},
		"badmap":   map[string]any{"x": []any{1}},
		"metrics":  []any{map[string]any{"name": "a"}, "oops"},
		"list":     []any{map[string]any{"name": "a", "unit": []any{}}},
	}}
	if s, err := spec.String("url", ""); err != nil || s != "http://x" {
		t.Errorf("String(url) = %q, %v", s, err)
	}
	if s, err := spec.String("gpu", ""); err != nil || s != "0" {
		t.Errorf("String(gpu) = %q, %v; want the number turned into \"0\"", s, err)
	}
	if s, err := spec.String("absent", "def"); err != nil || s != "def" {
		t.Errorf("String(absent) = %q, %v", s, err)
	}
	if d, err := spec.Duration("timeout", time.Second); err != nil || d != 250*time.Millisecond {
		t.Errorf("Duration(timeout) = %v, %v", d, err)
	}
	if d, err := spec.Duration("absent", time.Second); err != nil || d != time.Second {
		t.Errorf("Duration(absent) = %v, %v", d, err)
	}
	if f, err := spec.Float("ratio", 0); err != nil || f != 0.5 {
		t.Errorf("Float(ratio) = %v, %v", f, err)
	}
	if b, err := spec.Bool("flag", false); err != nil || !b {
		t.Errorf("Bool(flag) = %v, %v", b, err)
	}
	m, err := spec.StringMap("labels")
	if err != nil || m["gpu"] != "0" || m["Hostname"] != "n1" || len(m) != 2 {
		t.Errorf("StringMap(labels) = %v, %v", m, err)
	}
	if !spec.Has("flag") || spec.Has("absent") {
		t.Error("Has is wrong")
	}

	errorCases := []struct {
		name string
		call func() error
		want string
	}{
		{"bare number duration", func() error { _, err := spec.Duration("bare", 0); return err },
			`f.yaml:4: meters[m].bare: want a duration with a unit such as "2s" or "500ms", got the number 5`},
		{"negative duration", func() error { _, err := spec.Duration("negative", 0); return err },
			`f.yaml:4: meters[m].negative: must be positive, got "-1s"`},
		{"unparsable duration", func() error { _, err := spec.Duration("url", 0); return err },
			`f.yaml:4: meters[m].url: want a duration such as "2s" or "500ms", got "http://x"`},
		{"required missing", func() error { _, err := spec.RequiredString("absent"); return err },
			`f.yaml:4: meters[m].absent: required but not set`},
		{"string from map", func() error { _, err := spec.String("labels", ""); return err },
			`f.yaml:4: meters[m].labels: want a string, got a mapping`},
		{"float from string", func() error { _, err := spec.Float("url", 0); return err },
			`f.yaml:4: meters[m].url: want a number, got "http://x"`},
		{"bool from number", func() error { _, err := spec.Bool("bare", false); return err },
			`f.yaml:4: meters[m].bare: want true or false, got the number 5`},
		{"map value not scalar", func() error { _, err := spec.StringMap("badmap"); return err },
			`f.yaml:4: meters[m].badmap.x: want a string, got a list`},
		{"map from string", func() error { _, err := spec.StringMap("url"); return err },
			`f.yaml:4: meters[m].url: want a mapping such as {gpu: "0"}, got "http://x"`},
		{"list item not a mapping", func() error { _, err := spec.List("metrics"); return err },
			`f.yaml:4: meters[m].metrics[1]: want a mapping, got "oops"`},
		{"list from string", func() error { _, err := spec.List("url"); return err },
			`f.yaml:4: meters[m].url: want a list, got "http://x"`},
		{"nested item key names its path", func() error {
			items, err := spec.List("list")
			if err != nil {
				return err
			}
			_, err = items[0].String("unit", "")
			return err
		}, `f.yaml:4: meters[m].list[0].unit: want a string, got a list`},
	}
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil || err.Error() != tc.want {
				t.Errorf("error = %v\nwant    %s", err, tc.want)
			}
			var oe *OptionError
			if err != nil && !errors.As(err, &oe) {
				t.Errorf("error %T is not an *OptionError", err)
			}
		})
	}
}

func TestOptionErrorWithoutSource(t *testing.T) {
	err := Spec{Name: "m"}.Errorf("url", "bad %s", "thing")
	if err.Error() != "meters[m].url: bad thing" {
		t.Errorf("error = %q", err)
	}
}

// opened counts the calls of the "check-test" kind's Opener, which Check
// must not make.
var opened int

type ctxKey struct{}

func init() {
	Register("check-test", func(spec Spec) (Opener, error) {
		if err := spec.CheckKeys("port", "token_env"); err != nil {
			return nil, err
		}
		if spec.Has("token_env") { // as when a secret's variable is empty here
			return nil, Unavailable(spec, "the token variable is empty", "export it")
		}
		return func(ctx context.Context) (Meter, error) {
			opened++
			if ctx.Value(ctxKey{}) != "from New" {
				return nil, errors.New("the Opener did not get New's context")
			}
			return nil, spec.Errorf("", "the device is busy")
		}, nil
	})
}

func init() {
	Register("check-test-empty", func(Spec) (Opener, error) { return nil, nil })
}

// Check runs the Parser alone: it reports option mistakes and never
// opens the meter. What is wrong with the machine rather than the
// options (ErrUnavailable) is left for the run to find.
func TestCheck(t *testing.T) {
	opened = 0
	for _, c := range []struct {
		spec Spec
		want []string // substrings of the error; none for no error
	}{
		{Spec{Name: "c", Type: "check-test", Options: map[string]any{"port": 1}}, nil},
		{Spec{Name: "c", Type: "check-test", Options: map[string]any{"prot": 1}}, []string{"meters[c].prot: unknown option"}},
		{Spec{Name: "c", Type: "check-test", Options: map[string]any{"token_env": "T"}}, nil},
		{Spec{Name: "n", Type: "null"}, nil},
		{Spec{Name: "n", Type: "null", Options: map[string]any{"unavailable": true}}, nil},
		{Spec{Name: "n", Type: "null", Options: map[string]any{"levle": 1, "lvl": 2}}, []string{"meters[n].levle: unknown option", "meters[n].lvl"}},
		{Spec{Name: "n", Type: "nul"}, []string{`meters[n].type: unknown meter type "nul"`}},
		{Spec{Type: "null"}, []string{"meters[]: a meter needs a name"}},
		{Spec{Name: "e", Type: "check-test-empty"}, []string{`meters[e].type: meter type "check-test-empty" gave nothing to open`}},
	} {
		err := Check(c.spec)
		if len(c.want) == 0 && err != nil {
			t.Errorf("Check(%+v) = %v, want nil", c.spec, err)
		}
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("Check(%+v) = %v, want %q", c.spec, err, w)
			}
		}
	}
	if opened != 0 {
		t.Errorf("Check opened a meter %d times", opened)
	}
}

// New parses, then opens with its own context; a context already
// cancelled stops it before the Opener runs.
func TestNewOpensWithItsContext(t *testing.T) {
	opened = 0
	spec := Spec{Name: "c", Type: "check-test"}
	ctx := context.WithValue(context.Background(), ctxKey{}, "from New")
	if _, err := New(ctx, spec); err == nil || !strings.Contains(err.Error(), "the device is busy") {
		t.Errorf("New = %v, want the Opener's error", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := New(cancelled, spec); !errors.Is(err, context.Canceled) {
		t.Errorf("New with a cancelled context = %v, want context.Canceled", err)
	}
	if opened != 1 {
		t.Errorf("the Opener ran %d times, want once: not for the cancelled context", opened)
	}
	// The Parser's errors come first: a mistake is reported even when
	// the run is being cancelled.
	bad := Spec{Name: "c", Type: "check-test", Options: map[string]any{"prot": 1}}
	if _, err := New(cancelled, bad); err == nil || !strings.Contains(err.Error(), "unknown option") {
		t.Errorf("New(cancelled, mistyped) = %v, want the option mistake", err)
	}
}

func TestReady(t *testing.T) {
	closed := false
	m := nullMeter{name: "n", closed: &closed}
	got, err := Ready(m)(context.Background())
	if err != nil || got.Name() != "n" || closed {
		t.Errorf("Ready(m)(ctx) = %v, %v, closed %v; want m, open", got, err, closed)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err = Ready(m)(ctx)
	if !errors.Is(err, context.Canceled) || got != nil || !closed {
		t.Errorf("Ready(m) with a cancelled context = %v, %v, closed %v; want context.Canceled and m closed", got, err, closed)
	}
}

func TestOpenNow(t *testing.T) {
	calls := 0
	fails := OpenNow(func() (*nullMeter, error) { calls++; return nil, errors.New("no sysfs") })
	m, err := fails(context.Background())
	if err == nil || m != nil {
		t.Errorf("a failed open gave %#v, %v; want a nil Meter (no nil *nullMeter inside) and the error", m, err)
	}
	works := OpenNow(func() (*nullMeter, error) { calls++; return &nullMeter{name: "n"}, nil })
	if m, err := works(context.Background()); err != nil || m.Name() != "n" {
		t.Errorf("open = %v, %v; want the meter", m, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := works(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("open with a cancelled context = %v, want context.Canceled", err)
	}
	if calls != 2 {
		t.Errorf("open ran %d times, want 2: not with a cancelled context", calls)
	}
}

func TestIsOptionMistake(t *testing.T) {
	spec := Spec{Name: "gpu", Type: "x"}
	other := Spec{Name: "pdu", Type: "x"}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"an option the device refused", spec.Errorf("gpu_index", "no GPU 5 on this machine (0 to 0)"), true},
		{"joined with a machine error", errors.Join(errors.New("dial: refused"), spec.Errorf("oid", "no such object")), true},
		{"unavailable here", Unavailable(spec, "no driver", "install it"), false},
		{"the meter as a whole", spec.Errorf("", "cannot reach the exporter"), false},
		{"another meter's option", other.Errorf("oid", "bad"), false},
		{"a plain error", errors.New("connection refused"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsOptionMistake(spec, tc.err); got != tc.want {
				t.Errorf("IsOptionMistake(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
