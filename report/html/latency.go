package html

import (
	"math"
	"slices"

	"github.com/aienergy/aienergy/analysis"
)

// maxCDFPoints bounds a drawn distribution; more points than pixels add
// nothing.
const maxCDFPoints = 1000

// latencies collects, in milliseconds, what the analysis summarises for
// one model: its successful measured requests' time to first token,
// pooled inter-chunk gaps and end-to-end times.
func latencies(reqs []analysis.Request, model string) (ttft, itl, e2e []float64) {
	const ms = 1000
	for _, r := range reqs {
		if r.Model != model || r.Phase != analysis.PhaseMeasured || !r.OK() {
			continue
		}
		e2e = append(e2e, (r.End-r.Start)*ms)
		if !math.IsNaN(r.FirstToken) {
			ttft = append(ttft, (r.FirstToken-r.Start)*ms)
		}
		for i := 1; i < len(r.Chunks); i++ {
			itl = append(itl, (r.Chunks[i]-r.Chunks[i-1])*ms)
		}
	}
	return ttft, itl, e2e
}

// cdf is the empirical distribution of values as a line: x the value, y
// the fraction of values at or below it. Beyond maxCDFPoints it keeps
// evenly spaced ranks, always the smallest and the largest.
func cdf(values []float64) line {
	v := slices.Clone(values)
	slices.Sort(v)
	n := len(v)
	var l line
	step := 1
	if n > maxCDFPoints {
		step = int(math.Ceil(float64(n) / maxCDFPoints))
	}
	for i := 0; i < n; i += step {
		l.T, l.V = append(l.T, v[i]), append(l.V, float64(i+1)/float64(n))
	}
	if n > 0 && l.V[len(l.V)-1] != 1 {
		l.T, l.V = append(l.T, v[n-1]), append(l.V, 1)
	}
	return l
}
