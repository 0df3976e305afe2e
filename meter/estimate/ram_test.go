package estimate

import (
	"errors"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/meter"
)

// testdata/xeon-2s/meminfo: MemTotal 32505856 kB = 31 GiB exactly.
func TestRAMEstimateWatts(t *testing.T) {
	tests := []struct {
		name     string
		opts     map[string]any
		watts    float64
		describe string
	}{
		{"MemTotal × 3 W per 8 GB", nil, 31 * 0.375, "estimate: 31 GB (MemTotal) × 0.375 W/GB"},
		{"installed_gb corrects MemTotal", map[string]any{"installed_gb": 32}, 12, "estimate: 32 GB (configured) × 0.375 W/GB"},
		{"watts_per_gb override", map[string]any{"watts_per_gb": 0.5}, 15.5, "estimate: 31 GB (MemTotal) × 0.5 W/GB"},
		{"per module, CodeCarbon v3's 5 W", map[string]any{"dimms": 4}, 20, "estimate: 4 modules × 5 W"},
		{"per module, own figure", map[string]any{"dimms": 16, "watts_per_dimm": 3.5}, 56, "estimate: 16 modules × 3.5 W"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := map[string]any{"procfs": procTree(t, "xeon-2s", "t0")}
			for k, v := range tc.opts {
				opts[k] = v
			}
			m, err := newMeter(t, KindRAM, opts)
			if err != nil {
				t.Fatal(err)
			}
			for range 2 { // constant: the same figure every read
				if got := readOne(t, m, "ram-estimate", meter.DRAM); !near(got, tc.watts) {
					t.Errorf("%v W, want %v W", got, tc.watts)
				}
			}
			if e, ok := m.(meter.Estimator); !ok || !e.Estimates() {
				t.Errorf("%T is not a meter.Estimator reporting true", m)
			}
			if got := m.(interface{ Describe() string }).Describe(); got != tc.describe {
				t.Errorf("Describe() = %q, want %q", got, tc.describe)
			}
		})
	}
}

func TestRAMEstimateErrors(t *testing.T) {
	tests := []struct {
		name        string
		machine     string
		noProc      bool
		opts        map[string]any
		unavailable bool
		want        string
	}{
		{"meminfo without MemTotal", "arm", false, nil, false, "no MemTotal line; or set installed_gb"},
		{"no procfs", "", true, nil, true, "estimates need Linux"},
		{"negative watts_per_gb", "xeon-2s", false, map[string]any{"watts_per_gb": -1}, false,
			"meters[est].watts_per_gb: must be positive"},
		{"per GB and per module at once", "xeon-2s", false, map[string]any{"dimms": 4, "watts_per_gb": 0.4}, false,
			"meters[est].watts_per_gb: set dimms: (power per module) or watts_per_gb: (power per GB), not both"},
		{"watts_per_dimm alone", "xeon-2s", false, map[string]any{"watts_per_dimm": 4}, false,
			"only means something with dimms:"},
		{"a fraction of a module", "xeon-2s", false, map[string]any{"dimms": 2.5}, false, "whole number of memory modules"},
		{"typo", "xeon-2s", false, map[string]any{"watts_per_gib": 1}, false, `did you mean "watts_per_gb"?`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := procTree(t, tc.machine, "t0")
			if tc.noProc {
				root += "/absent"
			}
			opts := map[string]any{"procfs": root}
			for k, v := range tc.opts {
				opts[k] = v
			}
			_, err := newMeter(t, KindRAM, opts)
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, meter.ErrUnavailable); got != tc.unavailable {
				t.Errorf("errors.Is(err, ErrUnavailable) = %v, want %v (%v)", got, tc.unavailable, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q lacks %q", err, tc.want)
			}
		})
	}
}

// With installed_gb (or dimms) nothing is read from procfs, so the meter
// works where there is none.
func TestRAMEstimateWithoutProcfs(t *testing.T) {
	m, err := newMeter(t, KindRAM, map[string]any{"procfs": t.TempDir() + "/absent", "installed_gb": 64})
	if err != nil {
		t.Fatal(err)
	}
	if got := readOne(t, m, "ram-estimate", meter.DRAM); got != 24 {
		t.Errorf("%v W, want 64 × 0.375 = 24 W", got)
	}
}
