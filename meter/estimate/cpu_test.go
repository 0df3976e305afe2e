package estimate

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/meter"
)

// The stat fixtures move on as follows (ticks, machine-wide "cpu" line):
//
//	t0 → t1-busy75: busy 500+50+150+30+20 = 750 (guest's 100 is inside
//	                user's 500), idle 200 + iowait 50 → u = 750/1000 = 0.75
//	t1 → t2-busy3:  busy 20+10 = 30, idle 950 + iowait 20 → u = 30/1000 = 0.03
//
// Xeon Gold 6248: 150 W TDP (Intel ARK), two packages → 300 W.
// EPYC 7742: 225 W TDP (AMD), one package → 225 W.
func TestCPUEstimateWatts(t *testing.T) {
	tests := []struct {
		name    string
		machine string
		opts    map[string]any
		stats   []string // stat files, one per Read after the meter is built on t0
		want    []float64
	}{
		{"two Xeon packages, linear: 300 × 0.75, then the 10 % floor", "xeon-2s", nil,
			[]string{"t1-busy75", "t2-busy3"}, []float64{225, 30}},
		{"codecarbon curve: 300 × (0.1 + 0.9 × u³)", "xeon-2s", map[string]any{"curve": "codecarbon"},
			[]string{"t1-busy75", "t2-busy3"}, []float64{300 * (0.1 + 0.9*0.421875), 300 * (0.1 + 0.9*0.000027)}},
		{"min_fraction 0.3 raises the floor only", "xeon-2s", map[string]any{"min_fraction": 0.3},
			[]string{"t1-busy75", "t2-busy3"}, []float64{225, 90}},
		{"one EPYC package from the table", "epyc-1s", nil,
			[]string{"t1-busy75"}, []float64{168.75}},
		{"tdp_watts is per package: 2 × 200", "xeon-2s", map[string]any{"tdp_watts": 200},
			[]string{"t1-busy75"}, []float64{400 * 0.75}},
		{"sockets overrides the count, TDP from the table", "epyc-1s", map[string]any{"sockets": 2},
			[]string{"t1-busy75"}, []float64{450 * 0.75}},
		{"tdp_watts and sockets need no cpuinfo", "", map[string]any{"tdp_watts": 65, "sockets": 1},
			[]string{"t1-busy75"}, []float64{48.75}},
		{"ARM without model name, tdp_watts given", "arm", map[string]any{"tdp_watts": 80},
			[]string{"t1-busy75"}, []float64{60}},
		{"no tick between reads keeps the last figure", "xeon-2s", nil,
			[]string{"t1-busy75", "t1-busy75"}, []float64{225, 225}},
		{"counters reset: last figure kept, then measured from the reset", "xeon-2s", nil,
			// reset → t0: busy (100000+2000+30000+1000) − 70 = 132930,
			// total 132930 + (800000−900) + (5000−10) = 937020.
			[]string{"t1-busy75", "reset", "t0"}, []float64{225, 225, 300 * 132930.0 / 937020}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := procTree(t, tc.machine, "t0")
			opts := map[string]any{"procfs": root}
			for k, v := range tc.opts {
				opts[k] = v
			}
			m, err := newMeter(t, KindCPU, opts)
			if err != nil {
				t.Fatal(err)
			}
			for i, stat := range tc.stats {
				setStat(t, root, stat)
				if got := readOne(t, m, "cpu-estimate", meter.CPU); !near(got, tc.want[i]) {
					t.Errorf("read %d (%s): %v W, want %v W", i+1, stat, got, tc.want[i])
				}
			}
		})
	}
}

func TestCPUEstimateIsLabelled(t *testing.T) {
	m, err := newMeter(t, KindCPU, map[string]any{"procfs": procTree(t, "xeon-2s", "t0")})
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := m.(meter.Estimator); !ok || !e.Estimates() {
		t.Errorf("%T is not a meter.Estimator reporting true", m)
	}
	want := "estimate: 2 × Intel Xeon Gold 6248 at 150 W TDP (Intel ARK TDP; checked in CodeCarbon intel_cpu_ark_dataset.csv); W = 300 × max(u, 0.1)"
	if got := m.(interface{ Describe() string }).Describe(); got != want {
		t.Errorf("Describe() =\n%s\nwant\n%s", got, want)
	}
	for kind, want := range map[string]bool{KindCPU: true, KindRAM: true, "rapl": false, "exporter": false} {
		if IsEstimate(kind) != want {
			t.Errorf("IsEstimate(%q) = %v, want %v", kind, !want, want)
		}
	}
}

func TestCPUEstimateErrors(t *testing.T) {
	tests := []struct {
		name        string
		machine     string // "" with noProc: procfs points nowhere
		noProc      bool
		opts        map[string]any
		unavailable bool
		want        []string
	}{
		{"CPU hidden by the hypervisor", "cloud-vm", false, nil, true,
			[]string{"run.yaml:7: meters[est]:", `CPU model "AMD EPYC" is not in the TDP table`, "set tdp_watts: for this meter"}},
		{"ARM without model name", "arm", false, nil, true,
			[]string{`names no CPU model (no "model name" line)`, "set tdp_watts"}},
		{"no procfs (not Linux)", "", true, nil, true,
			[]string{"no procfs at", "estimates need Linux", "set procfs:"}},
		{"no cpuinfo and no tdp_watts", "", false, nil, false,
			[]string{"cannot count CPU packages", "cpuinfo", "set tdp_watts and sockets"}},
		{"unknown option", "xeon-2s", false, map[string]any{"tdp_wats": 150}, false,
			[]string{`meters[est].tdp_wats: unknown option for a meter of type "cpu-estimate"`, `did you mean "tdp_watts"?`}},
		{"unknown curve", "xeon-2s", false, map[string]any{"curve": "cubic"}, false,
			[]string{"meters[est].curve:", `unknown curve "cubic"`, "codecarbon, linear"}},
		{"min_fraction above 1", "xeon-2s", false, map[string]any{"min_fraction": 10}, false,
			[]string{"meters[est].min_fraction:", "between 0 and 1"}},
		{"negative TDP", "xeon-2s", false, map[string]any{"tdp_watts": -5}, false,
			[]string{"meters[est].tdp_watts: must be positive"}},
		{"half a socket", "xeon-2s", false, map[string]any{"sockets": 1.5}, false,
			[]string{"meters[est].sockets: want a whole number"}},
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
			_, err := newMeter(t, KindCPU, opts)
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, meter.ErrUnavailable); got != tc.unavailable {
				t.Errorf("errors.Is(err, ErrUnavailable) = %v, want %v (%v)", got, tc.unavailable, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestCPUEstimateReadErrors(t *testing.T) {
	root := procTree(t, "xeon-2s", "t0")
	m, err := newMeter(t, KindCPU, map[string]any{"procfs": root})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Read(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Read on a cancelled context: %v, want context.Canceled", err)
	}
	copyFile(t, "testdata/xeon-2s/meminfo", root+"/stat") // not a stat file
	if _, err := m.Read(context.Background()); err == nil || !strings.Contains(err.Error(), `no "cpu" line`) {
		t.Errorf("Read of a broken stat file: %v, want an error naming the missing cpu line", err)
	}
}
