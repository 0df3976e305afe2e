package html

import (
	"runtime"
	"testing"

	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// A server that streams tiny chunks makes the pooled inter-chunk gaps the
// largest thing the report holds. Drawing the charts must cost about one
// float64 per gap (collected once per model, sorted in place), not the
// several copies that collecting per chart, growing by append and sorting
// a copy used to make (129 bytes per gap here). The bound is on bytes
// allocated, so it holds on any machine at any speed.
func TestLatencyChartsMemoryPerGap(t *testing.T) {
	const (
		chunks   = 1 << 16
		requests = 4
		maxBytes = 10 // 8 for the gap itself, the rest for what is drawn
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
				// Uneven gaps, so that sorting has work to do.
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
	}
	perGap := float64(after.TotalAlloc-before.TotalAlloc) / (2 * gapsPerModel)
	t.Logf("%.2f bytes allocated per inter-chunk gap", perGap)
	if perGap > maxBytes {
		t.Errorf("%.1f bytes allocated per inter-chunk gap, want at most %d", perGap, maxBytes)
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
