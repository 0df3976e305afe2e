package report

import (
	"math"
	"slices"
	"testing"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// The top-level figures are the main workload's alone. With the
// prefill/decode split, "m" (1000 J, 10 requests, 100 output tokens) runs
// beside "m [prefill]" (300 J, 10 requests, 10 tokens): the headline is
// 1000/100 = 10 J/token and 1000 J / 10 / 3.6 = 27.78 Wh/1000 queries,
// where pooling gave 1300/110 = 11.8 and 1300/20/3.6 = 18.1.
func TestHeadlineIsMainWorkload(t *testing.T) {
	tests := []struct {
		name       string
		models     []analysis.ModelResult
		wantModels []string
		wantJPT    float64 // NaN: null
		wantWh     float64
		completed  int
		outTokens  int
	}{
		{"prefill/decode", []analysis.ModelResult{
			model("m [prefill]", 300, 100, 10, 10), model("m", 1000, 900, 10, 100),
		}, []string{"m"}, 10, 1000 / 3.6 / 10, 10, 100},
		// Repetitions of the plain run pool: 2200 J over 200 tokens and
		// 20 requests; their prefill-only runs stay out.
		{"repetitions", []analysis.ModelResult{
			model("m [prefill #1]", 300, 100, 10, 10), model("m [#1]", 1000, 900, 10, 100),
			model("m [prefill #2]", 300, 100, 10, 10), model("m [#2]", 1200, 900, 10, 100),
		}, []string{"m [#1]", "m [#2]"}, 11, 2200 / 3.6 / 20, 20, 200},
		// A sweep has no one workload: no headline.
		{"sweep", []analysis.ModelResult{
			model("m [c=1]", 1000, 900, 10, 100), model("m [c=8]", 400, 300, 10, 100),
		}, []string{}, math.NaN(), math.NaN(), 0, 0},
		// Two plain models still pool, as before: 1500 J / 200 tokens.
		{"two models", []analysis.ModelResult{
			model("a", 1000, 900, 10, 100), model("b", 500, 900, 10, 100),
		}, []string{"a", "b"}, 7.5, 1500 / 3.6 / 20, 20, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := newSummary(&rundir.Raw{Requests: trace.Slice{}}, &analysis.Result{Models: tt.models}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s.HeadlineModels, tt.wantModels) {
				t.Errorf("headline models %q, want %q", s.HeadlineModels, tt.wantModels)
			}
			checkOpt(t, "joules_per_output_token", s.JoulesPerOutputToken, tt.wantJPT)
			checkOpt(t, "wh_per_1000_queries", s.WhPer1000Queries, tt.wantWh)
			if math.IsNaN(tt.wantJPT) {
				if s.Completed != nil || s.OutputTokens != nil || s.Failed != nil {
					t.Errorf("counts %v %v %v, want null without a main workload", s.Completed, s.OutputTokens, s.Failed)
				}
			} else if s.Completed == nil || *s.Completed != tt.completed || *s.OutputTokens != tt.outTokens {
				t.Errorf("completed %v, output tokens %v; want %d, %d", s.Completed, s.OutputTokens, tt.completed, tt.outTokens)
			}
		})
	}
}

func checkOpt(t *testing.T, name string, got *float64, want float64) {
	t.Helper()
	switch {
	case math.IsNaN(want) && got != nil:
		t.Errorf("%s = %v, want null", name, *got)
	case math.IsNaN(want):
	case got == nil:
		t.Errorf("%s = null, want %v", name, want)
	case math.Abs(*got-want) > 1e-9*want:
		t.Errorf("%s = %v, want %v", name, *got, want)
	}
}

// Without streaming no TTFT or TPOT is seen: a sweep point's medians and a
// repetition's ttft_ms_p50 are null, not 0; a TTFT objective neither
// passes nor fails such requests, while one stream that never carried
// content misses it. Point c=1: 10 whole answers of 0.2 s, all within the
// 300 ms E2E objective: attainment 1.
func TestUnobservedLatencyInSweepAndSLO(t *testing.T) {
	models := []analysis.ModelResult{model("m [c=1 #1]", 100, 200, 10, 100), model("m [c=1 #2]", 100, 200, 10, 100)}
	var reqs []trace.Request
	for _, m := range models {
		for i := range 10 {
			reqs = append(reqs, trace.Request{ID: i, Model: m.Model, Phase: trace.PhaseMeasured, Start: 0, FirstToken: math.NaN(), End: 0.2, OutputTokens: 10})
		}
	}
	res, _ := sweep(models, trace.Slice(reqs), &rundir.SLO{TTFTMs: 100, TPOTMs: 10, E2EMs: 300})
	p := res.Points[0]
	if p.TTFTMsP50 != nil || p.TPOTMsP50 != nil {
		t.Errorf("ttft %v, tpot %v; want null", p.TTFTMsP50, p.TPOTMsP50)
	}
	if p.SLOAttainment == nil || *p.SLOAttainment != 1 {
		t.Errorf("attainment %v, want 1", p.SLOAttainment)
	}
	reps, _ := repetitions(models)
	if _, ok := reps[0].Figures["ttft_ms_p50"]; ok {
		t.Errorf("repetitions report ttft_ms_p50 %+v without a TTFT", reps[0].Figures["ttft_ms_p50"])
	}
	noContent := trace.Request{Model: "x", Phase: trace.PhaseMeasured, Start: 0, FirstToken: math.NaN(), End: 0.2, Streamed: true}
	var tally sloTally
	if tally.add(noContent, &rundir.SLO{TTFTMs: 100}); tally.good != 0 {
		t.Error("a stream without content met the TTFT objective")
	}
}
