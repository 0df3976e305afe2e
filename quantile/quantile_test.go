package quantile

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// While it holds every value, a sketch gives numpy's linear percentiles:
// for 1..10, p50 = 5.5, p90 = 9.1, p99 = 9.91 (numpy.percentile).
func TestExactIsNumpyLinear(t *testing.T) {
	var s Sketch
	for _, v := range []float64{7, 3, 10, 1, 9, 2, 8, 4, 6, 5, math.NaN()} {
		s.Add(v)
	}
	got := s.Quantiles(0, 50, 90, 99, 100)
	want := []float64{1, 5.5, 9.1, 9.91, 10}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("percentiles %v, want %v", got, want)
			break
		}
	}
	if !s.Exact() || s.RelativeError() != 0 || s.Count() != 10 || s.Mean() != 5.5 || s.Min() != 1 || s.Max() != 10 {
		t.Errorf("exact %v, error %v, count %d, mean %v, min %v, max %v", s.Exact(), s.RelativeError(), s.Count(), s.Mean(), s.Min(), s.Max())
	}
}

func TestEmpty(t *testing.T) {
	var s Sketch
	if q := s.Quantiles(50); !math.IsNaN(q[0]) || !math.IsNaN(s.Mean()) || !math.IsNaN(s.Min()) || s.Count() != 0 {
		t.Errorf("empty sketch: p50 %v, mean %v, min %v, count %d; want NaN and 0", q[0], s.Mean(), s.Min(), s.Count())
	}
}

// exactPercentiles is the reference: sort everything.
func exactPercentiles(v []float64, ps []float64) []float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	out := make([]float64, len(ps))
	for i, p := range ps {
		out[i] = percentileSorted(v, p)
	}
	return out
}

// Past its exact limit, every percentile is within the relative error of
// the exact one (adjacent ranks of 100 000 draws differ by far less than
// 0.1 %, so interpolation adds nothing visible), for the shapes latencies
// and energies take: heavy-tailed, bimodal, with zeros and negatives.
func TestSketchWithinRelativeError(t *testing.T) {
	ps := []float64{0, 1, 10, 25, 50, 75, 90, 99, 99.9, 100}
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := map[string]func() float64{
		"lognormal ms": func() float64 { return math.Exp(rng.NormFloat64()*1.5 + 3) },
		"bimodal s":    func() float64 { return []float64{0.05, 2}[rng.IntN(2)] * (1 + 0.1*rng.Float64()) },
		"with zeros":   func() float64 { return max(0, rng.NormFloat64()) },
		"net energy ±": func() float64 { return rng.NormFloat64() * 3 },
		"pareto tail":  func() float64 { return 1 / math.Pow(rng.Float64(), 1.5) },
		"microseconds": func() float64 { return 1e-6 * (1 + rng.ExpFloat64()) },
	}
	for name, draw := range shapes {
		t.Run(name, func(t *testing.T) {
			s, err := New(1000, 0.001)
			if err != nil {
				t.Fatal(err)
			}
			vals := make([]float64, 100_000)
			for i := range vals {
				vals[i] = draw()
				s.Add(vals[i])
			}
			if s.Exact() || s.RelativeError() != 0.001 {
				t.Fatalf("exact %v, relative error %v after 100 000 values with a limit of 1000", s.Exact(), s.RelativeError())
			}
			got, want := s.Quantiles(ps...), exactPercentiles(vals, ps)
			for i, p := range ps {
				// A value rounded to 0 (below 1e-12) is off by its own size.
				if d := math.Abs(got[i] - want[i]); d > 0.001*math.Abs(want[i])+1e-12 {
					t.Errorf("p%v = %v, exact %v: off by %.3g%%", p, got[i], want[i], 100*d/math.Abs(want[i]))
				}
			}
		})
	}
}

// Merging sketches is adding their buckets: the merged sketch gives what
// one sketch of every value gives, exactly, whichever were sketched.
func TestMergeIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	one, _ := New(500, 0.001)
	parts := make([]*Sketch, 4)
	for i := range parts {
		parts[i], _ = New(500, 0.001)
	}
	// 1000, 1000, 850 and 150 values: three parts past their limit.
	for i := range 3000 {
		v := math.Exp(rng.NormFloat64())
		one.Add(v)
		parts[min(i/1000, 2)+i%2*(i/2700)].Add(v)
	}
	parts = append(parts, &Sketch{limit: 500, alpha: 0.001}) // and an empty one
	merged, _ := New(500, 0.001)
	for _, p := range parts {
		if err := merged.Merge(p); err != nil {
			t.Fatal(err)
		}
	}
	ps := []float64{1, 50, 90, 99}
	a, b := merged.Quantiles(ps...), one.Quantiles(ps...)
	if !slices.Equal(a, b) || merged.Count() != one.Count() || merged.Min() != one.Min() || merged.Max() != one.Max() {
		t.Errorf("merged %v (n %d), one sketch %v (n %d)", a, merged.Count(), b, one.Count())
	}
	other, _ := New(10, 0.01)
	other.Add(1)
	if err := merged.Merge(other); err == nil {
		t.Error("merged sketches of different relative errors")
	}
}

