package promquery

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/meter"
)

// These tests feed the window computation series as the API would return
// them, to cover what the dcgm-shaped real-Prometheus test cannot: the
// Kepler preset's summed modes, the choice between counter and power, and
// channels that lack samples.

func sec(s float64) time.Time { return time.Unix(0, int64(s*1e9)) }

func lbl(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestWindowKepler(t *testing.T) {
	mm, err := New(newSpec(map[string]any{"preset": "kepler"}))
	if err != nil {
		t.Fatal(err)
	}
	m := mm.(*Meter)
	// Result slots in the preset's query order.
	const (
		cpuJoules = iota
		cpuWatts
		dramJoules
		dramWatts
		pkgJoulesV07
		_ // dram v0.7
		_ // gpu v0.7
		platformV07
	)
	results := make([][]series, len(m.queries))
	results[cpuJoules] = []series{{lbl("__name__", "kepler_node_cpu_joules_total", "zone", "package"), pts(0, 1000, 1, 1010, 2, 1020, 3, 1030)}}
	results[cpuWatts] = []series{{lbl("__name__", "kepler_node_cpu_watts", "zone", "package"), pts(0, 99, 1, 99, 2, 99, 3, 99)}}
	results[dramWatts] = []series{{lbl("__name__", "kepler_node_cpu_watts", "zone", "dram"), pts(0, 4, 1, 4, 2, 4, 3, 4)}}
	results[pkgJoulesV07] = []series{
		{lbl("__name__", "kepler_node_package_joules_total", "package", "0", "mode", "dynamic"), pts(0, 100, 1, 103, 2, 106, 3, 109)},
		{lbl("__name__", "kepler_node_package_joules_total", "package", "0", "mode", "idle"), pts(0, 500, 1, 505, 2, 510, 3, 515)},
	}
	// Only the dynamic half of the platform has samples near the window:
	// a sum missing a part would be short without saying so.
	results[platformV07] = []series{
		{lbl("__name__", "kepler_node_platform_joules_total", "mode", "dynamic"), pts(0, 1, 1, 2, 2, 3, 3, 4)},
		{lbl("__name__", "kepler_node_platform_joules_total", "mode", "idle"), pts(100, 1, 101, 2)},
	}
	got, err := m.windowEnergy(results, sec(0.5), sec(2.5), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		joules    float64
		method    string
		component meter.Component
		series    int
	}{
		"kepler-package":   {20, MethodCounter, meter.CPU, 1},        // the counter, not 99 W × 2 s
		"kepler-dram":      {8, MethodIntegration, meter.DRAM, 1},    // 4 W × 2 s
		"kepler-package-0": {2*3 + 2*5, MethodCounter, meter.CPU, 2}, // dynamic 3 J/s + idle 5 J/s
	}
	if len(got) != len(want) {
		t.Errorf("channels %v; want %d", got, len(want))
	}
	for ch, w := range want {
		e := got[ch]
		if !near(e.Joules, w.joules) || e.Method != w.method || e.Component != w.component || e.Series != w.series {
			t.Errorf("%s: %+v; want %v J by %s, %s, %d series", ch, e, w.joules, w.method, w.component, w.series)
		}
	}
}

func TestWindowFallsBackToPower(t *testing.T) {
	mm, err := New(newSpec(nil)) // dcgm: power first, energy second
	if err != nil {
		t.Fatal(err)
	}
	m := mm.(*Meter)
	gpu := lbl("gpu", "0")
	results := [][]series{
		{{gpu, pts(0, 200, 1, 200, 2, 200, 3, 200)}},
		{{gpu, pts(100, 5e6, 101, 5.2e6)}}, // the counter has no samples near the window
	}
	got, err := m.windowEnergy(results, sec(0), sec(3), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if e := got["gpu0"]; !near(e.Joules, 600) || e.Method != MethodIntegration || e.Coverage != 1 {
		t.Errorf("gpu0: %+v; want 600 J integrated over the whole window", e)
	}

	_, err = m.windowEnergy([][]series{nil, {{gpu, pts(100, 5e6, 101, 5.2e6)}}}, sec(0), sec(3), time.Second)
	if !errors.Is(err, ErrNoData) {
		t.Errorf("error %v; want ErrNoData", err)
	}
}

func TestWindowTwoQueriesOneChannel(t *testing.T) {
	mm, err := New(newSpec(map[string]any{"queries": []any{
		map[string]any{"query": "a_joules_total", "kind": "energy", "component": "cpu", "channel": "x"},
		map[string]any{"query": "b_joules_total", "kind": "energy", "component": "cpu", "channel": "x"},
	}}))
	if err != nil {
		t.Fatal(err)
	}
	p := pts(0, 1, 1, 2, 2, 3)
	_, err = mm.(*Meter).windowEnergy([][]series{{{lbl(), p}}, {{lbl(), p}}}, sec(0), sec(2), time.Second)
	if err == nil || !strings.Contains(err.Error(), `channel "x" gets its energy from two queries`) {
		t.Errorf("error %v; want one about two queries on channel x", err)
	}
}
