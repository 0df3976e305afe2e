package analysis

import (
	"math"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/trace"
)

// With 20 text chunks the bound is 8 × 20 + 16 = 176 output tokens.
func TestCheckUsage(t *testing.T) {
	chunks := func(n int) []float64 {
		c := make([]float64, n)
		for i := range c {
			c[i] = float64(i+1) / 100
		}
		return c
	}
	tests := []struct {
		name          string
		r             trace.Request
		wantOut       int
		wantEstimated bool
	}{
		{"one token per chunk", trace.Request{Streamed: true, OutputTokens: 20, Chunks: chunks(20)}, 20, false},
		{"at the bound", trace.Request{Streamed: true, OutputTokens: 176, Chunks: chunks(20)}, 176, false},
		{"one above the bound", trace.Request{Streamed: true, OutputTokens: 177, Chunks: chunks(20)}, 20, true},
		{"a million for 20 chunks", trace.Request{Streamed: true, OutputTokens: 1_000_000, Chunks: chunks(20)}, 20, true},
		{"MaxInt64 for 20 chunks", trace.Request{Streamed: true, OutputTokens: math.MaxInt64, Chunks: chunks(20)}, 20, true},
		{"0 for 20 text chunks", trace.Request{Streamed: true, OutputTokens: 0, Chunks: chunks(20)}, 20, true},
		{"0 for an empty stream", trace.Request{Streamed: true, OutputTokens: 0}, 0, false},
		{"16 tokens without text", trace.Request{Streamed: true, OutputTokens: 16}, 16, false},
		// 500 − 400 hidden reasoning = 100 visible ≤ 176.
		{"hidden reasoning", trace.Request{Streamed: true, OutputTokens: 500, ReasoningTokens: 400, Chunks: chunks(20)}, 500, false},
		{"more reasoning than output", trace.Request{Streamed: true, OutputTokens: 20, ReasoningTokens: 21, Chunks: chunks(20)}, 20, true},
		{"negative", trace.Request{Streamed: true, OutputTokens: -5, Chunks: chunks(20)}, 20, true},
		{"not streamed: nothing to check", trace.Request{OutputTokens: 1_000_000}, 1_000_000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs := []trace.Request{tt.r}
			reqs[0].Model = "m"
			warnings := CheckUsage(reqs)
			r := reqs[0]
			if r.OutputTokens != tt.wantOut || r.TokensEstimated != tt.wantEstimated {
				t.Errorf("output %d estimated %v, want %d %v", r.OutputTokens, r.TokensEstimated, tt.wantOut, tt.wantEstimated)
			}
			if r.ReasoningTokens < 0 || r.ReasoningTokens > r.OutputTokens {
				t.Errorf("reasoning %d outside [0, %d]", r.ReasoningTokens, r.OutputTokens)
			}
			if got := len(warnings) == 1 && strings.HasPrefix(warnings[0], "m: 1 of 1 streamed requests"); got != tt.wantEstimated {
				t.Errorf("warnings %q, want one for model m: %v", warnings, tt.wantEstimated)
			}
		})
	}
}

