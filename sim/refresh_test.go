package sim

import (
	"math"
	"testing"
	"time"
)

// TestMetricsRefresh scrapes a server whose DCGM metrics refresh every
// second while the load changes between refreshes: the counter holds the
// exact energy at the last whole second and the power gauge the average
// over the second before it; the vLLM gauges stay live.
func TestMetricsRefresh(t *testing.T) {
	clk := newFakeClock()
	s, err := newServer(Config{GPUs: 2, MetricsRefresh: time.Second}, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	const ms = time.Millisecond
	// Per GPU: 60 W idle, 85 W with one sequence, 110 W with two.
	checks := []struct {
		step
		mJ, watts float64 // per GPU
		running   float64
	}{
		{step{400 * ms, +1}, 0, 60, 1},        // before the first refresh: idle
		{step{600 * ms, 0}, 75000, 75, 1},     // 0.4 s × 60 + 0.6 s × 85 = 75 J
		{step{700 * ms, +1}, 75000, 75, 2},    // 1.7 s: held
		{step{200 * ms, 0}, 75000, 75, 2},     // 1.9 s: held
		{step{100 * ms, 0}, 167500, 92.5, 2},  // 2 s: + 0.7 × 85 + 0.3 × 110
		{step{250 * ms, -2}, 167500, 92.5, 0}, // 2.25 s: held
		{step{749 * ms, 0}, 167500, 92.5, 0},  // 2.999 s: held
		{step{1 * ms, 0}, 240000, 72.5, 0},    // 3 s: + 0.25 × 110 + 0.75 × 60
		{step{2500 * ms, 0}, 360000, 60, 0},   // 5.5 s: two idle seconds more
	}
	origin := clk.now()
	for _, c := range checks {
		drive(t, s, clk, []step{c.step})
		at := clk.now().Sub(origin)
		scrape(t, s.Handler(), func(t *testing.T, text string, exp exposition) {
			for i, e := range exp["DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"].samples {
				if e.value != c.mJ {
					t.Errorf("%v: GPU %d energy %g mJ, want %g mJ", at, i, e.value, c.mJ)
				}
			}
			for i, p := range exp["DCGM_FI_DEV_POWER_USAGE"].samples {
				if math.Abs(p.value-c.watts) > 1e-6 {
					t.Errorf("%v: GPU %d power %g W, want %g W", at, i, p.value, c.watts)
				}
			}
			if r := exp["vllm:num_requests_running"].samples[0].value; r != c.running {
				t.Errorf("%v: %g requests running, want %g (live, not held)", at, r, c.running)
			}
		})
	}
	// The truth stays live: 2 GPUs × (360 J + 0.5 s × 60 W).
	if got := s.TotalEnergy(); got != 780 {
		t.Errorf("TotalEnergy() = %g J, want 780 J", got)
	}
}

func TestMetricsRefreshNegative(t *testing.T) {
	if _, err := New(Config{MetricsRefresh: -time.Second}); err == nil {
		t.Error("a negative MetricsRefresh was accepted")
	}
}
