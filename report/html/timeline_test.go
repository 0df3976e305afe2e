package html

import (
	"math"
	"slices"
	"testing"

	"github.com/aienergy/aienergy/trace"
)

// inFlightLine is the requests in flight of reqs, given in any order, as
// buildCharts draws them before reducing the line.
func inFlightLine(t *testing.T, reqs trace.Slice) line {
	t.Helper()
	var bounds trace.OrderBounds
	for _, r := range reqs {
		bounds.Add(r.Start, r.End)
	}
	out := newMinMax(0, 1, len(reqs)+1) // never reduces: 2 points per request at most
	f := newInFlight(bounds, out)
	for _, r := range reqs {
		f.add(r)
	}
	f.finish()
	return out.line()
}

// throughput bins reqs as buildCharts does.
func throughput(reqs []trace.Request, phases []trace.Phase, end float64) (width float64, rps, tps line) {
	b := newThroughputBins(phases, end)
	for _, r := range reqs {
		b.add(r)
	}
	rps, tps = b.lines()
	return b.width, rps, tps
}

func TestInFlight(t *testing.T) {
	reqs := trace.Slice{
		{Start: 1, End: 3},
		{Start: 2, End: 4},
		{Start: 3, End: 5}, // starts as the first ends: no change at 3 s
		{Start: 2, End: 6, ErrorClass: "timeout"},
	}
	got := inFlightLine(t, reqs)
	wantT := []float64{0, 1, 2, 4, 5, 6}
	wantV := []float64{0, 1, 3, 2, 1, 0}
	if !eq(got.T, wantT) || !eq(got.V, wantV) {
		t.Fatalf("got %v %v, want %v %v", got.T, got.V, wantT, wantV)
	}
}

func TestBinWidth(t *testing.T) {
	for _, tc := range []struct{ span, want float64 }{
		{10, 1}, {300, 1}, {301, 2}, {900, 5}, {1501, 10}, {4 * 3600, 50}, {24 * 3600, 500},
	} {
		if got := binWidth(tc.span); got != tc.want || tc.span/got > maxThroughputBins {
			t.Errorf("binWidth(%v) = %v, want %v", tc.span, got, tc.want)
		}
	}
}

func TestThroughput(t *testing.T) {
	reqs := []trace.Request{
		{End: 0.5, OutputTokens: 10},
		{End: 1.2, OutputTokens: 4},
		{End: 1.9, OutputTokens: 6},
		{End: 1.5, OutputTokens: 99, ErrorClass: "http_500"}, // failed: not counted
		{End: 3.0, OutputTokens: 8},                          // the end falls into the last bin
	}
	w, rps, tps := throughput(reqs, nil, 3)
	if w != 1 {
		t.Fatalf("bin width %v, want 1", w)
	}
	if want := []float64{1, 2, 1, 1}; !eq(rps.V, want) {
		t.Errorf("requests/s %v, want %v", rps.V, want)
	}
	if want := []float64{10, 10, 8, 8}; !eq(tps.V, want) {
		t.Errorf("tokens/s %v, want %v", tps.V, want)
	}
	if want := []float64{0, 1, 2, 3}; !eq(rps.T, want) {
		t.Errorf("bin starts %v, want %v", rps.T, want)
	}
}

