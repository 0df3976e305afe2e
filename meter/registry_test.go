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
type nullMeter struct{ name string }

func (m nullMeter) Name() string                            { return m.name }
func (m nullMeter) Read(context.Context) ([]Reading, error) { return nil, nil }
func (m nullMeter) Close() error                            { return nil }

func init() {
	Register("null", func(spec Spec) (Meter, error) {
		if err := spec.CheckKeys("level", "unavailable"); err != nil {
			return nil, err
		}
		if gone, err := spec.Bool("unavailable", false); err != nil {
			return nil, err
		} else if gone {
			return nil, Unavailable(spec, "no null device here", "remove this meter")
		}
		return nullMeter{name: spec.Name}, nil
	})
}

func TestNewBuildsRegisteredKind(t *testing.T) {
	m, err := New(Spec{Name: "n", Type: "null"})
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
			_, err := New(tt.spec)
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
	_, err := New(Spec{Name: "n", Type: "null", Source: "a.yaml:2", Options: map[string]any{"unavailable": true}})
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
	Register("null", func(Spec) (Meter, error) { return nil, nil })
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

func TestNearest(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"exportr", "exporter"},
		{"EXPORTER", "exporter"},
		{"nvm", "nvml"},
		{"timout", "timeout"},
		{"zzzzzzzz", ""},
		{"", ""},
	}
	cands := []string{"exporter", "nvml", "rapl", "timeout"}
	for _, tt := range tests {
		if got := nearest(tt.in, cands); got != tt.want {
			t.Errorf("nearest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// checkOpened counts the calls of the "check-test" factory, which Check
// must not make: that kind has a Checker.
var checkOpened int

func init() {
	busy := func(spec Spec) (Meter, error) { return nil, spec.Errorf("", "the device is busy") }
	Register("check-test", func(spec Spec) (Meter, error) { checkOpened++; return busy(spec) })
	RegisterCheck("check-test", func(spec Spec) error { return spec.CheckKeys("port") })
	Register("check-test-busy", busy)
}

// Check reports option mistakes only. A kind with a Checker is judged by
// it alone (its factory, which would open something, is not called); for
// the others the meter is built and closed, and what is wrong with the
// machine rather than the options — ErrUnavailable, a failure of the
// meter as a whole — is left for the run to find.
func TestCheck(t *testing.T) {
	for _, c := range []struct {
		spec Spec
		want []string // substrings of the error; none for no error
	}{
		{Spec{Name: "c", Type: "check-test", Options: map[string]any{"port": 1}}, nil},
		{Spec{Name: "c", Type: "check-test", Options: map[string]any{"prot": 1}}, []string{"meters[c].prot: unknown option"}},
		{Spec{Name: "n", Type: "null"}, nil},
		{Spec{Name: "n", Type: "null", Options: map[string]any{"unavailable": true}}, nil},
		{Spec{Name: "b", Type: "check-test-busy"}, nil},
		{Spec{Name: "n", Type: "null", Options: map[string]any{"levle": 1, "lvl": 2}}, []string{"meters[n].levle: unknown option", "meters[n].lvl"}},
		{Spec{Name: "n", Type: "nul"}, []string{`meters[n].type: unknown meter type "nul"`}},
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
	if checkOpened != 0 {
		t.Errorf("Check opened a meter whose kind has a Checker %d times", checkOpened)
	}
}
