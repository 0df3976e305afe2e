package html

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// A server that streams tiny chunks makes the pooled inter-chunk gaps the
// most numerous thing the report draws. Drawing the charts costs next to
// nothing per gap: each model's distribution holds a few thousand values,
// then a quantile sketch: a fixed cost, here under 2 MiB for half a
// million gaps (it used to hold every gap, 8 bytes each, sorted in place;
// before that, several copies, 129 bytes per gap). The bound is on bytes
// allocated, so it holds on any machine at any speed.
func TestLatencyChartsMemoryPerGap(t *testing.T) {
	const (
		chunks   = 1 << 16
		requests = 4
		maxBytes = 2 << 20 // the distributions' exact values and sketches
	)
	raw := &rundir.Raw{}
	var reqs trace.Slice
	for _, model := range []string{"a", "b"} {
		for i := range requests {
			start := float64(i)
			r := trace.Request{ID: len(reqs), Model: model, Phase: trace.PhaseMeasured,
				Start: start, FirstToken: start + 0.1, End: start + 2, Chunks: make([]float64, chunks),
				OutputTokens: chunks}
			for j := range r.Chunks {
				// Uneven gaps, so that the distribution has a shape.
				r.Chunks[j] = 0.1 + float64(j)/chunks + float64(j%7)*1e-6
			}
			reqs = append(reqs, r)
		}
	}
	raw.Requests = reqs
	const gapsPerModel = requests * (chunks - 1)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	d, err := buildCharts(&report.Summary{}, raw)
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)

	var itl *chart
	for _, c := range d.Charts {
		if c.ID == "itl" {
			itl = c
		}
	}
	if itl == nil || len(itl.Series) != 2 {
		t.Fatalf("want an inter-token latency chart with a series per model, got %+v", itl)
	}
	for _, s := range itl.Series {
		if s.Points != gapsPerModel || len(s.T) > maxCDFPoints+1 {
			t.Errorf("%s: %d gaps drawn as %d points, want %d gaps in at most %d points",
				s.Label, s.Points, len(s.T), gapsPerModel, maxCDFPoints+1)
		}
		// The gaps are 1/chunks s, 15.26 µs, then 1 µs more, or 6 µs
		// less where j%7 wraps: in ms, 0.00926 to 0.01626.
		if lo, hi := s.T[0], s.T[len(s.T)-1]; math.Abs(lo-0.009259) > 1e-5 || math.Abs(hi-0.016259) > 1e-5 || !slices.IsSorted(s.T) {
			t.Errorf("%s: drawn from %v to %v ms, want 0.00926 to 0.01626, ascending", s.Label, lo, hi)
		}
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d KiB allocated for %d inter-chunk gaps", allocated>>10, 2*gapsPerModel)
	if allocated > maxBytes {
		t.Errorf("%d KiB allocated for %d inter-chunk gaps, want at most %d KiB", allocated>>10, 2*gapsPerModel, maxBytes>>10)
	}
}

// Past the values it keeps, a distribution draws from its sketch the
// points cdf draws from the values, each within the sketch's 0.1 %.
func TestDistributionSketchedMatchesCDF(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var d distribution
	values := make([]float64, 10*exactCDFValues+3)
	for i := range values {
		values[i] = math.Exp(rng.NormFloat64()) * 100
		d.add(values[i])
	}
	if d.q == nil || d.count() != len(values) {
		t.Fatalf("sketched %v, count %d of %d", d.q != nil, d.count(), len(values))
	}
	got, want := d.line(), cdf(slices.Clone(values))
	if len(got.T) != len(want.T) || !slices.Equal(got.V, want.V) {
		t.Fatalf("%d points at fractions %v…, cdf draws %d at %v…", len(got.T), got.V[:3], len(want.T), want.V[:3])
	}
	for i := range got.T {
		if math.Abs(got.T[i]-want.T[i]) > 0.001*want.T[i] {
			t.Errorf("point %d (fraction %v): %v, exact %v", i, got.V[i], got.T[i], want.T[i])
		}
	}
}

// cdf sorts its argument in place (the charts rely on no copy being
// made) and draws the same points as it would from a sorted copy.
func TestCDFSortsInPlace(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values []float64
		t, v   []float64 // nil: only the checks below the table
	}{
		{"one", []float64{5}, []float64{5}, []float64{1}},
		{"ties", []float64{2, 1, 2, 2, 0}, []float64{0, 1, 2, 2, 2}, []float64{0.2, 0.4, 0.6, 0.8, 1}},
		// 3002 values, every 4th rank: 751 points, then the largest at 1.
		{"reduced", descending(3*maxCDFPoints + 2), nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := len(tc.values)
			got := cdf(tc.values)
			for i := 1; i < n; i++ {
				if tc.values[i] < tc.values[i-1] {
					t.Fatalf("values not sorted in place at %d: %v > %v", i, tc.values[i-1], tc.values[i])
				}
			}
			if tc.t != nil && (!eq(got.T, tc.t) || !eq(got.V, tc.v)) {
				t.Errorf("cdf %v %v, want %v %v", got.T, got.V, tc.t, tc.v)
			}
			if tc.t == nil && (len(got.T) != 752 || got.T[0] != 1 || got.T[750] != 3001 || got.V[750] != 3001.0/3002 ||
				got.T[751] != 3002 || got.V[751] != 1) {
				t.Errorf("reduced cdf: %d points, first %v, last two %v %v", len(got.T), got.T[0], got.T[750:], got.V[750:])
			}
		})
	}
}

// descending is n, n-1, …, 1.
func descending(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(n - i)
	}
	return v
}
