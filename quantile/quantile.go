// Package quantile summarises a stream of values — latencies, per-request
// energies — in memory that does not grow with the stream. A day-long run
// at 200 req/s has 17 million end-to-end latencies and hundreds of
// millions of inter-token gaps: too many to keep and sort.
//
// A Sketch keeps every value while there are at most its exact limit of
// them, and its percentiles are then numpy's linear ones, exactly. Past
// the limit it turns into a relative-error sketch (DDSketch: Masson, Rim
// and Lee, VLDB 2019): values fall into logarithmic buckets whose bounds
// grow by a factor γ = (1+α)/(1−α), and a percentile is read from the
// bucket that holds its rank, within α of the value at that rank. Count,
// sum, mean, min and max stay exact. Sketches with the same α merge
// exactly: merging is adding bucket counts, so shards and models combine
// without losing anything more.
package quantile

import (
	"fmt"
	"math"
	"slices"
)

// Defaults: 2 MiB of exact values per sketch; past them, percentiles
// within 0.1 % (about 10 000 buckets, 80 KiB, span 1 ns to 1 day).
const (
	DefaultExactLimit    = 1 << 18
	DefaultRelativeError = 0.001
)

// A Sketch summarises the values added to it. The zero value is ready to
// use with the defaults.
type Sketch struct {
	limit int     // 0: DefaultExactLimit
	alpha float64 // 0: DefaultRelativeError

	exact    []float64 // every value, while sketched is false
	sketched bool

	gamma, logGamma float64
	pos, neg        store  // buckets of positive values and of |negative| ones
	zeros           uint64 // values too close to 0 for a bucket
	posInf, negInf  uint64

	count    int
	sum      float64
	min, max float64
}

// New returns a sketch that keeps up to exactLimit values exactly and
// then gives percentiles within relativeError (0 < relativeError < 1).
// exactLimit 0 sketches from the first value.
func New(exactLimit int, relativeError float64) (*Sketch, error) {
	if exactLimit < 0 || !(relativeError > 0 && relativeError < 1) {
		return nil, fmt.Errorf("quantile: exact limit %d and relative error %g: want a limit of 0 or more and an error in (0, 1)", exactLimit, relativeError)
	}
	s := &Sketch{limit: exactLimit, alpha: relativeError}
	if exactLimit == 0 {
		s.toBuckets()
	}
	return s, nil
}

// minIndexable is the smallest magnitude given a bucket: anything closer
// to zero counts as zero (a latency of 1e-12 s is below any clock's
// resolution).
const minIndexable = 1e-12

func (s *Sketch) exactLimit() int {
	if s.limit == 0 && s.alpha == 0 {
		return DefaultExactLimit
	}
	return s.limit
}

func (s *Sketch) relErr() float64 {
	if s.alpha == 0 {
		return DefaultRelativeError
	}
	return s.alpha
}

// Add counts v. NaN is ignored: no value is not a value.
func (s *Sketch) Add(v float64) {
	if math.IsNaN(v) {
		return
	}
	if s.count == 0 {
		s.min, s.max = v, v
	} else {
		s.min, s.max = min(s.min, v), max(s.max, v)
	}
	s.count++
	s.sum += v
	if !s.sketched {
		if len(s.exact) < s.exactLimit() {
			s.exact = append(s.exact, v)
			return
		}
		s.toBuckets()
	}
	s.addBucket(v, 1)
}

// toBuckets turns an exact sketch into buckets, once.
func (s *Sketch) toBuckets() {
	if s.sketched {
		return
	}
	a := s.relErr()
	s.gamma = (1 + a) / (1 - a)
	s.logGamma = math.Log(s.gamma)
	s.sketched = true
	for _, v := range s.exact {
		s.addBucket(v, 1)
	}
	s.exact = nil
}

func (s *Sketch) addBucket(v float64, n uint64) {
	switch {
	case math.IsInf(v, 1):
		s.posInf += n
	case math.IsInf(v, -1):
		s.negInf += n
	case math.Abs(v) < minIndexable:
		s.zeros += n
	case v > 0:
		s.pos.add(s.index(v), n)
	default:
		s.neg.add(s.index(-v), n)
	}
}

// Buckets are cut not on ln m but on a piecewise-linear stand-in for
// log2 m read off the float's bits — its exponent plus its mantissa less
// one, DDSketch's "linearly interpolated mapping" — which costs a few
// nanoseconds where math.Log costs twenty, for hundreds of millions of
// inter-token gaps. The stand-in grows between 1 and 2 times as fast as
// ln m, so buckets ln γ wide in it are at most ln γ wide in ln m: every
// bucket's bounds are within γ of each other, which is all the error
// bound needs (at the price of up to twice as many buckets).

// approxLog2 is the stand-in for log2 m, m finite and positive.
func approxLog2(m float64) float64 {
	b := math.Float64bits(m)
	exp := int((b>>52)&0x7ff) - 1023
	mant := math.Float64frombits(b&(1<<52-1) | 1023<<52) // in [1, 2)
	return float64(exp) + mant - 1
}

// exp2Approx inverts approxLog2.
func exp2Approx(y float64) float64 {
	e := math.Floor(y)
	return math.Ldexp(1+(y-e), int(e))
}

// index is the bucket of finite magnitude m: bucket i holds the m whose
// approxLog2 lies in ((i−1)·ln γ, i·ln γ].
func (s *Sketch) index(m float64) int {
	return int(math.Ceil(approxLog2(m) / s.logGamma))
}

