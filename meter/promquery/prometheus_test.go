package promquery

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/meter"
)

// The energy counters (mJ) of gpu-node-01's GPUs, phase by phase. gpu0
// restarts from zero in phase 2, as after a driver reload. The counters
// are as large as a GPU's after weeks of uptime: node_exporter re-renders
// them in exponent form ("5.2000075e+10"), which must lose nothing.
var phases = []struct{ gpu0, gpu1 float64 }{
	{52_000_000_000, 9_000_000_000},
	{52_000_750_000, 9_001_500_000},
	{300_000, 9_002_000_000},
	{720_000, 9_002_250_000},
}

// phaseHold is how long each phase is served: with 1 s scrapes, at least
// two samples of every phase, which is what the window edges below need.
const phaseHold = 2500 * time.Millisecond

// The power gauges of gpu-node-01 in testdata/dcgm.prom.tmpl, constant.
const gpu0Watts, gpu1Watts = 312.457, 68.914

const node01 = `Hostname="gpu-node-01"`

// TestAgainstPrometheus runs the meter against a real Prometheus scraping
// a real node_exporter that serves dcgm-exporter-shaped series.
func TestAgainstPrometheus(t *testing.T) {
	tmpl, err := os.ReadFile(filepath.Join("testdata", "dcgm.prom.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	body := func(phase int) string {
		f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
		return strings.NewReplacer("{{gpu0_mj}}", f(phases[phase].gpu0), "{{gpu1_mj}}", f(phases[phase].gpu1)).Replace(string(tmpl))
	}
	s := startStack(t, body(0))
	newMeter := func(t *testing.T, opts map[string]any) *Meter {
		t.Helper()
		o := map[string]any{"url": s.url}
		for k, v := range opts {
			o[k] = v
		}
		m, err := New(newSpec(o))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = m.Close() })
		return m.(*Meter)
	}
	dcgm := newMeter(t, map[string]any{"selector": node01})

	t.Run("read", func(t *testing.T) {
		rs, err := dcgm.Read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][2]float64{ // watts, joules
			"gpu0": {gpu0Watts, phases[0].gpu0 / 1000},
			"gpu1": {gpu1Watts, phases[0].gpu1 / 1000},
		}
		if len(rs) != len(want) {
			t.Fatalf("readings %+v; want gpu0 and gpu1", rs)
		}
		for _, r := range rs {
			w, ok := want[r.Channel]
			if !ok || r.Meter != "prom" || r.Component != meter.GPU || r.Watts != w[0] || !near(r.Joules, w[1]) {
				t.Errorf("reading %+v; want channel gpu0 or gpu1 of meter prom, gpu, %v W, %v J", r, w[0], w[1])
			}
		}
	})

	// Serve the phases while the error cases run.
	done := make(chan error, 1)
	go func() {
		for i := 1; i < len(phases); i++ {
			time.Sleep(phaseHold)
			if err := s.write(body(i)); err != nil {
				done <- err
				return
			}
		}
		time.Sleep(4500 * time.Millisecond) // four or more samples of the last phase
		done <- nil
	}()

	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			name        string
			opts        map[string]any
			want        []string
			unavailable bool
		}{
			{"two nodes without selector", nil, []string{"channel \"gpu0\"", `Hostname="gpu-node-02"`, "selector (e.g. on Hostname"}, false},
			{"selector matches nothing", map[string]any{"selector": `Hostname="gpu-node-09"`},
				[]string{"no series for", `has series such as DCGM_FI_DEV_POWER_USAGE{`, `does selector {Hostname="gpu-node-09"} match`}, false},
			{"exporter not scraped", map[string]any{"preset": "kepler"},
				[]string{"has no series named kepler_node_cpu_joules_total or kepler_node_cpu_watts", "check that Kepler is scraped"}, true},
			{"selector Prometheus rejects", map[string]any{"selector": `Hostname=~"("`}, []string{"query rejected by Prometheus", "bad_data"}, false},
			{"wrong password", map[string]any{"url": strings.Replace(s.url, promPassword, "wrong", 1)}, []string{"401 Unauthorized: wrong or missing credentials"}, false},
			{"no credentials", map[string]any{"url": s.bareURL}, []string{"401 Unauthorized: wrong or missing credentials"}, false},
			{"not the base URL", map[string]any{"url": s.url + "/prometheus"}, []string{"404 Not Found: no Prometheus API there"}, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := newMeter(t, tc.opts).Read(context.Background())
				if err == nil {
					t.Fatal("no error")
				}
				t.Logf("error: %v", err)
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q\nwant it to contain %q", err, w)
					}
				}
				if errors.Is(err, meter.ErrUnavailable) != tc.unavailable {
					t.Errorf("errors.Is(err, ErrUnavailable) = %v, want %v", !tc.unavailable, tc.unavailable)
				}
				if strings.Contains(err.Error(), promPassword) {
					t.Errorf("error %q shows the password", err)
				}
			})
		}
	})

	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// Window edges sit halfway between two samples of the same value, so
	// the counter interpolated there is that value exactly, whatever the
	// scrape times were: the energy over a window is then exactly the
	// hand-computed sum of the counter's steps, resets included.
	raw := s.raw(t, `DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{Hostname="gpu-node-01",gpu="0"}`, 2*time.Minute)
	start := betweenLastPair(t, raw, phases[0].gpu0, 2)
	afterPhase1 := betweenLastPair(t, raw, phases[1].gpu0, 2)
	end := betweenLastPair(t, raw, phases[3].gpu0, 4)
	for _, w := range []struct {
		name       string
		from, to   time.Time
		gpu0, gpu1 float64 // J
		resets     int
	}{
		// 52 000 750 000 − 52 000 000 000 mJ; 9 001 500 000 − 9 000 000 000 mJ.
		{"phase 0 to 1", start, afterPhase1, 750, 1500, 0},
		// gpu0: 750 J, then the restart adds its 300 J, then 420 J more.
		// gpu1: 9 002 250 000 − 9 000 000 000 mJ.
		{"phase 0 to 3 across a reset", start, end, 750 + 300 + 420, 2250, 1},
	} {
		dur := w.to.Sub(w.from).Seconds()
		t.Run(w.name, func(t *testing.T) {
			t.Run("counter", func(t *testing.T) {
				got, err := dcgm.EnergyOverWindow(context.Background(), w.from, w.to)
				checkWindow(t, got, err, MethodCounter, "raw samples", map[string]float64{"gpu0": w.gpu0, "gpu1": w.gpu1}, map[string]int{"gpu0": w.resets})
			})
			t.Run("power integrated", func(t *testing.T) {
				m := newMeter(t, map[string]any{"selector": node01, "queries": []any{
					map[string]any{"query": "DCGM_FI_DEV_POWER_USAGE", "kind": "power", "component": "gpu", "channel_label": "gpu"},
				}})
				got, err := m.EnergyOverWindow(context.Background(), w.from, w.to)
				checkWindow(t, got, err, MethodIntegration, "raw samples", map[string]float64{"gpu0": gpu0Watts * dur, "gpu1": gpu1Watts * dur}, nil)
			})
			t.Run("two nodes without selector", func(t *testing.T) {
				_, err := newMeter(t, nil).EnergyOverWindow(context.Background(), w.from, w.to)
				if err == nil || !strings.Contains(err.Error(), "selector (e.g. on Hostname") {
					t.Errorf("error %v; want one asking for a selector on Hostname", err)
				}
			})
		})
	}

	// Expressions go through query_range: on a grid, each point holds the
	// latest sample at or before it. Both edges of this window lie in a
	// stretch of one value with a sample of that value at least one step
	// before (every earlier sample is phase 0's; phase 3 has four or more),
	// so the grid is exact at the edges too.
	t.Run("expressions", func(t *testing.T) {
		m := newMeter(t, map[string]any{"selector": node01, "queries": []any{
			map[string]any{"query": "max by (gpu) (DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{$selector})", "kind": "energy", "unit": "mJ", "component": "gpu", "channel_label": "gpu"},
			map[string]any{"query": "sum by (gpu) (DCGM_FI_DEV_POWER_USAGE{$selector})", "kind": "power", "component": "gpu", "channel_label": "gpu", "channel_prefix": "power-gpu"},
		}})
		got, err := m.EnergyOverWindow(context.Background(), start, end)
		dur := end.Sub(start).Seconds()
		checkWindow(t, got, err, "", "query_range, step 1s", map[string]float64{
			"gpu0": 1470, "gpu1": 2250, "power-gpu0": gpu0Watts * dur, "power-gpu1": gpu1Watts * dur,
		}, map[string]int{"gpu0": 1})
	})

	t.Run("read window", func(t *testing.T) { testReadWindow(t, s, newMeter, start, end) })
}

