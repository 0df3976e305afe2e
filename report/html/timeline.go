package html

import (
	"cmp"
	"math"
	"slices"

	"github.com/aienergy/aienergy/trace"
)

// inFlight is the number of requests in flight over time, every request
// counted (warmup and measured, failed or not: a failing request still
// held a slot), as a step line: each point holds until the next.
func inFlight(reqs []trace.Request) line {
	type event struct {
		t     float64
		delta int
	}
	ev := make([]event, 0, 2*len(reqs))
	for _, r := range reqs {
		ev = append(ev, event{r.Start, +1}, event{r.End, -1})
	}
	// Events at one instant are applied together, so a request that ends
	// as the next begins is never drawn as two in flight, nor as none.
	slices.SortFunc(ev, func(a, b event) int { return cmp.Compare(a.t, b.t) })
	var l line
	n := 0
	for i, e := range ev {
		n += e.delta
		if i+1 < len(ev) && ev[i+1].t == e.t {
			continue
		}
		if k := len(l.V); k > 0 && l.V[k-1] == float64(n) {
			continue // one request ending as the next starts: no change
		}
		l.T, l.V = append(l.T, e.t), append(l.V, float64(n))
	}
	if len(l.T) > 0 && l.T[0] > 0 {
		l.T, l.V = append([]float64{0}, l.T...), append([]float64{0}, l.V...)
	}
	return l
}

// maxThroughputBins bounds the throughput chart to bars a reader can tell
// apart.
const maxThroughputBins = 300

// binWidth picks a round bin width (1, 2, 5 × 10^k s, at least 1 s) that
// splits span into at most maxThroughputBins bins.
func binWidth(span float64) float64 {
	w := 1.0
	for k := 0; span/w > maxThroughputBins; k++ {
		w = []float64{1, 2, 5}[k%3] * math.Pow(10, float64(k/3))
	}
	return w
}

// throughput bins the successful requests by the time they ended:
// completed requests and output tokens per second, over [0, end]. Each
// point is a bin's start and holds to the next.
func throughput(reqs []trace.Request, end float64) (width float64, rps, tps line) {
	width = binWidth(end)
	n := max(1, int(math.Ceil(end/width)))
	count, tokens := make([]float64, n), make([]float64, n)
	for _, r := range reqs {
		if !r.OK() {
			continue
		}
		i := min(n-1, max(0, int(r.End/width)))
		count[i]++
		tokens[i] += float64(r.OutputTokens)
	}
	for i := range n {
		t := float64(i) * width
		rps.T, rps.V = append(rps.T, t), append(rps.V, count[i]/width)
		tps.T, tps.V = append(tps.T, t), append(tps.V, tokens[i]/width)
	}
	// A last point at the end closes the final step.
	last := float64(n) * width
	rps.T, rps.V = append(rps.T, last), append(rps.V, rps.V[n-1])
	tps.T, tps.V = append(tps.T, last), append(tps.V, tps.V[n-1])
	return width, rps, tps
}

// runEnd is the last time anything in the run happened.
func runEnd(samples []trace.Sample, reqs []trace.Request, phases []trace.Phase) float64 {
	end := 0.0
	for _, p := range phases {
		end = max(end, p.End)
	}
	for _, r := range reqs {
		end = max(end, r.End)
	}
	if n := len(samples); n > 0 {
		end = max(end, samples[n-1].T)
	}
	return end
}