// value is the estimate of bucket i: the harmonic mean of its bounds lo
// and hi, within (hi−lo)/(hi+lo) ≤ (γ−1)/(γ+1) = α of any value in it.
func (s *Sketch) value(i int) float64 {
	lo, hi := exp2Approx(float64(i-1)*s.logGamma), exp2Approx(float64(i)*s.logGamma)
	return 2 * lo * hi / (lo + hi)
}

// Merge adds o's values to s. Sketches of different relative errors do
// not merge (their buckets differ).
func (s *Sketch) Merge(o *Sketch) error {
	if o == nil || o.count == 0 {
		return nil
	}
	if s.relErr() != o.relErr() {
		return fmt.Errorf("quantile: cannot merge a sketch of relative error %g into one of %g", o.relErr(), s.relErr())
	}
	if !o.sketched && !s.sketched && len(s.exact)+len(o.exact) <= s.exactLimit() {
		s.exact = append(s.exact, o.exact...)
	} else {
		s.toBuckets()
		for _, v := range o.exact {
			s.addBucket(v, 1)
		}
		s.pos.merge(&o.pos)
		s.neg.merge(&o.neg)
		s.zeros += o.zeros
		s.posInf += o.posInf
		s.negInf += o.negInf
	}
	if s.count == 0 {
		s.min, s.max = o.min, o.max
	} else {
		s.min, s.max = min(s.min, o.min), max(s.max, o.max)
	}
	s.count += o.count
	s.sum += o.sum
	return nil
}

// Count is the number of values added.
func (s *Sketch) Count() int { return s.count }

// Sum is their sum.
func (s *Sketch) Sum() float64 { return s.sum }

// Mean is their mean; NaN without values.
func (s *Sketch) Mean() float64 {
	if s.count == 0 {
		return math.NaN()
	}
	return s.sum / float64(s.count)
}

// Min is the smallest value; NaN without values.
func (s *Sketch) Min() float64 {
	if s.count == 0 {
		return math.NaN()
	}
	return s.min
}

// Max is the largest value; NaN without values.
func (s *Sketch) Max() float64 {
	if s.count == 0 {
		return math.NaN()
	}
	return s.max
}

// Exact reports whether percentiles are exact: every value is held.
func (s *Sketch) Exact() bool { return !s.sketched }

// RelativeError is how far a percentile may be from the value at its
// rank, as a fraction of that value: 0 while exact.
func (s *Sketch) RelativeError() float64 {
	if !s.sketched {
		return 0
	}
	return s.relErr()
}

// Quantiles gives the p-th percentiles (0–100) of the values, numpy's
// linear interpolation between the closest ranks: exact while the sketch
// is, else with the values at those ranks estimated within
// RelativeError. NaN without values. One sort serves every p.
func (s *Sketch) Quantiles(ps ...float64) []float64 {
	out := make([]float64, len(ps))
	if s.count == 0 {
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	if !s.sketched {
		slices.Sort(s.exact) // kept sorted: a later Add appends, a later call sorts again cheaply
		for i, p := range ps {
			out[i] = percentileSorted(s.exact, p)
		}
		return out
	}
	for i, p := range ps {
		rank := p / 100 * float64(s.count-1)
		lo := math.Floor(rank)
		a := s.atRank(uint64(lo))
		if frac := rank - lo; frac > 0 {
			b := s.atRank(uint64(lo) + 1)
			a += (b - a) * frac
		}
		out[i] = min(max(a, s.min), s.max)
	}
	return out
}

// NearestRank gives the p-th percentile (0–100) by the nearest-rank
// method: the smallest value with at least p % of the values at or below
// it, the ⌈p/100·n⌉-th; exact while the sketch is, else within
// RelativeError of it. NaN without values.
func (s *Sketch) NearestRank(p float64) float64 {
	if s.count == 0 {
		return math.NaN()
	}
	r := max(int(math.Ceil(p/100*float64(s.count)))-1, 0)
	r = min(r, s.count-1)
	if !s.sketched {
		slices.Sort(s.exact)
		return s.exact[r]
	}
	return min(max(s.atRank(uint64(r)), s.min), s.max)
}

// atRank estimates the value of 0-based rank r: negatives from the most
// negative, zeros, then positives.
func (s *Sketch) atRank(r uint64) float64 {
	if r < s.negInf {
		return math.Inf(-1)
	}
	r -= s.negInf
	if n := s.neg.total(); r < n {
		// The negative store counts magnitudes; rank r from the bottom is
		// rank n−1−r of the magnitudes from the smallest.
		return -s.value(s.neg.indexOfRank(n - 1 - r))
	} else {
		r -= n
	}
	if r < s.zeros {
		return 0
	}
	r -= s.zeros
	if r >= s.pos.total() {
		return math.Inf(1)
	}
	return s.value(s.pos.indexOfRank(r))
}

// percentileSorted is numpy's linear percentile of sorted, non-empty v.
func percentileSorted(v []float64, p float64) float64 {
	rank := p / 100 * float64(len(v)-1)
	lo := int(math.Floor(rank))
	if lo >= len(v)-1 {
		return v[len(v)-1]
	}
	if lo < 0 {
		return v[0]
	}
	return v[lo] + (v[lo+1]-v[lo])*(rank-float64(lo))
}
