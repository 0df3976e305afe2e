package interchange

import (
	"math"

	"github.com/aienergy/aienergy/quantile"
)

// A metric describes a stream of values the way NumPy does in both source
// projects: np.mean, np.std (population, ddof=0) and np.percentile with
// linear interpolation between closest ranks (also what aienergy's own
// percentiles use, so the figures agree with summary.json). It holds a
// quantile.Sketch, not the values: the percentiles are exact up to the
// sketch's exact limit (every run a test or a person reads by hand) and
// within its relative error past it; count, sum, mean and spread are
// always exact.
//
// The spread takes two passes, as np.std does: add every value, then
// addDeviation every value again, once the mean is known. The sums are
// taken in the order given, so the figures are NumPy's to the last bit.
type metric struct {
	limit int              // values held exactly; 0: sketchExactLimit
	q     *quantile.Sketch // made at first use
	ss    float64          // Σ (v − mean)², from the second pass
}

// sketchExactLimit is how many values a metric's sketch holds exactly at
// most; tests lower it to sketch a run they can afford to make.
var sketchExactLimit = quantile.DefaultExactLimit

// exactBudget bounds the values all the metrics of a run's labels hold
// exactly at once (16 MiB), when their figures are made together: each
// metric's share, at least 4096 values, is its exact limit.
const exactBudget = 1 << 21

// exactLimitFor is the exact limit of each of n metrics made together.
func exactLimitFor(n int) int {
	return min(sketchExactLimit, max(1<<12, exactBudget/max(n, 1)))
}

func (m *metric) sketch() *quantile.Sketch {
	if m.q == nil {
		limit := m.limit
		if limit == 0 {
			limit = sketchExactLimit
		}
		m.q, _ = quantile.New(limit, quantile.DefaultRelativeError) // valid arguments
	}
	return m.q
}

func (m *metric) add(v float64) { m.sketch().Add(v) }

// addDeviation counts v's squared distance from the mean of the values
// added: the second pass.
func (m *metric) addDeviation(v float64) {
	if math.IsNaN(v) {
		return // as add ignores it
	}
	d := v - m.sketch().Mean()
	m.ss += d * d
}

func (m *metric) count() int      { return m.sketch().Count() }
func (m *metric) sum() float64    { return m.sketch().Sum() }
func (m *metric) mean() float64   { return m.sketch().Mean() }
func (m *metric) relErr() float64 { return m.sketch().RelativeError() }

// std is the population standard deviation; NaN without values.
func (m *metric) std() float64 {
	if m.count() == 0 {
		return math.NaN()
	}
	return math.Sqrt(m.ss / float64(m.count()))
}

// percentiles are np.percentile(values, ps) (within relErr once
// sketched); NaN without values.
func (m *metric) percentiles(ps ...float64) []float64 { return m.sketch().Quantiles(ps...) }

// relativeError is the largest relative error of the percentiles of ms:
// 0 while every one is exact.
func relativeError(ms ...*metric) float64 {
	e := 0.0
	for _, m := range ms {
		e = max(e, m.relErr())
	}
	return e
}

// ptr returns a pointer to v, or nil when v is not a finite number, so
// that JSON shows null rather than failing or inventing a value.
func ptr(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
