package analysis

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/trace"
)

func TestSummarizePercentiles(t *testing.T) {
	// Expected values as numpy.percentile(v, p) (linear) gives them: rank
	// p/100 × (n−1), interpolated between the neighbouring sorted values.
	tests := []struct {
		name   string
		values []float64
		want   Distribution
	}{
		// rank(p90) = 3.6 → 400 + 0.6 × 600; rank(p99) = 3.96 → 400 + 0.96 × 600.
		{"five", []float64{1000, 100, 300, 200, 400}, Distribution{Count: 5, Mean: 400, P50: 300, P90: 760, P99: 976, Min: 100, Max: 1000}},
		// rank(p50) = 1.5 → 2.5; rank(p90) = 2.7 → 3.7; rank(p99) = 2.97 → 3.97.
		{"four", []float64{4, 3, 2, 1}, Distribution{Count: 4, Mean: 2.5, P50: 2.5, P90: 3.7, P99: 3.97, Min: 1, Max: 4}},
		{"one", []float64{7}, Distribution{Count: 1, Mean: 7, P50: 7, P90: 7, P99: 7, Min: 7, Max: 7}},
		{"none", nil, Distribution{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkDistribution(t, tc.name, Summarize(tc.values), tc.want)
		})
	}
}

func checkDistribution(t *testing.T, what string, got, want Distribution) {
	t.Helper()
	if got.Count != want.Count {
		t.Errorf("%s count = %d, want %d", what, got.Count, want.Count)
	}
	for _, f := range []struct {
		name      string
		got, want float64
	}{{"mean", got.Mean, want.Mean}, {"p50", got.P50, want.P50}, {"p90", got.P90, want.P90}, {"p99", got.P99, want.P99}, {"min", got.Min, want.Min}, {"max", got.Max, want.Max}} {
		checkNear(t, what+" "+f.name, f.got, f.want)
	}
}

