package analysis

import (
	"encoding/json"
	"math"
	"slices"

	"github.com/aienergy/aienergy/quantile"
)

// A Distribution summarises a set of values. Percentiles interpolate
// linearly between the closest ranks — numpy.percentile's default
// ("linear"): the p-th percentile of n sorted values sits at rank
// p/100 × (n−1), between the values at the ranks either side.
type Distribution struct {
	Count int
	Mean  float64
	P50   float64
	P90   float64
	P99   float64
	Min   float64
	Max   float64
	// QuantileRelError bounds how far P50, P90 and P99 may be from the
	// exact percentiles, as a fraction of them: 0 when every value was
	// kept and sorted; past quantile.DefaultExactLimit values, a sketch's
	// (0.001). Count, Mean, Min and Max are always exact.
	QuantileRelError float64
}

// Summarize describes values; it does not modify them.
func Summarize(values []float64) Distribution { return summarizeInPlace(slices.Clone(values)) }

// summarizeInPlace is Summarize that sorts v itself instead of a copy: for
// a list made only to be described (a run's pooled inter-token gaps,
// millions long).
func summarizeInPlace(v []float64) Distribution {
	if len(v) == 0 {
		return Distribution{}
	}
	slices.Sort(v)
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	return Distribution{
		Count: len(v),
		Mean:  sum / float64(len(v)),
		P50:   percentileSorted(v, 50),
		P90:   percentileSorted(v, 90),
		P99:   percentileSorted(v, 99),
		Min:   v[0],
		Max:   v[len(v)-1],
	}
}

// distributionOf describes the values added to s: exact while s holds
// them all, else with percentiles within s.RelativeError().
func distributionOf(s *quantile.Sketch) Distribution {
	if s.Count() == 0 {
		return Distribution{}
	}
	q := s.Quantiles(50, 90, 99)
	return Distribution{
		Count: s.Count(),
		Mean:  s.Mean(),
		P50:   q[0],
		P90:   q[1],
		P99:   q[2],
		Min:   s.Min(),
		Max:   s.Max(),

		QuantileRelError: s.RelativeError(),
	}
}

// percentileSorted is numpy's linear percentile of sorted, non-empty v.
func percentileSorted(v []float64, p float64) float64 {
	rank := p / 100 * float64(len(v)-1)
	lo := int(math.Floor(rank))
	if lo >= len(v)-1 {
		return v[len(v)-1]
	}
	return v[lo] + (v[lo+1]-v[lo])*(rank-float64(lo))
}

// MarshalJSON writes an empty distribution's statistics as null, so that
// "no values" never reads as a measured zero; quantile_rel_error is left
// out of an empty one (no percentile to qualify).
func (d Distribution) MarshalJSON() ([]byte, error) {
	type figures struct {
		Count    int      `json:"count"`
		Mean     *float64 `json:"mean"`
		P50      *float64 `json:"p50"`
		P90      *float64 `json:"p90"`
		P99      *float64 `json:"p99"`
		Min      *float64 `json:"min"`
		Max      *float64 `json:"max"`
		RelError *float64 `json:"quantile_rel_error,omitempty"`
	}
	f := figures{Count: d.Count}
	if d.Count > 0 {
		f.Mean, f.P50, f.P90, f.P99, f.Min, f.Max = &d.Mean, &d.P50, &d.P90, &d.P99, &d.Min, &d.Max
		f.RelError = &d.QuantileRelError
	}
	return json.Marshal(f)
}

// UnmarshalJSON reads what MarshalJSON writes, so a summary can be
// loaded back for comparison.
func (d *Distribution) UnmarshalJSON(b []byte) error {
	var f struct {
		Count                         int
		Mean, P50, P90, P99, Min, Max *float64
		RelError                      *float64 `json:"quantile_rel_error"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*d = Distribution{Count: f.Count}
	for _, p := range []struct {
		dst *float64
		src *float64
	}{{&d.Mean, f.Mean}, {&d.P50, f.P50}, {&d.P90, f.P90}, {&d.P99, f.P99}, {&d.Min, f.Min}, {&d.Max, f.Max}, {&d.QuantileRelError, f.RelError}} {
		if p.src != nil {
			*p.dst = *p.src
		}
	}
	return nil
}
