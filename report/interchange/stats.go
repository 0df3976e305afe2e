package interchange

import (
	"math"
	"slices"
)

// stats describes a list of values the way NumPy does in both source
// projects: np.mean, np.std (population, ddof=0) and np.percentile with
// linear interpolation between closest ranks (also what aienergy's own
// percentiles use, so the figures agree with summary.json).
type stats struct {
	n                  int
	sum, mean, std     float64
	p50, p90, p95, p99 float64
	sorted             []float64
}

func describe(values []float64) stats { return describeInPlace(slices.Clone(values)) }

// describeInPlace is describe that sorts values itself instead of a copy:
// for a list of millions (a run's inter-token gaps) that only the
// statistics need. The sums are taken in the order given, before the
// sort, so that the figures are describe's to the last bit.
func describeInPlace(values []float64) stats {
	s := stats{n: len(values)}
	if s.n == 0 {
		return s
	}
	for _, v := range values {
		s.sum += v
	}
	s.mean = s.sum / float64(s.n)
	ss := 0.0
	for _, v := range values {
		ss += (v - s.mean) * (v - s.mean)
	}
	s.std = math.Sqrt(ss / float64(s.n))
	s.sorted = values
	slices.Sort(s.sorted)
	s.p50, s.p90, s.p95, s.p99 = s.percentile(50), s.percentile(90), s.percentile(95), s.percentile(99)
	return s
}

// percentile is numpy.percentile(values, p) for non-empty values.
func (s stats) percentile(p float64) float64 {
	v := s.sorted
	rank := p / 100 * float64(len(v)-1)
	lo := int(math.Floor(rank))
	if lo >= len(v)-1 {
		return v[len(v)-1]
	}
	return v[lo] + (v[lo+1]-v[lo])*(rank-float64(lo))
}

// ptr returns a pointer to v, or nil when v is not a finite number, so
// that JSON shows null rather than failing or inventing a value.
func ptr(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
