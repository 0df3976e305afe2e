package estimate

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/aienergy/aienergy/meter"
)

// procTree builds a procfs root in a temp dir from testdata/<machine>/ (its
// cpuinfo and meminfo) and testdata/stat/<stat> as the stat file. machine
// or stat "" leaves those files out.
func procTree(t *testing.T, machine, stat string) string {
	t.Helper()
	root := t.TempDir()
	if machine != "" {
		entries, err := os.ReadDir(filepath.Join("testdata", machine))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			copyFile(t, filepath.Join("testdata", machine, e.Name()), filepath.Join(root, e.Name()))
		}
	}
	if stat != "" {
		setStat(t, root, stat)
	}
	return root
}

// setStat makes testdata/stat/<name> the root's stat file, the way the
// kernel's counters move on between two reads.
func setStat(t *testing.T, root, name string) {
	t.Helper()
	copyFile(t, filepath.Join("testdata", "stat", name), filepath.Join(root, "stat"))
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	tmp := to + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, to); err != nil {
		t.Fatal(err)
	}
}

// newMeter builds a meter of kind from options, as the config would.
func newMeter(t *testing.T, kind string, opts map[string]any) (meter.Meter, error) {
	t.Helper()
	m, err := meter.New(t.Context(), meter.Spec{Name: "est", Type: kind, Options: opts, Source: "run.yaml:7"})
	if err == nil {
		t.Cleanup(func() { _ = m.Close() })
	}
	return m, err
}

// readOne reads m and checks it returned exactly one estimate reading.
func readOne(t *testing.T, m meter.Meter, channel string, component meter.Component) float64 {
	t.Helper()
	rs, err := m.Read(context.Background())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(rs) != 1 {
		t.Fatalf("Read returned %d readings, want 1: %+v", len(rs), rs)
	}
	r := rs[0]
	if r.Meter != "est" || r.Channel != channel || r.Component != component {
		t.Errorf("reading labelled %q/%q/%q, want est/%s/%s", r.Meter, r.Channel, r.Component, channel, component)
	}
	if !math.IsNaN(r.Joules) {
		t.Errorf("Joules = %v, want NaN: an estimate has no energy counter", r.Joules)
	}
	if !r.Time.IsZero() {
		t.Errorf("Time = %v, want zero (the sampler stamps it)", r.Time)
	}
	return r.Watts
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
