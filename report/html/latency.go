package html

import (
	"math"
	"slices"

	"github.com/aienergy/aienergy/quantile"
	"github.com/aienergy/aienergy/trace"
)

// maxCDFPoints bounds a drawn distribution; more points than pixels add
// nothing.
const maxCDFPoints = 1000

// exactCDFValues is how many values a distribution keeps to draw exactly;
// past them it draws from a quantile sketch, within its relative error
// (0.1 %) — far below a pixel — in memory that does not grow with the
// values: a day of streamed tokens is billions of gaps.
const exactCDFValues = 1 << 14

// A distribution collects values to draw their cumulative distribution.
type distribution struct {
	exact []float64        // every value, until there are exactCDFValues
	q     *quantile.Sketch // then a sketch of them all
}

func (d *distribution) add(v float64) {
	if d.q == nil {
		if len(d.exact) < exactCDFValues {
			d.exact = append(d.exact, v)
			return
		}
		d.q, _ = quantile.New(0, quantile.DefaultRelativeError) // valid arguments
		for _, x := range d.exact {
			d.q.Add(x)
		}
		d.exact = nil
	}
	d.q.Add(v)
}

func (d *distribution) count() int {
	if d.q != nil {
		return d.q.Count()
	}
	return len(d.exact)
}

// line is the distribution as cdf draws it: from the values themselves
// while they are held, else the same ranks read from the sketch.
func (d *distribution) line() line {
	if d.q == nil {
		return cdf(d.exact)
	}
	n := d.q.Count()
	step := int(math.Ceil(float64(n) / maxCDFPoints))
	var ranks, ps []float64
	for i := 0; i < n; i += step {
		ranks = append(ranks, float64(i))
		ps = append(ps, 100*float64(i)/float64(n-1))
	}
	l := line{T: d.q.Quantiles(ps...), V: make([]float64, 0, len(ranks)+1)}
	for _, r := range ranks {
		l.V = append(l.V, (r+1)/float64(n))
	}
	if l.V[len(l.V)-1] != 1 {
		l.T, l.V = append(l.T, d.q.Max()), append(l.V, 1)
	}
	return l
}

// latencyDists are one model's distributions of time to first token,
// inter-chunk gaps and end-to-end time, in ms, over its successful
// measured requests: what the analysis summarises.
type latencyDists struct{ ttft, itl, e2e distribution }

// add counts r if it is one of them.
func (l *latencyDists) add(r trace.Request) {
	if r.Phase != trace.PhaseMeasured || !r.OK() {
		return
	}
	const ms = 1000
	l.e2e.add((r.End - r.Start) * ms)
	if !math.IsNaN(r.FirstToken) {
		l.ttft.add((r.FirstToken - r.Start) * ms)
	}
	for j := 1; j < len(r.Chunks); j++ {
		l.itl.add((r.Chunks[j] - r.Chunks[j-1]) * ms)
	}
}

// latencyCharts draws the distributions of time to first token,
// inter-chunk gaps and end-to-end time, one series per model, in the
// order of models.
func latencyCharts(dists map[string]*latencyDists, models []string) []*chart {
	const what = ": cumulative distribution, measured phase, successful requests"
	ttftC := &chart{ID: "ttft", Title: "Time to first token" + what, XLabel: "ms", YLabel: "fraction of requests"}
	itlC := &chart{ID: "itl", Title: "Inter-token latency (gaps between streamed chunks)" + what, XLabel: "ms", YLabel: "fraction of gaps"}
	e2eC := &chart{ID: "e2e", Title: "End-to-end latency" + what, XLabel: "ms", YLabel: "fraction of requests"}
	for _, model := range models {
		d := dists[model]
		if d == nil {
			continue
		}
		for _, c := range []struct {
			chart *chart
			dist  *distribution
		}{{ttftC, &d.ttft}, {itlC, &d.itl}, {e2eC, &d.e2e}} {
			if n := c.dist.count(); n > 0 {
				l := c.dist.line()
				c.chart.Series = append(c.chart.Series, &series{Label: model, Scale: "y", Step: 1, T: nums(l.T), V: nums(l.V), Points: n})
			}
		}
	}
	return []*chart{ttftC, itlC, e2eC}
}

// cdf is the empirical distribution of values as a line: x the value, y
// the fraction of values at or below it. Beyond maxCDFPoints it keeps
// evenly spaced ranks, always the smallest and the largest. It sorts
// values in place.
func cdf(values []float64) line {
	slices.Sort(values)
	n := len(values)
	step := 1
	if n > maxCDFPoints {
		step = int(math.Ceil(float64(n) / maxCDFPoints))
	}
	points := (n + step - 1) / step
	l := line{T: make([]float64, 0, points+1), V: make([]float64, 0, points+1)}
	for i := 0; i < n; i += step {
		l.T, l.V = append(l.T, values[i]), append(l.V, float64(i+1)/float64(n))
	}
	if n > 0 && l.V[len(l.V)-1] != 1 {
		l.T, l.V = append(l.T, values[n-1]), append(l.V, 1)
	}
	return l
}