// betweenLastPair returns the time halfway between the last two
// consecutive samples that both hold value, after checking that value has
// at least min samples.
func betweenLastPair(t *testing.T, p []point, value float64, min int) time.Time {
	t.Helper()
	n := 0
	for _, q := range p {
		if q.v == value {
			n++
		}
	}
	for i := len(p) - 1; i > 0; i-- {
		if p[i].v == value && p[i-1].v == value && n >= min {
			mid := (p[i-1].t + p[i].t) / 2
			sec := math.Floor(mid)
			return time.Unix(int64(sec), int64(math.Round((mid-sec)*1e9)))
		}
	}
	t.Fatalf("no two consecutive samples of %v among %v (want %d of them; were scrapes delayed?)", value, p, min)
	return time.Time{}
}

// checkWindow compares a window's figures with the hand-computed joules
// (to a micro-joule) and resets; method "" means by channel name: counter
// unless the name says power.
func checkWindow(t *testing.T, got map[string]ChannelEnergy, err error, method, source string, joules map[string]float64, resets map[string]int) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(joules) {
		t.Errorf("channels %v; want %d: %v", got, len(joules), joules)
	}
	for ch, want := range joules {
		e, ok := got[ch]
		if !ok {
			t.Errorf("no channel %s in %v", ch, got)
			continue
		}
		m := method
		if m == "" {
			m = MethodCounter
			if strings.HasPrefix(ch, "power") {
				m = MethodIntegration
			}
		}
		// Times travel to Prometheus as float64 Unix seconds, good to
		// about 2.4e-7 s today: 1e-7 of the energy is that rounding.
		if math.Abs(e.Joules-want) > max(1e-6, 1e-7*want) {
			t.Errorf("%s: %.9f J, want %.9f J (%+v)", ch, e.Joules, want, e)
		}
		if e.Channel != ch || e.Component != meter.GPU || e.Method != m || e.Source != source || e.Resets != resets[ch] || e.Coverage != 1 || e.Samples < 2 {
			t.Errorf("%s: %+v; want method %s from %s, %d resets, full coverage", ch, e, m, source, resets[ch])
		}
	}
}
