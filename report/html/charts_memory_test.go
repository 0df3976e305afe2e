package html

import (
	"cmp"
	"slices"
	"testing"
	"unsafe"

	"github.com/aienergy/aienergy/internal/synthrun"
	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// The charts of a long run hold no request: two passes over requests.csv
// of a million requests keep the live heap within a bound that a
// thirtieth of the records collected would already fill, and every
// request is still drawn.
func TestChartsHeapIsBounded(t *testing.T) {
	n, chunks := 1_000_000, 16
	if raceEnabled {
		n = 100_000
	}
	const bound = 8 << 20
	base := synthrun.LiveHeap()
	peak := base
	gen := synthrun.Stream{N: n, Chunks: chunks, Models: []string{"a", "b"}, Warmup: 1000, Sample: func() { peak = max(peak, synthrun.LiveHeap()) }}
	raw := &rundir.Raw{Requests: gen, Phases: []trace.Phase{
		{Model: "a", Name: trace.PhaseWarmup, Start: 0, End: 5},
		{Model: "a", Name: trace.PhaseMeasured, Start: 5, End: float64(n) * 0.005},
	}}
	d, err := buildCharts(&report.Summary{}, raw)
	if err != nil {
		t.Fatal(err)
	}
	held := n*int(unsafe.Sizeof(trace.Request{})) + n*chunks*8
	t.Logf("live heap at most %d KiB above the start; the records collected would hold %d MiB", (peak-base)>>10, held>>20)
	if peak-base > bound {
		t.Errorf("live heap grew by %d MiB while drawing, want under %d MiB", (peak-base)>>20, bound>>20)
	}
	measuredOK := 0
	for i := range n {
		if i >= 1000 && i%50 != 49 {
			measuredOK++
		}
	}
	counts := map[string]int{}
	for _, c := range d.Charts {
		for _, s := range c.Series {
			counts[c.ID+"/"+s.Label] = s.Points
			if len(s.T) > 2*displayBuckets+3 {
				t.Errorf("%s/%s: %d points drawn, want at most %d", c.ID, s.Label, len(s.T), 2*displayBuckets+3)
			}
		}
	}
	if got := counts["e2e/a"] + counts["e2e/b"]; got != measuredOK {
		t.Errorf("end-to-end latencies of %d requests drawn, want every successful measured one (%d)", got, measuredOK)
	}
	if got := counts["itl/a"] + counts["itl/b"]; got != measuredOK*(chunks-1) {
		t.Errorf("%d gaps drawn, want %d", got, measuredOK*(chunks-1))
	}
	if counts["power/requests in flight"] < n/10 {
		t.Errorf("requests in flight drawn from %d steps, want one or two per request (%d)", counts["power/requests in flight"], n)
	}
}

// referenceInFlight is the requests in flight as a sort of every event
// gives them: the reference for the sweep.
func referenceInFlight(reqs []trace.Request) line {
	type event struct {
		t     float64
		delta int
	}
	var ev []event
	for _, r := range reqs {
		ev = append(ev, event{r.Start, +1}, event{r.End, -1})
	}
	slices.SortFunc(ev, func(a, b event) int { return cmp.Compare(a.t, b.t) })
	var l line
	n := 0
	for i, e := range ev {
		n += e.delta
		if i+1 < len(ev) && ev[i+1].t == e.t {
			continue
		}
		if k := len(l.V); k > 0 && l.V[k-1] == float64(n) {
			continue
		}
		l.T, l.V = append(l.T, e.t), append(l.V, float64(n))
	}
	if len(l.T) > 0 && l.T[0] > 0 {
		l.T, l.V = append([]float64{0}, l.T...), append([]float64{0}, l.V...)
	}
	return l
}

// Given in the order they completed, as requests.csv holds them, the
// requests in flight are what a sort of every event gives, and so is the
// line reduced for display: the sweep holds only the recent events.
func TestInFlightSweepIsTheSort(t *testing.T) {
	gen := synthrun.Stream{N: 20_000, Chunks: 2, Models: []string{"a", "b"}, Warmup: 1000}
	var reqs trace.Slice
	if err := gen.Each(func(r trace.Request) error { r.Chunks = nil; reqs = append(reqs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	// Some at the same instants, and one long request, sent early and
	// completed last.
	reqs[100].Start, reqs[100].End = reqs[99].End, reqs[101].End
	reqs = append(reqs, trace.Request{Start: 0.5, End: reqs[len(reqs)-1].End + 1})
	want := referenceInFlight(reqs)
	if got := inFlightLine(t, reqs); !eq(got.T, want.T) || !eq(got.V, want.V) {
		t.Fatalf("the sweep drew %d steps, the sort %d", len(got.T), len(want.T))
	}
	end := reqs[len(reqs)-1].End
	var bounds trace.OrderBounds
	for _, r := range reqs {
		bounds.Add(r.Start, r.End)
	}
	out := newMinMax(0, end, 300)
	f := newInFlight(bounds, out)
	for _, r := range reqs {
		f.add(r)
	}
	f.finish()
	reduced, wantReduced := out.line(), downsampleMinMax(want, 0, end, 300)
	if !eq(reduced.T, wantReduced.T) || !eq(reduced.V, wantReduced.V) || out.points != len(want.T) {
		t.Errorf("reduced as it was made: %d points of %d; reduced afterwards: %d of %d", len(reduced.T), out.points, len(wantReduced.T), len(want.T))
	}
}
