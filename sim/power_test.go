package sim

import (
	"context"
	"math"
	"testing"
	"time"
)

// step is one move of the fake clock followed by sequences starting (+)
// or finishing (-).
type step struct {
	after time.Duration
	delta int
}

// drive replays steps against s's engine and returns the clock.
func drive(t *testing.T, s *Server, clk *fakeClock, steps []step) {
	t.Helper()
	for _, st := range steps {
		clk.advance(st.after)
		for range st.delta {
			if err := s.engine.acquire(context.Background(), s.cfg.Models[0], nil); err != nil {
				t.Fatal(err)
			}
		}
		for range -st.delta {
			s.engine.release(s.cfg.Models[0])
		}
	}
}

func TestEnergyIsExactIntegral(t *testing.T) {
	const sec = time.Second
	type window struct {
		from, to time.Duration // offsets from the origin
		joules   float64
	}
	tests := []struct {
		name      string
		cfg       Config
		steps     []step
		wantWatts float64 // at the end
		windows   []window
	}{
		{
			// Idle 60 W for 2 s, then one sequence (85 W) for 1 s, then idle.
			name:      "one sequence",
			cfg:       Config{},
			steps:     []step{{2 * sec, +1}, {1 * sec, -1}, {1 * sec, 0}},
			wantWatts: 60,
			windows: []window{
				{0, 3 * sec, 120 + 85},
				{0, 4 * sec, 120 + 85 + 60},
				{1 * sec, 2500 * time.Millisecond, 60 + 42.5},
				{2 * sec, 3 * sec, 85},
				{-5 * sec, 1 * sec, 60}, // nothing before the origin
				{3 * sec, 10 * sec, 60}, // nothing after now
				{3 * sec, 2 * sec, -85}, // reversed window
				{2500 * time.Millisecond, 2500 * time.Millisecond, 0},
			},
		},
		{
			// 60 + 25*n per GPU, capped at 100 W: 1 seq 85, 2 seqs 110 → 100.
			name:      "cap",
			cfg:       Config{MaxWatts: 100},
			steps:     []step{{1 * sec, +1}, {1 * sec, +2}, {2 * sec, -1}, {1 * sec, -2}},
			wantWatts: 60,
			windows: []window{
				{0, 5 * sec, 60 + 85 + 2*100 + 100},
				{2 * sec, 4 * sec, 200},
			},
		},
		{
			// Every GPU carries every sequence; the total is the sum.
			name:      "two GPUs",
			cfg:       Config{GPUs: 2},
			steps:     []step{{2 * sec, +1}, {1 * sec, -1}},
			wantWatts: 120,
			windows: []window{
				{0, 3 * sec, 2 * (120 + 85)},
			},
		},
		{
			// Several changes in one instant leave one step.
			name:      "simultaneous changes",
			cfg:       Config{IdleWatts: 50, WattsPerSeq: 10},
			steps:     []step{{1 * sec, +3}, {0, -1}, {2 * sec, -2}},
			wantWatts: 50,
			windows: []window{
				{0, 3 * sec, 50 + 2*70},
			},
		},
		{
			name:      "zero idle",
			cfg:       Config{IdleWatts: -1, WattsPerSeq: 100},
			steps:     []step{{1 * sec, +1}, {500 * time.Millisecond, -1}, {1 * sec, 0}},
			wantWatts: 0,
			windows: []window{
				{0, 2500 * time.Millisecond, 50},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			s, err := newServer(tt.cfg, clk.now)
			if err != nil {
				t.Fatal(err)
			}
			origin := clk.now()
			drive(t, s, clk, tt.steps)
			if got := s.Power(); got != tt.wantWatts {
				t.Errorf("Power() = %g W, want %g W", got, tt.wantWatts)
			}
			for _, w := range tt.windows {
				got := s.Energy(origin.Add(w.from), origin.Add(w.to))
				if math.Abs(got-w.joules) > 1e-9 {
					t.Errorf("Energy(%v, %v) = %.12g J, want %g J", w.from, w.to, got, w.joules)
				}
			}
			if total, whole := s.TotalEnergy(), s.Energy(origin, clk.now()); total != whole {
				t.Errorf("TotalEnergy() = %g J, Energy(origin, now) = %g J", total, whole)
			}
		})
	}
}

func TestPowerAndIdleWatts(t *testing.T) {
	clk := newFakeClock()
	s, err := newServer(Config{GPUs: 4, IdleWatts: 70, WattsPerSeq: 30, MaxWatts: 150}, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.IdleWatts(); got != 280 {
		t.Errorf("IdleWatts() = %g, want 4 × 70 = 280", got)
	}
	for n, want := range []float64{280, 400, 520, 600, 600} { // 70+30n capped at 150, ×4
		if got := s.Power(); got != want {
			t.Errorf("%d running: Power() = %g, want %g", n, got, want)
		}
		drive(t, s, clk, []step{{0, +1}})
	}
}

func TestEnergyHistoryIsBounded(t *testing.T) {
	clk := newFakeClock()
	s, err := newServer(Config{}, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	s.engine.log.maxSteps = 8
	origin := clk.now()
	// 50 cycles of 1 s idle (60 J) + 1 s with one sequence (85 J).
	for range 50 {
		drive(t, s, clk, []step{{time.Second, +1}, {time.Second, -1}})
	}
	if n := len(s.engine.log.steps); n > 8 {
		t.Fatalf("log holds %d steps, bound is 8", n)
	}
	if got, want := s.TotalEnergy(), 50*(60.0+85); math.Abs(got-want) > 1e-9 {
		t.Errorf("TotalEnergy() = %g J, want %g J despite truncation", got, want)
	}
	recent := clk.now().Add(-2 * time.Second)
	if got := s.Energy(recent, clk.now()); math.Abs(got-145) > 1e-9 {
		t.Errorf("recent window = %g J, want 145 J", got)
	}
	if got := s.Energy(origin, clk.now()); !math.IsNaN(got) {
		t.Errorf("window older than the kept history = %g J, want NaN", got)
	}
}

// TestEnergyOfRealRequests drives HTTP requests while the clock moves one
// second per generated token, so the energy of the whole exchange is known
// exactly.
func TestEnergyOfRealRequests(t *testing.T) {
	clk, s, ts := secondPerToken(t)
	origin := clk.now()
	clk.advance(10 * time.Second) // idle: 600 J

	resp := post(t, context.Background(), ts.URL+"/v1/completions",
		`{"prompt":"count my joules","max_tokens":3,"ignore_eos":true}`)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	waitFor(t, "the slot to be freed", func() bool { return s.engine.snapshot().running == 0 })
	// Admitted at 10 s, tokens at 11, 12, 13 s, freed at 13 s: 3 s at 85 W.
	if got, want := s.Energy(origin, clk.now()), 600+3*85.0; got != want {
		t.Errorf("energy = %g J, want %g J", got, want)
	}
}
