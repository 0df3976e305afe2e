package analysis

import (
	"math"
	"testing"

	"github.com/aienergy/aienergy/trace"
)

// Measured phase 10–20 s, steady window 12–18 s, power 100 W throughout:
// 600 J. Request A (10–14 s, 4 chunks at 11, 12.5, 13, 14 s; 40 output
// tokens) has half its time and 3 of 4 chunks inside: 0.5 request, 30
// tokens. Request B (13–16 s, 10 tokens, no chunks) is wholly inside: 1
// request, 10 tokens. Request C (17–21 s, 8 chunks, 4 of them before 18 s;
// 80 tokens) counts for 0.25 request and 40 tokens. Total: 1.75 → 2
// requests, 80 tokens, 7.5 J per output token.
func TestSteadyStateWindow(t *testing.T) {
	samples := profile("m", "gpu0", "gpu", 0, 30, 10, constant(100))
	phases := append(threePhases("m"), trace.Phase{Model: "m", Name: trace.PhaseSteady, Start: 12, End: 18})
	reqs := []trace.Request{
		{ID: 1, Model: "m", Phase: trace.PhaseMeasured, Start: 10, FirstToken: 11, End: 14, Chunks: []float64{1, 2.5, 3, 4}, OutputTokens: 40, InputTokens: 10},
		{ID: 2, Model: "m", Phase: trace.PhaseMeasured, Start: 13, FirstToken: 14, End: 16, OutputTokens: 10, InputTokens: 10},
		{ID: 3, Model: "m", Phase: trace.PhaseMeasured, Start: 17, FirstToken: 17.2, End: 21, Chunks: []float64{0.2, 0.4, 0.6, 0.8, 1.2, 1.4, 1.6, 1.8}, OutputTokens: 80, InputTokens: 10},
	}
	res, err := Analyze(samples, trace.Slice(reqs), phases, Options{CarbonIntensity: 100})
	if err != nil {
		t.Fatal(err)
	}
	m := modelOf(t, res, 0)
	if m.Window.StartS != 12 || m.Window.EndS != 18 || m.DurationS != 6 {
		t.Errorf("window %+v, duration %v; want 12–18 s", m.Window, m.DurationS)
	}
	if m.EnergyJ == nil || math.Abs(*m.EnergyJ-600) > 1e-9 {
		t.Errorf("energy %v, want 600 J", deref(m.EnergyJ))
	}
	if m.Completed != 2 || m.OutputTokens != 80 {
		t.Errorf("%d requests, %d output tokens; want 2 and 80", m.Completed, m.OutputTokens)
	}
	if m.JoulesPerOutputToken == nil || math.Abs(*m.JoulesPerOutputToken-7.5) > 1e-9 {
		t.Errorf("J/output token %v, want 7.5", deref(m.JoulesPerOutputToken))
	}
	if m.Latency.E2E.Count != 2 {
		t.Errorf("latency over %d requests, want the 2 that started in the window", m.Latency.E2E.Count)
	}
}
