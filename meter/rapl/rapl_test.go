package rapl

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/meter"
)

// newTestMeter builds a "rapl" meter named cpu over a fixture tree through
// the registry, as a config would; it returns the meter and the tree.
func newTestMeter(t *testing.T, fixture string, opts map[string]any) (*Meter, string) {
	t.Helper()
	root := sysfsTree(t, fixture)
	o := map[string]any{"sysfs": root}
	for k, v := range opts {
		o[k] = v
	}
	m, err := meter.New(t.Context(), meter.Spec{Name: "cpu", Type: "rapl", Options: o, Source: "test.yaml:3"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m.(*Meter), root
}

// newEditedMeter is newTestMeter over a fixture with one file deleted.
func newEditedMeter(t *testing.T, fixture string, opts map[string]any, remove string) *Meter {
	t.Helper()
	if remove == "" {
		m, _ := newTestMeter(t, fixture, opts)
		return m
	}
	root := sysfsTree(t, fixture)
	if err := os.Remove(filepath.Join(root, filepath.FromSlash(remove))); err != nil {
		t.Fatal(err)
	}
	o := map[string]any{"sysfs": root}
	for k, v := range opts {
		o[k] = v
	}
	m, err := meter.New(t.Context(), meter.Spec{Name: "cpu", Type: "rapl", Options: o})
	if err != nil {
		t.Fatal(err)
	}
	return m.(*Meter)
}

// ch is an expected reading: channel, component and joules.
type ch struct {
	name      string
	component meter.Component
	joules    float64
}

func TestChannels(t *testing.T) {
	const (
		pkgRange  = 262143.328850 // max_energy_range_uj 262143328850
		dramRange = 65712.999613
		amdRange  = 65532.610987
	)
	all := []any{"package", "dram", "core", "uncore", "psys"}
	tests := []struct {
		name    string
		fixture string
		zones   []any // nil: the default
		want    []ch
		ranges  map[string]float64
		skipped []string // substrings of Skipped entries
		edit    string   // a file to delete from the fixture first
	}{
		{
			name:    "intel two sockets with dram",
			fixture: "intel_2socket.txtar",
			want: []ch{
				{"cpu-package-0", meter.CPU, 123456.789012},
				{"cpu-package-1", meter.CPU, 98765.432109},
				{"dram-0", meter.DRAM, 23456.789012},
				{"dram-1", meter.DRAM, 12345.678901},
			},
			ranges: map[string]float64{
				"cpu/cpu-package-0": pkgRange, "cpu/cpu-package-1": pkgRange,
				"cpu/dram-0": dramRange, "cpu/dram-1": dramRange,
			},
		},
		{
			name:    "intel laptop, default zones: mmio duplicate and sub-zones left out",
			fixture: "intel_laptop.txtar",
			want: []ch{
				{"cpu-package-0", meter.CPU, 45678.901234}, // the MSR zone's value, not MMIO's 45678.950000
				{"dram-0", meter.DRAM, 3456.789012},
			},
			ranges: map[string]float64{"cpu/cpu-package-0": pkgRange, "cpu/dram-0": pkgRange},
			skipped: []string{
				`intel-rapl-mmio:0 ("package-0"): the same counter as intel-rapl:0`,
				"core-0 (intel-rapl:0:0): a core zone, which zones: does not ask for",
				"psys (intel-rapl:1): a psys zone",
			},
		},
		{
			name:    "intel laptop, every zone: parts of the package are parts, never cpu",
			fixture: "intel_laptop.txtar",
			zones:   all,
			want: []ch{
				{"cpu-package-0", meter.CPU, 45678.901234},
				{"dram-0", meter.DRAM, 3456.789012},
				{"core-0", meter.Part, 20123.456789},
				{"uncore-0", meter.Part, 1234.567890},
				{"psys", meter.Part, 87654.321098},
			},
			ranges: map[string]float64{
				"cpu/cpu-package-0": pkgRange, "cpu/dram-0": pkgRange, "cpu/core-0": pkgRange,
				"cpu/uncore-0": pkgRange, "cpu/psys": pkgRange,
			},
			skipped: []string{`intel-rapl-mmio:0 ("package-0"): the same counter as intel-rapl:0`},
		},
		{
			name:    "amd two sockets, mirrored dies read once per socket",
			fixture: "amd_multidie.txtar",
			want: []ch{
				{"cpu-package-0", meter.CPU, 98765.432101},
				{"cpu-package-1", meter.CPU, 87654.321098},
			},
			ranges: map[string]float64{"cpu/cpu-package-0": amdRange, "cpu/cpu-package-1": amdRange},
			skipped: []string{
				`intel-rapl:1 ("package-0-die-1"): mirrors the counter of package-0-die-0`,
				`intel-rapl:3 ("package-1-die-1"): mirrors the counter of package-1-die-0`,
			},
		},
		{
			name:    "amd with core zones: the mirrored die's core goes with it",
			fixture: "amd_multidie.txtar",
			zones:   []any{"package", "core"},
			want: []ch{
				{"cpu-package-0", meter.CPU, 98765.432101},
				{"cpu-package-1", meter.CPU, 87654.321098},
				{"core-0", meter.Part, 1111.111111},
				{"core-1", meter.Part, 3333.333333}, // intel-rapl:2:0, under package-1-die-0
			},
			ranges: map[string]float64{
				"cpu/cpu-package-0": amdRange, "cpu/cpu-package-1": amdRange,
				"cpu/core-0": amdRange, "cpu/core-1": amdRange,
			},
			skipped: []string{`intel-rapl:1:0 ("core"): under package-0-die-1, which mirrors package-0-die-0`},
		},
		{
			name:    "intel multi-die: each die its own counter",
			fixture: "intel_multidie.txtar",
			want: []ch{
				{"cpu-package-0-die-0", meter.CPU, 55555.555555},
				{"cpu-package-0-die-1", meter.CPU, 44444.444444},
				{"dram-0-die-0", meter.DRAM, 6666.666666},
				{"dram-0-die-1", meter.DRAM, 7777.777777},
			},
			ranges: map[string]float64{
				"cpu/cpu-package-0-die-0": pkgRange, "cpu/cpu-package-0-die-1": pkgRange,
				"cpu/dram-0-die-0": dramRange, "cpu/dram-0-die-1": dramRange,
			},
		},
		{
			name:    "a zone without max_energy_range_uj has no range",
			fixture: "intel_2socket.txtar",
			edit:    "devices/virtual/powercap/intel-rapl/intel-rapl:1/intel-rapl:1:0/max_energy_range_uj",
			want: []ch{
				{"cpu-package-0", meter.CPU, 123456.789012},
				{"cpu-package-1", meter.CPU, 98765.432109},
				{"dram-0", meter.DRAM, 23456.789012},
				{"dram-1", meter.DRAM, 12345.678901},
			},
			ranges:  map[string]float64{"cpu/cpu-package-0": pkgRange, "cpu/cpu-package-1": pkgRange, "cpu/dram-0": dramRange},
			skipped: []string{"dram-1: no max_energy_range_uj, so a decrease of its counter will count as a reset"},
		},
		{
			name:    "explicit zones that are partly absent",
			fixture: "intel_2socket.txtar",
			zones:   []any{"dram", "psys"},
			want: []ch{
				{"dram-0", meter.DRAM, 23456.789012},
				{"dram-1", meter.DRAM, 12345.678901},
			},
			ranges:  map[string]float64{"cpu/dram-0": dramRange, "cpu/dram-1": dramRange},
			skipped: []string{"zones: psys asked for, but this machine has no psys zone"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := map[string]any{}
			if tt.zones != nil {
				opts["zones"] = tt.zones
			}
			m := newEditedMeter(t, tt.fixture, opts, tt.edit)
			got, err := m.Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			checkReadings(t, got, tt.want)
			ranges := m.MaxRanges()
			if len(ranges) != len(tt.ranges) {
				t.Errorf("MaxRanges() = %v, want %v", ranges, tt.ranges)
			}
			for k, w := range tt.ranges {
				if g, ok := ranges[k]; !ok || math.Abs(g-w) > 1e-7 {
					t.Errorf("MaxRanges()[%q] = %v (present %v), want %v", k, g, ok, w)
				}
			}
			skipped := strings.Join(m.Skipped(), "\n")
			for _, s := range tt.skipped {
				if !strings.Contains(skipped, s) {
					t.Errorf("Skipped() lacks %q; it says:\n%s", s, skipped)
				}
			}
		})
	}
}

// checkReadings compares readings with want, in order; joules to the
// microjoule, which is what the counters hold.
func checkReadings(t *testing.T, got []meter.Reading, want []ch) {
	t.Helper()
	if len(got) != len(want) {
		names := make([]string, len(got))
		for i, r := range got {
			names[i] = r.Channel
		}
		t.Fatalf("channels %v, want %d: %v", names, len(want), want)
	}
	for i, w := range want {
		r := got[i]
		if r.Meter != "cpu" || r.Channel != w.name || r.Component != w.component {
			t.Errorf("reading %d: %s/%s (%s), want cpu/%s (%s)", i, r.Meter, r.Channel, r.Component, w.name, w.component)
		}
		if math.Abs(r.Joules-w.joules) > 0.5e-6 {
			t.Errorf("%s: %.6f J, want %.6f J", w.name, r.Joules, w.joules)
		}
		if !math.IsNaN(r.Watts) {
			t.Errorf("%s: watts %v, want NaN: RAPL gives energy only", w.name, r.Watts)
		}
		if !r.Time.IsZero() {
			t.Errorf("%s: the meter stamped a time; the sampler does that", w.name)
		}
	}
}
