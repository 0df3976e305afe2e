package html

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestDownsampleShortLineUnchanged(t *testing.T) {
	l := line{T: []float64{0, 1, 2, 3}, V: []float64{5, 1, 9, 2}}
	got := downsampleMinMax(l, 0, 3, 2)
	if !slices.Equal(got.T, l.T) || !slices.Equal(got.V, l.V) {
		t.Fatalf("a line of 2×buckets points changed: %v", got)
	}
}

func TestDownsampleHandComputed(t *testing.T) {
	// Two buckets over [0, 10): [0, 5) and [5, 10].
	l := line{
		T: []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
		V: []float64{3, 7, 1, 4, 5, 6, 2, 2, 9, 8, 6},
	}
	got := downsampleMinMax(l, 0, 10, 2)
	wantT := []float64{1, 2, 6, 8} // bucket 1: max 7 at 1, min 1 at 2; bucket 2: min 2 at 6 (first), max 9 at 8
	wantV := []float64{7, 1, 2, 9}
	if !slices.Equal(got.T, wantT) || !slices.Equal(got.V, wantV) {
		t.Fatalf("got %v %v, want %v %v", got.T, got.V, wantT, wantV)
	}
}

// Hours of 10 Hz samples with spikes: the reduced line must keep every
// bucket's extremes, stay in time order and keep the gaps.
func TestDownsampleKeepsExtremesAndGaps(t *testing.T) {
	const n, buckets, end = 4 * 3600 * 10, 500, 4 * 3600.0
	rng := rand.New(rand.NewPCG(1, 2))
	l := line{T: make([]float64, n), V: make([]float64, n)}
	for i := range n {
		l.T[i] = float64(i) / 10
		l.V[i] = 200 + 50*math.Sin(float64(i)/5000) + rng.Float64()
	}
	l.V[12345] = 900 // a one-sample spike
	l.V[54321] = 3   // and a dip
	l.V[70000] = math.NaN()
	got := downsampleMinMax(l, 0, end, buckets)

	// Two per bucket, and a gap splits its bucket in two and adds itself.
	if len(got.T) > 2*buckets+3 {
		t.Errorf("%d points, want at most %d", len(got.T), 2*buckets+3)
	}
	if !slices.IsSorted(got.T) {
		t.Error("points out of time order")
	}
	if !slices.Contains(got.V, 900) || !slices.Contains(got.V, 3) {
		t.Error("the spike or the dip was lost")
	}
	gaps := 0
	for _, v := range got.V {
		if math.IsNaN(v) {
			gaps++
		}
	}
	if gaps != 1 {
		t.Errorf("%d gaps kept, want 1", gaps)
	}
	// Every bucket's minimum and maximum of the original survive.
	width := end / buckets
	type ext struct{ lo, hi float64 }
	want := map[int]ext{}
	for i, v := range l.V {
		if math.IsNaN(v) {
			continue
		}
		b := min(buckets-1, int(l.T[i]/width))
		e, ok := want[b]
		if !ok {
			e = ext{v, v}
		}
		want[b] = ext{min(e.lo, v), max(e.hi, v)}
	}
	have := map[int]ext{}
	for i, v := range got.V {
		if math.IsNaN(v) {
			continue
		}
		b := min(buckets-1, int(got.T[i]/width))
		e, ok := have[b]
		if !ok {
			e = ext{v, v}
		}
		have[b] = ext{min(e.lo, v), max(e.hi, v)}
	}
	for b, w := range want {
		if have[b] != w {
			t.Fatalf("bucket %d: drawn range %v, data range %v", b, have[b], w)
		}
	}
}

func BenchmarkDownsample(b *testing.B) {
	const n = 8 * 3600 * 10 // eight hours at 10 Hz
	l := line{T: make([]float64, n), V: make([]float64, n)}
	for i := range n {
		l.T[i], l.V[i] = float64(i)/10, float64(i%97)
	}
	for b.Loop() {
		downsampleMinMax(l, 0, n/10, displayBuckets)
	}
}
