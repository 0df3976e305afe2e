package html

import (
	"math"
	"slices"

	"github.com/aienergy/aienergy/trace"
)

// maxCDFPoints bounds a drawn distribution; more points than pixels add
// nothing.
const maxCDFPoints = 1000

// latencyCharts draws the distributions of time to first token,
// inter-chunk gaps and end-to-end time, one series per model. A model's
// pooled gaps are the one cost here that grows with the streams (one
// float64 per gap), so they are collected once per model, into a slice
// of exactly their size, sorted in place, and dropped before the next
// model's.
func latencyCharts(reqs []trace.Request, models []string) []*chart {
	const what = ": cumulative distribution, measured phase, successful requests"
	ttftC := &chart{ID: "ttft", Title: "Time to first token" + what, XLabel: "ms", YLabel: "fraction of requests"}
	itlC := &chart{ID: "itl", Title: "Inter-token latency (gaps between streamed chunks)" + what, XLabel: "ms", YLabel: "fraction of gaps"}
	e2eC := &chart{ID: "e2e", Title: "End-to-end latency" + what, XLabel: "ms", YLabel: "fraction of requests"}
	for _, model := range models {
		ttft, itl, e2e := latencies(reqs, model)
		for _, c := range []struct {
			chart  *chart
			values []float64
		}{{ttftC, ttft}, {itlC, itl}, {e2eC, e2e}} {
			if len(c.values) > 0 {
				c.chart.Series = append(c.chart.Series, newSeries(model, "y", 1, line{T: c.values}, cdf(c.values)))
			}
		}
	}
	return []*chart{ttftC, itlC, e2eC}
}

// latencies collects, in milliseconds, what the analysis summarises for
// one model: its successful measured requests' time to first token,
// pooled inter-chunk gaps and end-to-end times. A first pass counts them
// so that each slice is allocated once at its final size: with long
// streams, growing the gaps by append would allocate about twice what
// they hold.
func latencies(reqs []trace.Request, model string) (ttft, itl, e2e []float64) {
	counted := func(r *trace.Request) bool {
		return r.Model == model && r.Phase == trace.PhaseMeasured && r.OK()
	}
	var nTTFT, nGaps, nE2E int
	for i := range reqs {
		r := &reqs[i]
		if !counted(r) {
			continue
		}
		nE2E++
		if !math.IsNaN(r.FirstToken) {
			nTTFT++
		}
		nGaps += max(len(r.Chunks)-1, 0)
	}
	if nE2E == 0 {
		return nil, nil, nil
	}
	ttft, itl, e2e = make([]float64, 0, nTTFT), make([]float64, 0, nGaps), make([]float64, 0, nE2E)
	const ms = 1000
	for i := range reqs {
		r := &reqs[i]
		if !counted(r) {
			continue
		}
		e2e = append(e2e, (r.End-r.Start)*ms)
		if !math.IsNaN(r.FirstToken) {
			ttft = append(ttft, (r.FirstToken-r.Start)*ms)
		}
		for j := 1; j < len(r.Chunks); j++ {
			itl = append(itl, (r.Chunks[j]-r.Chunks[j-1])*ms)
		}
	}
	return ttft, itl, e2e
}

// cdf is the empirical distribution of values as a line: x the value, y
// the fraction of values at or below it. Beyond maxCDFPoints it keeps
// evenly spaced ranks, always the smallest and the largest. It sorts
// values in place: a copy would double the cost of the largest slice the
// report holds.
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
