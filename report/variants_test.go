package report

import (
	"math"
	"testing"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

func TestParseLabel(t *testing.T) {
	tests := []struct {
		label string
		want  Point
	}{
		{"llama3", Point{Label: "llama3", Model: "llama3"}},
		{"llama3 [c=8 prefill #2]", Point{Label: "llama3 [c=8 prefill #2]", Model: "llama3", Concurrency: 8, Prefill: true, Repetition: 2}},
		{"org/m [rate=2.5]", Point{Label: "org/m [rate=2.5]", Model: "org/m", RateRPS: 2.5}},
		{"weird [name]", Point{Label: "weird [name]", Model: "weird [name]"}},
		{"m [stage=heavy c=8 #1]", Point{Label: "m [stage=heavy c=8 #1]", Model: "m", Stage: "heavy", Concurrency: 8, Repetition: 1}},
		// A power-cap and clock sweep's labels, as runner.Variant.Tag writes them.
		{"m [cap=250W clock=1410MHz c=8]", Point{Label: "m [cap=250W clock=1410MHz c=8]", Model: "m", PowerLimitW: 250, ClockMHz: 1410, Concurrency: 8}},
		{"m [cap=212.5W]", Point{Label: "m [cap=212.5W]", Model: "m", PowerLimitW: 212.5}},
		{"m [cap=250]", Point{Label: "m [cap=250]", Model: "m [cap=250]"}}, // no unit: not a variant
	}
	// tag writes a GPU point's label back as the runner wrote it.
	for _, label := range []string{"m [cap=250W clock=1410MHz c=8]", "m [cap=212.5W]"} {
		if p := parseLabel(label); p.Model+" ["+p.tag()+"]" != label {
			t.Errorf("tag of %q is %q", label, p.tag())
		}
	}
	for _, tt := range tests {
		if got := parseLabel(tt.label); got != tt.want {
			t.Errorf("parseLabel(%q) = %+v, want %+v", tt.label, got, tt.want)
		}
	}
}

// Three repetitions 1, 2, 3: mean 2, sample std 1, 95 % CI 2 ± t(2)·1/√3
// = 2 ± 4.303/1.7321 = [−0.4843, 4.4843] (t to the table's 3 decimals),
// CV 50 %.
func TestSpread(t *testing.T) {
	s := spread([]float64{1, 2, 3})
	half, tol := 4.303/math.Sqrt(3), 5e-4/math.Sqrt(3)
	if s.N != 3 || s.Mean != 2 || *s.Std != 1 || math.Abs(*s.CI95Low-(2-half)) > tol || math.Abs(*s.CI95High-(2+half)) > tol || *s.CVPercent != 50 {
		t.Errorf("spread = %+v (std %v, ci [%v, %v])", s, *s.Std, *s.CI95Low, *s.CI95High)
	}
	if one := spread([]float64{7}); one.Std != nil || one.Mean != 7 {
		t.Errorf("one value: %+v", one)
	}
}

func model(label string, joules, e2eP50 float64, completed, outTokens int) analysis.ModelResult {
	m := analysis.ModelResult{Model: label, EnergyJ: &joules, DurationS: 10}
	m.Completed, m.OutputTokens = completed, outTokens
	jpt := joules / float64(outTokens)
	m.JoulesPerOutputToken = &jpt
	m.Latency.E2E.P50 = e2eP50
	return m
}

// Points (J/token, e2e): c=1 (1, 300), c=2 (2, 200), c=4 (3, 250): c=4 is
// beaten by c=2 on both, so the front is c=1 and c=2. With an e2e SLO of
// 260 ms, c=1's requests all miss (300 ms), c=2's all meet: c=2 is best.
func TestSweepFrontAndSLO(t *testing.T) {
	models := []analysis.ModelResult{
		model("m [c=1]", 100, 300, 10, 100),
		model("m [c=2]", 200, 200, 10, 100),
		model("m [c=4]", 300, 250, 10, 100),
	}
	var reqs []trace.Request
	for _, m := range models {
		e2e := m.Latency.E2E.P50 / 1000
		for i := range 10 {
			reqs = append(reqs, trace.Request{ID: i, Model: m.Model, Phase: trace.PhaseMeasured, Start: 0, FirstToken: 0.01, End: e2e, OutputTokens: 10})
		}
	}
	res, _ := sweep(models, trace.Slice(reqs), &rundir.SLO{E2EMs: 260})
	if len(res.Points) != 3 {
		t.Fatalf("%d points, want 3", len(res.Points))
	}
	front := [3]bool{res.Points[0].ParetoFront, res.Points[1].ParetoFront, res.Points[2].ParetoFront}
	if front != [3]bool{true, true, false} {
		t.Errorf("front = %v, want c=1 and c=2", front)
	}
	c2 := res.Points[1]
	if *c2.SLOAttainment != 1 || !*c2.MeetsSLO || *c2.JoulesPerGoodToken != 2 || *c2.GoodputTokensPerS != 10 {
		t.Errorf("c=2: attainment %v, J/good token %v, goodput %v; want 1, 2, 10", *c2.SLOAttainment, *c2.JoulesPerGoodToken, *c2.GoodputTokensPerS)
	}
	if c1 := res.Points[0]; *c1.SLOAttainment != 0 || c1.JoulesPerGoodToken != nil {
		t.Errorf("c=1: attainment %v, J/good token %v; want 0 and none", *c1.SLOAttainment, c1.JoulesPerGoodToken)
	}
	if res.Best["m"] != "m [c=2]" {
		t.Errorf("best = %q, want m [c=2]", res.Best["m"])
	}
	if noSLO, _ := sweep(models, trace.Slice(reqs), nil); noSLO.Best["m"] != "m [c=1]" {
		t.Errorf("without SLOs best = %q, want the front's lowest J/token, m [c=1]", noSLO.Best["m"])
	}
}

// Prefill run: 10 requests, 20 J → 2 J each. Full run: 10 requests of 11
// output tokens, 120 J → 12 J each; decode 10 J per request over 10 tokens
// after the first = 1 J per token.
func TestPrefillDecode(t *testing.T) {
	pds := prefillDecode([]analysis.ModelResult{
		model("m [prefill]", 20, 50, 10, 10),
		model("m", 120, 500, 10, 110),
	})
	if len(pds) != 1 {
		t.Fatalf("%d splits, want 1", len(pds))
	}
	pd := pds[0]
	if *pd.PrefillJoulesPerRequest != 2 || *pd.FullJoulesPerRequest != 12 || *pd.DecodeJoulesPerRequest != 10 || *pd.DecodeJoulesPerToken != 1 {
		t.Errorf("split = prefill %v, full %v, decode %v/req %v/token; want 2, 12, 10, 1",
			*pd.PrefillJoulesPerRequest, *pd.FullJoulesPerRequest, *pd.DecodeJoulesPerRequest, *pd.DecodeJoulesPerToken)
	}
}

func TestRepetitionsWarnOnSpread(t *testing.T) {
	reps, warns := repetitions([]analysis.ModelResult{
		model("m [#1]", 100, 300, 10, 100),
		model("m [#2]", 130, 300, 10, 100),
	})
	if len(reps) != 1 || reps[0].N != 2 || reps[0].Figures["energy_j"].Mean != 115 {
		t.Fatalf("repetitions = %+v", reps)
	}
	if len(warns) == 0 {
		t.Error("no warning for a 20 % spread of J/token")
	}
}
