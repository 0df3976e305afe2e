package html

import (
	"math"
	"slices"

	"github.com/aienergy/aienergy/trace"
)

// The requests in flight over time, every request counted (warmup and
// measured, failed or not: a failing request still held a slot), are a
// step line made by a sweep over the requests' [start, end) intervals in
// time order. requests.csv holds requests in the order they completed, so
// their ends come nearly sorted and their starts at most the longest
// request's duration earlier: the first pass over the requests measures
// how far out of order the ends are and the longest duration
// (trace.OrderBounds), and the sweep in the second holds only the events a
// later request could still precede — those of the last (longest + lag)
// seconds, bounded by the load and the request timeout, not by the length
// of the run. The line goes to the display's reducer point by point.
//
// (report/interchange sweeps the same way for vLLM's
// max_concurrent_requests: trace.Sweep.)

// inFlight is the step line of the requests in flight, each point
// holding until the next, given to out point by point: a sweep over the
// requests given to add, in the order bounds measured. Events at one
// instant are applied together, so a request that ends as the next
// begins is never drawn as two in flight, nor as none; the line starts
// at 0 requests at time 0.
type inFlight struct {
	sw    trace.Sweep
	out   *minMax
	last  float64
	drawn bool
}

func newInFlight(bounds trace.OrderBounds, out *minMax) *inFlight {
	f := &inFlight{out: out}
	f.sw = trace.Sweep{Window: bounds.Window(), At: f.at}
	return f
}

func (f *inFlight) add(r trace.Request) { f.sw.Add(r.Start, r.End) }

func (f *inFlight) at(t float64, open int) {
	n := float64(open)
	if f.drawn && f.last == n {
		return // one request ending as the next starts: no change
	}
	if !f.drawn && t > 0 {
		f.out.add(0, 0)
	}
	f.out.add(t, n)
	f.last, f.drawn = n, true
}

// finish applies the last events; the line is then complete in out.
func (f *inFlight) finish() { f.sw.Finish() }

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

// throughputBins bins the successful requests by the time they ended:
// completed requests and output tokens per second, over [0, end]. Bins
// never straddle a phase edge, so that no bin mixes a measured phase with
// the idle one beside it: the run is cut at every phase's start and end,
// and each stretch between cuts is split into equal bins of about width
// seconds. Cuts closer than a quarter bin are merged, so a few
// milliseconds between two phases make no sliver of a bin whose rate
// would be a spike. Requests are added one at a time: the bins are all
// that is held.
type throughputBins struct {
	width, end            float64
	starts, count, tokens []float64
}

func newThroughputBins(phases []trace.Phase, end float64) *throughputBins {
	b := &throughputBins{width: binWidth(end), end: end}
	b.starts = binStarts(phases, end, b.width)
	b.count, b.tokens = make([]float64, len(b.starts)), make([]float64, len(b.starts))
	return b
}

// add counts r if it succeeded.
func (b *throughputBins) add(r trace.Request) {
	if !r.OK() {
		return
	}
	// The last bin starting at or before the request's end.
	i, found := slices.BinarySearch(b.starts, r.End)
	if !found {
		i--
	}
	i = min(len(b.starts)-1, max(0, i))
	b.count[i]++
	b.tokens[i] += float64(r.OutputTokens)
}

// lines are the rates: each point is a bin's start and holds to the
// next; a last point at the end closes the final step.
func (b *throughputBins) lines() (rps, tps line) {
	n := len(b.starts)
	for i, t := range b.starts {
		w := binEnd(b.starts, i, b.end) - t
		if w <= 0 {
			w = b.width // a run that ended as it began: one bin, of no length
		}
		rps.T, rps.V = append(rps.T, t), append(rps.V, b.count[i]/w)
		tps.T, tps.V = append(tps.T, t), append(tps.V, b.tokens[i]/w)
	}
	last := binEnd(b.starts, n-1, b.end)
	rps.T, rps.V = append(rps.T, last), append(rps.V, rps.V[n-1])
	tps.T, tps.V = append(tps.T, last), append(tps.V, tps.V[n-1])
	return rps, tps
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

// runEnd is the last time anything in the run happened: lastSample is
// the latest sample's time (-Inf: none), reqEnd the latest end of a
// request.
func runEnd(lastSample, reqEnd float64, phases []trace.Phase) float64 {
	end := max(0, reqEnd, lastSample)
	for _, p := range phases {
		end = max(end, p.End)
	}
	return end
}
