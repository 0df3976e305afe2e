package analysis

import (
	"testing"

	"github.com/aienergy/aienergy/trace"
)

// A 10 Hz power meter, idle at 50 W, load at 150 W from t=1.0 to t=3.0,
// with samples that do not fall on the phase boundaries (t = 0.05, 0.15,
// …). Without a guard, the idle window [0, 1.0] would interpolate
// between the samples at 0.95 (50 W) and 1.05 (150 W) and take load
// power into the baseline. With the guard (two spacings, 0.2 s, each
// side) the baseline is exactly 50 W.
func TestBaselineGuardsIdleEdges(t *testing.T) {
	watts := func(t float64) float64 {
		if t >= 1.0 && t < 3.0 {
			return 150
		}
		return 50
	}
	var times, ws []float64
	for k := 0; k < 40; k++ {
		tt := 0.05 + float64(k)*0.1
		times = append(times, tt)
		ws = append(ws, watts(tt))
	}
	s := oneSeries(t, powerSamples("m", "gpu0", "gpu", times, ws), nil)
	before := &trace.Phase{Name: trace.PhaseIdleBefore, Start: 0, End: 1.0}
	after := &trace.Phase{Name: trace.PhaseIdleAfter, Start: 3.0, End: 3.95}

	from, to := guardedIdleWindow(s, before)
	if !near(from, 0.2) || !near(to, 0.8) {
		t.Errorf("guarded idle_before = [%g, %g], want [0.2, 0.8]", from, to)
	}
	b, err := channelBaseline(s, before, after)
	if err != nil {
		t.Fatal(err)
	}
	if b.watts == nil || !near(*b.watts, 50) {
		t.Fatalf("baseline = %v W, want exactly 50", deref(b.watts))
	}

	// The unguarded window shows what the guard prevents: the idle_before
	// energy over [0, 1.0] includes part of the 0.95→1.05 ramp.
	e, err := s.Energy(before.Start, before.End)
	if err != nil {
		t.Fatal(err)
	}
	if e.Joules/e.CoveredS <= 50.5 {
		t.Errorf("unguarded idle power %.3f W; the test no longer exercises the edge", e.Joules/e.CoveredS)
	}
}

// A phase shorter than the guard keeps its middle half.
func TestBaselineGuardIsCappedForShortPhases(t *testing.T) {
	s := oneSeries(t, profile("m", "gpu0", "gpu", 0, 2, 2, constant(40)), nil) // 0.5 s spacing
	from, to := guardedIdleWindow(s, &trace.Phase{Start: 0, End: 1})
	if !near(from, 0.25) || !near(to, 0.75) {
		t.Errorf("guarded window = [%g, %g], want [0.25, 0.75]", from, to)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