func TestLatenciesAndCDF(t *testing.T) {
	nan := math.NaN()
	reqs := []trace.Request{
		{Model: "a", Phase: "measured", Start: 1, FirstToken: 1.1, End: 2, Chunks: []float64{0.1, 0.3, 0.6}},
		{Model: "a", Phase: "warmup", Start: 0, FirstToken: 0.5, End: 1},                       // warmup: left out
		{Model: "a", Phase: "measured", Start: 3, FirstToken: nan, End: 4, ErrorClass: "x"},    // failed: left out
		{Model: "b", Phase: "measured", Start: 3, FirstToken: 3.2, End: 3.5},                   // other model
		{Model: "a", Phase: "measured", Start: 5, FirstToken: nan, End: 5.25, OutputTokens: 0}, // no content
	}
	var a latencyDists
	for _, r := range reqs {
		if r.Model == "a" {
			a.add(r)
		}
	}
	ttft, itl, e2e := a.ttft.exact, a.itl.exact, a.e2e.exact
	if !eq(ttft, []float64{100}) || !eq(itl, []float64{200, 300}) || !eq(e2e, []float64{1000, 250}) {
		t.Fatalf("ttft %v itl %v e2e %v", ttft, itl, e2e)
	}
	c := cdf([]float64{3, 1, 2, 2})
	if !eq(c.T, []float64{1, 2, 2, 3}) || !eq(c.V, []float64{0.25, 0.5, 0.75, 1}) {
		t.Errorf("cdf %v %v", c.T, c.V)
	}
	many := make([]float64, 10*maxCDFPoints+7)
	for i := range many {
		many[i] = float64(len(many) - i)
	}
	c = cdf(many)
	if len(c.T) > maxCDFPoints+1 || c.T[0] != 1 || c.T[len(c.T)-1] != float64(len(many)) || c.V[len(c.V)-1] != 1 {
		t.Errorf("reduced cdf: %d points from %v to %v (fraction %v)", len(c.T), c.T[0], c.T[len(c.T)-1], c.V[len(c.V)-1])
	}
}

// Bins are cut at phase edges: no bin holds time from two phases, and
// each bin's rate is its own count over its own width. Phases here: idle
// 0–1.5 s, measured 1.5–4.2 s (2.7 s: three bins of 0.9 s), idle
// 4.2–4.203 s (3 ms, merged into its neighbour rather than made a
// sliver), warmup of the next 4.203–5 s.
func TestThroughputBinsFollowPhases(t *testing.T) {
	phases := []trace.Phase{
		{Model: "a", Name: "idle_before", Start: 0, End: 1.5},
		{Model: "a", Name: "measured", Start: 1.5, End: 4.2},
		{Model: "a", Name: "idle_after", Start: 4.2, End: 4.203},
		{Model: "b", Name: "warmup", Start: 4.203, End: 5},
	}
	reqs := []trace.Request{
		{End: 1.6, OutputTokens: 9}, // first measured bin, 1.5–2.4
		{End: 2.3, OutputTokens: 9},
		{End: 3.5, OutputTokens: 9}, // third, 3.3–4.2
		{End: 4.5, OutputTokens: 9}, // warmup
	}
	w, rps, tps := throughput(reqs, phases, 5)
	if w != 1 {
		t.Fatalf("bin width %v, want 1", w)
	}
	wantT := []float64{0, 0.75, 1.5, 2.4, 3.3, 4.2, 5}
	wantV := []float64{0, 0, 2 / 0.9, 0, 1 / 0.9, 1 / 0.8, 1 / 0.8}
	if len(rps.T) != len(wantT) {
		t.Fatalf("bins start at %v, want %v", rps.T, wantT)
	}
	for i := range wantT {
		if math.Abs(rps.T[i]-wantT[i]) > 1e-9 || math.Abs(rps.V[i]-wantV[i]) > 1e-9 || math.Abs(tps.V[i]-9*wantV[i]) > 1e-9 {
			t.Errorf("bin %d: starts %v with %v req/s, %v tok/s; want %v, %v, %v", i, rps.T[i], rps.V[i], tps.V[i], wantT[i], wantV[i], 9*wantV[i])
		}
	}
	// Every phase edge longer than a sliver is a bin edge.
	for _, edge := range []float64{1.5, 4.2} {
		if !slices.ContainsFunc(rps.T, func(x float64) bool { return math.Abs(x-edge) < 1e-9 }) {
			t.Errorf("no bin starts at the phase edge %v s: %v", edge, rps.T)
		}
	}
}