// Exact sketches that fit together stay exact when merged.
func TestMergeExact(t *testing.T) {
	var a, b Sketch
	for i := 1; i <= 5; i++ {
		a.Add(float64(i))
		b.Add(float64(i + 5))
	}
	if err := a.Merge(&b); err != nil {
		t.Fatal(err)
	}
	if q := a.Quantiles(50); !a.Exact() || q[0] != 5.5 {
		t.Errorf("exact %v, p50 %v; want exact, 5.5", a.Exact(), q[0])
	}
}

// Infinities are counted at the ends, never given a bucket (a dense run
// of bins up to them would take gigabytes).
func TestInfinities(t *testing.T) {
	s, _ := New(0, 0.01)
	s.Add(math.Inf(1))
	s.Add(1)
	s.Add(math.Inf(-1))
	q := s.Quantiles(0, 50, 100)
	if !math.IsInf(q[0], -1) || math.Abs(q[1]-1) > 0.01 || !math.IsInf(q[2], 1) {
		t.Errorf("percentiles %v, want -Inf, 1, +Inf", q)
	}
	if len(s.pos.bins) > 1 || len(s.neg.bins) > 0 {
		t.Errorf("%d positive and %d negative bins for one finite value", len(s.pos.bins), len(s.neg.bins))
	}
}

func TestNewRejects(t *testing.T) {
	for _, c := range []struct {
		limit int
		err   float64
	}{{-1, 0.01}, {10, 0}, {10, 1}, {10, math.NaN()}} {
		if _, err := New(c.limit, c.err); err == nil {
			t.Errorf("New(%d, %v) accepted", c.limit, c.err)
		}
	}
}

// Memory stays that of the buckets however many values come: a million
// latencies between 1 ms and 100 s span ln(1e5)/ln γ ≈ 5757 bins at
// 0.1 % on ln m, up to twice that on the stand-in the sketch cuts on
// (log2(1e5) decades of exponent, each ln γ-wide bins: 16.6/0.002 ≈
// 8300), and the store grows by doubling.
func TestMemoryBoundedByRange(t *testing.T) {
	s, _ := New(0, 0.001)
	rng := rand.New(rand.NewPCG(5, 6))
	for range 1_000_000 {
		s.Add(math.Pow(10, -3+5*rng.Float64()))
	}
	if n := cap(s.pos.bins); n > 2*8300 {
		t.Errorf("room for %d bins for values over 5 decades, want at most 2 × 8300", n)
	}
}

func BenchmarkAdd(b *testing.B) {
	s, _ := New(0, 0.001)
	rng := rand.New(rand.NewPCG(7, 8))
	vals := make([]float64, 4096)
	for i := range vals {
		vals[i] = math.Exp(rng.NormFloat64())
	}
	b.ResetTimer()
	for i := range b.N {
		s.Add(vals[i&4095])
	}
}

// Every bucket's estimate is within α of every value the bucket holds:
// checked at the bounds of the buckets over 30 decades, where the error
// is largest.
func TestBucketBounds(t *testing.T) {
	for _, alpha := range []float64{0.001, 0.01, 0.05} {
		s, _ := New(0, alpha)
		for x := 1e-12; x < 1e18; x *= 1.0007 {
			for _, v := range []float64{x, math.Nextafter(x, 0), math.Nextafter(x, math.Inf(1))} {
				est := s.value(s.index(v))
				if math.Abs(est-v) > alpha*v*(1+1e-12) {
					t.Fatalf("α %g: %v falls in bucket %d, estimated %v: off by %.4g%%", alpha, v, s.index(v), est, 100*math.Abs(est-v)/v)
				}
			}
		}
	}
}

// Nearest rank, exact: of 0.25, 0.5, 1, 2 the 50th percentile is the 2nd
// value, the 90th and 99th the 4th; sketched, within the error.
func TestNearestRank(t *testing.T) {
	var s Sketch
	for _, v := range []float64{2, 0.25, 1, 0.5} {
		s.Add(v)
	}
	if a, b, c, z := s.NearestRank(50), s.NearestRank(90), s.NearestRank(99), s.NearestRank(0); a != 0.5 || b != 2 || c != 2 || z != 0.25 {
		t.Errorf("nearest rank p50 %v p90 %v p99 %v p0 %v; want 0.5, 2, 2, 0.25", a, b, c, z)
	}
	sk, _ := New(0, 0.001)
	for i := 1; i <= 1000; i++ {
		sk.Add(float64(i))
	}
	if got := sk.NearestRank(99); math.Abs(got-990) > 0.99 {
		t.Errorf("sketched nearest-rank p99 of 1..1000 = %v, want 990 ± 0.1 %%", got)
	}
}
