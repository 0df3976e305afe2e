package analysis

import (
	"math"
	"testing"

	"github.com/aienergy/aienergy/trace"
)

// 1000 J measured over 10 requests of 100 output tokens, 60 of them
// reasoning: J per output token 1, J per answer token 1000/400 = 2.5.
func TestJoulesPerAnswerToken(t *testing.T) {
	samples := profile("nvml", "gpu0", "gpu", 0, 30, 10, loadProfile(0, 100))
	var reqs []trace.Request
	for i := range 10 {
		s := 10 + float64(i)
		reqs = append(reqs, trace.Request{ID: i, Model: "m", Phase: trace.PhaseMeasured, Start: s, FirstToken: s + 0.1, End: s + 1,
			InputTokens: 10, OutputTokens: 100, ReasoningTokens: 60})
	}
	res, err := Analyze(samples, trace.Slice(reqs), threePhases("m"), Options{CarbonIntensity: 100})
	if err != nil {
		t.Fatal(err)
	}
	m := modelOf(t, res, 0)
	if m.ReasoningTokens != 600 || m.JoulesPerAnswerToken == nil || math.Abs(*m.JoulesPerAnswerToken-2.5) > 1e-9 {
		t.Errorf("reasoning %d, J/answer token %v; want 600 and 2.5", m.ReasoningTokens, deref(m.JoulesPerAnswerToken))
	}
	if m.JoulesPerOutputToken == nil || math.Abs(*m.JoulesPerOutputToken-1) > 1e-9 {
		t.Errorf("J/output token %v, want 1", deref(m.JoulesPerOutputToken))
	}
}
