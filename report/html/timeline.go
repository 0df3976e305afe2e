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
// completed requests and output tokens per second, over [0, end]. Bins
// never straddle a phase edge, so that no bin mixes a measured phase with
// the idle one beside it: the run is cut at every phase's start and end,
// and each stretch between cuts is split into equal bins of about width
// seconds. Cuts closer than a quarter bin are merged, so a few
// milliseconds between two phases make no sliver of a bin whose rate
// would be a spike. Each point is a bin's start and holds to the next.
func throughput(reqs []trace.Request, phases []trace.Phase, end float64) (width float64, rps, tps line) {
	width = binWidth(end)
	starts := binStarts(phases, end, width)
	n := len(starts)
	count, tokens := make([]float64, n), make([]float64, n)
	for _, r := range reqs {
		if !r.OK() {
			continue
		}
		// The last bin starting at or before the request's end.
		i, found := slices.BinarySearch(starts, r.End)
		if !found {
			i--
		}
		i = min(n-1, max(0, i))
		count[i]++
		tokens[i] += float64(r.OutputTokens)
	}
	for i, t := range starts {
		w := binEnd(starts, i, end) - t
		if w <= 0 {
			w = width // a run that ended as it began: one bin, of no length
		}
		rps.T, rps.V = append(rps.T, t), append(rps.V, count[i]/w)
		tps.T, tps.V = append(tps.T, t), append(tps.V, tokens[i]/w)
	}
	// A last point at the end closes the final step.
	last := binEnd(starts, n-1, end)
	rps.T, rps.V = append(rps.T, last), append(rps.V, rps.V[n-1])
	tps.T, tps.V = append(tps.T, last), append(tps.V, tps.V[n-1])
	return width, rps, tps
}

// binStarts cuts [0, end] at the phase edges and splits each stretch
// into bins of about width; it returns the bins' starts, in order.
func binStarts(phases []trace.Phase, end, width float64) []float64 {
	cuts := []float64{0, end}
	for _, p := range phases {
		cuts = append(cuts, p.Start, p.End)
	}
	slices.Sort(cuts)
	merged := []float64{0}
	for _, c := range cuts {
		if c > merged[len(merged)-1]+width/4 && c < end-width/4 {
			merged = append(merged, c)
		}
	}
	merged = append(merged, end)
	var starts []float64
	for i := 1; i < len(merged); i++ {
		a, b := merged[i-1], merged[i]
		k := max(1, int(math.Round((b-a)/width)))
		for j := range k {
			starts = append(starts, a+float64(j)*(b-a)/float64(k))
		}
	}
	return starts
}

// binEnd is where bin i ends: the next bin's start, or end.
func binEnd(starts []float64, i int, end float64) float64 {
	if i+1 < len(starts) {
		return starts[i+1]
	}
	return max(end, starts[i])
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