// Two answers of MaxInt64 tokens each: before, the totals wrapped to −2
// and J/token went negative.
func TestTokenTotalsSaturate(t *testing.T) {
	huge := trace.Request{Model: "m", Phase: trace.PhaseMeasured, Start: 1, End: 2, FirstToken: nan, InputTokens: math.MaxInt, OutputTokens: math.MaxInt}
	reqs := []trace.Request{huge, huge}
	n := countRequests(reqs)
	if n.InputTokens != math.MaxInt || n.OutputTokens != math.MaxInt || n.Completed != 2 {
		t.Errorf("countRequests = %d in, %d out, %d completed; want MaxInt, MaxInt, 2", n.InputTokens, n.OutputTokens, n.Completed)
	}
	if sum := addCounts(n, n); sum.InputTokens != math.MaxInt || sum.OutputTokens != math.MaxInt || sum.Completed != 4 {
		t.Errorf("addCounts = %d in, %d out, %d completed; want MaxInt, MaxInt, 4", sum.InputTokens, sum.OutputTokens, sum.Completed)
	}
	if s := steadyRequests(reqs, 0, 3); s.InputTokens != math.MaxInt || s.OutputTokens != math.MaxInt {
		t.Errorf("steadyRequests = %d in, %d out; want MaxInt, MaxInt", s.InputTokens, s.OutputTokens)
	}
	j := 1000.0
	w := perWork(&j, n)
	for name, v := range map[string]*float64{"J/output token": w.perOutputToken, "J/token": w.perToken, "tokens/J": w.tokensPerJoule} {
		if v == nil || !(*v > 0) {
			t.Errorf("%s = %v, want positive", name, deref(v))
		}
	}
	if tp := measureThroughput(reqs, n, 0, 10, 0); !(tp.TotalTokensPerS > 0) {
		t.Errorf("total tokens/s = %v, want positive", tp.TotalTokensPerS)
	}
	for _, tt := range []struct{ a, b, want int }{
		{1, 2, 3}, {math.MaxInt, 1, math.MaxInt}, {math.MaxInt - 1, 1, math.MaxInt}, {math.MinInt, -1, math.MinInt}, {-3, 5, 2},
	} {
		if got := SaturatingAdd(tt.a, tt.b); got != tt.want {
			t.Errorf("SaturatingAdd(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// A long stream records the times of its first chunks only; its count of
// chunks still bounds its tokens, so 100 000 tokens over 100 000 chunks
// is plausible although only 10 chunk times were kept.
func TestUsageUsesEveryChunkNotOnlyRecordedOnes(t *testing.T) {
	times := make([]float64, 10)
	for i := range times {
		times[i] = 0.01 * float64(i+1)
	}
	reqs := []trace.Request{{ID: 1, Model: "m", Phase: trace.PhaseMeasured, Start: 0, FirstToken: 0.01, End: 100, Streamed: true,
		Chunks: times, ChunkCount: 100_000, OutputTokens: 100_000}}
	if w := CheckUsage(reqs); len(w) != 0 || reqs[0].OutputTokens != 100_000 || reqs[0].TokensEstimated {
		t.Errorf("warnings %q, %d tokens (estimated %v): want the reported 100 000 kept", w, reqs[0].OutputTokens, reqs[0].TokensEstimated)
	}
}

// Analyze checks usage itself, in its one pass over the records: its
// figures count the corrected tokens and the run's warnings say so, but
// the records it is given stay as they were (a run directory's are read
// afresh at each pass and cannot be corrected in place); CorrectUsage
// gives them corrected to whoever reads them next.
func TestAnalyzeChecksUsage(t *testing.T) {
	chunks := []float64{0.1, 0.2, 0.3, 0.4, 0.5}
	reqs := []trace.Request{
		{ID: 1, Model: "m", Phase: trace.PhaseMeasured, Start: 11, FirstToken: 11.1, End: 11.5, Streamed: true, Chunks: chunks, OutputTokens: 1_000_000},
		{ID: 2, Model: "m", Phase: trace.PhaseMeasured, Start: 12, FirstToken: 12.1, End: 12.5, Streamed: true, Chunks: chunks, OutputTokens: 5},
	}
	res, err := Analyze(nil, trace.Slice(reqs), threePhases("m"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if reqs[0].OutputTokens != 1_000_000 || reqs[0].TokensEstimated || reqs[1].OutputTokens != 5 || reqs[1].TokensEstimated {
		t.Errorf("records after Analyze: %d (estimated %v) and %d (estimated %v) output tokens; want them untouched",
			reqs[0].OutputTokens, reqs[0].TokensEstimated, reqs[1].OutputTokens, reqs[1].TokensEstimated)
	}
	if got := res.Models[0].OutputTokens; got != 10 {
		t.Errorf("model output tokens %d, want 10", got)
	}
	if w := strings.Join(res.Warnings, "\n"); !strings.Contains(w, "m: 1 of 2 streamed requests report output tokens their stream contradicts (request 1: 1000000 output tokens for 5 text chunks;") {
		t.Errorf("run warnings %q, want the usage check's", res.Warnings)
	}
	corrected, err := trace.Collect(CorrectUsage(trace.Slice(reqs)))
	if err != nil {
		t.Fatal(err)
	}
	if corrected[0].OutputTokens != 5 || !corrected[0].TokensEstimated || corrected[1].OutputTokens != 5 || corrected[1].TokensEstimated {
		t.Errorf("CorrectUsage: %d (estimated %v) and %d (estimated %v) output tokens; want 5 estimated, then 5 as reported",
			corrected[0].OutputTokens, corrected[0].TokensEstimated, corrected[1].OutputTokens, corrected[1].TokensEstimated)
	}
}