func TestEmptyDistributionIsNullInJSON(t *testing.T) {
	b, err := json.Marshal(Distribution{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"count":0,"mean":null,"p50":null,"p90":null,"p99":null,"min":null,"max":null}`
	if string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
	var back Distribution
	full := Distribution{Count: 2, Mean: 1.5, P50: 1.5, P90: 1.9, P99: 1.99, Min: 1, Max: 2}
	b, _ = json.Marshal(full)
	if err := json.Unmarshal(b, &back); err != nil || back != full {
		t.Errorf("round trip = %+v, %v; want %+v", back, err, full)
	}
}

// latencyRequests: five successes, two failures and a warmup request, in a
// measured window [0, 10] s.
func latencyRequests() []trace.Request {
	ok := func(id int, start, first, end float64, out int, chunks ...float64) trace.Request {
		return trace.Request{ID: id, Model: "m", Phase: trace.PhaseMeasured, Start: start, FirstToken: first, End: end,
			Chunks: chunks, InputTokens: 10, OutputTokens: out, FinishReason: "stop"}
	}
	reqs := []trace.Request{
		ok(1, 0, 0.1, 1.1, 11, 0.1, 0.2, 0.4), // TTFT 100, TPOT 1.0/10, ITL 100, 200
		ok(2, 1, 1.2, 2.2, 6, 0.2, 0.5),       // TTFT 200, TPOT 1.0/5, ITL 300
		ok(3, 2, 2.3, 2.3, 1, 0.3),            // TTFT 300, one token: no TPOT
		ok(4, 3, 3.4, 4.4, 3, 0.4, 0.9, 1.4),  // TTFT 400, TPOT 1.0/2, ITL 500, 500
		ok(5, 4, 5.0, 6.0, 2, 1.0, 2.0),       // TTFT 1000, TPOT 1.0/1, ITL 1000
		{ID: 6, Model: "m", Phase: trace.PhaseMeasured, Start: 5, FirstToken: nan, End: 9, ErrorClass: "timeout", InputTokens: 10},
		{ID: 7, Model: "m", Phase: trace.PhaseMeasured, Start: 6, FirstToken: 6.1, End: 6.5, ErrorClass: "http_500", InputTokens: 10, OutputTokens: 4, Chunks: []float64{0.1}},
		ok(8, -5, -4.9, -4, 20, 0.1),
	}
	reqs[2].TokensEstimated = true
	reqs[7].Phase = trace.PhaseWarmup
	return reqs
}

func TestLatencyAndThroughput(t *testing.T) {
	phases := []trace.Phase{{Model: "m", Name: trace.PhaseWarmup, Start: -5, End: 0}, {Model: "m", Name: trace.PhaseMeasured, Start: 0, End: 10}}
	res, err := Analyze(nil, trace.Slice(latencyRequests()), phases, Options{RequestedConcurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Models[0]

	checkDistribution(t, "ttft", m.Latency.TTFT, Distribution{Count: 5, Mean: 400, P50: 300, P90: 760, P99: 976, Min: 100, Max: 1000})
	// TPOT 100, 200, 500, 1000 ms (the one-token request left out).
	checkDistribution(t, "tpot", m.Latency.TPOT, Distribution{Count: 4, Mean: 450, P50: 350, P90: 850, P99: 985, Min: 100, Max: 1000})
	// ITL 100, 200, 300, 500, 500, 1000 ms pooled across requests.
	checkDistribution(t, "itl", m.Latency.ITL, Distribution{Count: 6, Mean: 2600.0 / 6, P50: 400, P90: 750, P99: 975, Min: 100, Max: 1000})
	// E2E 1100, 1200, 300, 1400, 2000 ms.
	checkDistribution(t, "e2e", m.Latency.E2E, Distribution{Count: 5, Mean: 1200, P50: 1200, P90: 1760, P99: 1976, Min: 300, Max: 2000})

	if m.Completed != 5 || m.Failed != 2 || m.FailedByClass["timeout"] != 1 || m.FailedByClass["http_500"] != 1 {
		t.Errorf("counts = %d completed, %d failed %v; want 5, 2 {timeout:1 http_500:1}", m.Completed, m.Failed, m.FailedByClass)
	}
	// Tokens of successful requests only: the failed request's 4 partial
	// tokens and the warmup request are not counted.
	if m.InputTokens != 50 || m.OutputTokens != 23 || !m.TokensEstimated {
		t.Errorf("tokens = %d in, %d out, estimated %v; want 50, 23, true", m.InputTokens, m.OutputTokens, m.TokensEstimated)
	}
	tp := m.Throughput
	checkNear(t, "requests/s", tp.RequestsPerS, 0.5)
	checkNear(t, "output tokens/s", tp.OutputTokensPerS, 2.3)
	checkNear(t, "total tokens/s", tp.TotalTokensPerS, 7.3)
	// Busy time of all measured requests, failed ones too: 1.1 + 1.2 +
	// 0.3 + 1.4 + 2 + 4 + 0.5 = 10.5 s over 10 s.
	checkNear(t, "achieved concurrency", tp.AchievedConcurrency, 1.05)
	if tp.RequestedConcurrency == nil || *tp.RequestedConcurrency != 4 {
		t.Errorf("requested concurrency = %v, want 4", tp.RequestedConcurrency)
	}
}

func TestConcurrencyClipsToWindow(t *testing.T) {
	reqs := []trace.Request{{Model: "m", Phase: trace.PhaseMeasured, Start: -1, FirstToken: nan, End: 3, OutputTokens: 1}}
	phases := []trace.Phase{{Model: "m", Name: trace.PhaseMeasured, Start: 0, End: 4}}
	res, err := Analyze(nil, trace.Slice(reqs), phases, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkNear(t, "achieved concurrency", res.Models[0].Throughput.AchievedConcurrency, 0.75) // 3 of 4 s
	if res.Models[0].Throughput.RequestedConcurrency != nil {
		t.Error("requested concurrency reported although none was given")
	}
}

// An impossible request record is left out with a warning naming it; the
// run keeps its other requests and its figures.
func TestBadRequestsAreLeftOut(t *testing.T) {
	phases := []trace.Phase{{Model: "m", Name: trace.PhaseMeasured, Start: 0, End: 10}}
	base := trace.Request{Model: "m", Phase: trace.PhaseMeasured, Start: 1, FirstToken: 1.5, End: 2, OutputTokens: 3, Chunks: []float64{0.5, 0.7}}
	tests := []struct {
		name   string
		mutate func(*trace.Request)
	}{
		{"end before start", func(r *trace.Request) { r.End = 0.5; r.FirstToken = nan; r.Chunks = nil }},
		{"NaN start", func(r *trace.Request) { r.Start = nan }},
		{"first token after end", func(r *trace.Request) { r.FirstToken = 3 }},
		{"negative tokens", func(r *trace.Request) { r.OutputTokens = -1 }},
		{"chunks out of order", func(r *trace.Request) { r.Chunks = []float64{0.7, 0.5} }},
		{"chunk after end", func(r *trace.Request) { r.Chunks = []float64{0.5, 1.5} }},
		{"unknown phase", func(r *trace.Request) { r.Phase = "cooldown" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := base
			tc.mutate(&r)
			res, err := Analyze(nil, trace.Slice{base, r}, phases, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !containsWarning(res.Warnings, "1 request record(s) left out as impossible; the first: request 1 ") {
				t.Errorf("warnings %q, want one naming request 1", res.Warnings)
			}
			if got := res.Models[0].Completed; got != 1 {
				t.Errorf("completed = %d, want the good request only", got)
			}
		})
	}
}

// Only what was observed enters a distribution: an answer that came whole
// (no first token, no chunks) adds to E2E alone, and one chunk carrying
// several tokens shows a TTFT but no TPOT, since the time between its
// tokens was never seen.
func TestUnobservedLatencyIsNull(t *testing.T) {
	tests := []struct {
		name                  string
		r                     trace.Request
		ttft, tpot, itl, e2e  int
		wantTTFTms, wantE2Ems float64
	}{
		{"not streamed", trace.Request{Start: 1, FirstToken: nan, End: 3, OutputTokens: 10}, 0, 0, 0, 1, 0, 2000},
		{"streamed in one chunk", trace.Request{Streamed: true, Start: 1, FirstToken: 2.5, End: 2.5001, OutputTokens: 10, Chunks: []float64{1.5}}, 1, 0, 0, 1, 1500, 1500.1},
		{"streamed in two chunks", trace.Request{Streamed: true, Start: 1, FirstToken: 1.5, End: 2, OutputTokens: 2, Chunks: []float64{0.5, 1}}, 1, 1, 1, 1, 500, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := measureLatency([]trace.Request{tt.r})
			if l.TTFT.Count != tt.ttft || l.TPOT.Count != tt.tpot || l.ITL.Count != tt.itl || l.E2E.Count != tt.e2e {
				t.Fatalf("counts ttft %d tpot %d itl %d e2e %d, want %d %d %d %d", l.TTFT.Count, l.TPOT.Count, l.ITL.Count, l.E2E.Count, tt.ttft, tt.tpot, tt.itl, tt.e2e)
			}
			if tt.ttft > 0 {
				checkNear(t, "ttft", l.TTFT.P50, tt.wantTTFTms)
			}
			checkNear(t, "e2e", l.E2E.P50, tt.wantE2Ems)
			b, _ := json.Marshal(l)
			if tt.tpot == 0 && !strings.Contains(string(b), `"tpot_ms":{"count":0,"mean":null`) {
				t.Errorf("JSON %s: want tpot_ms null, not 0", b)
			}
		})
	}
}
