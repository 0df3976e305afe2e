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
// (orderBounds), and the sweep in the second holds only the events a
// later request could still precede — those of the last (longest + lag)
// seconds, bounded by the load and the request timeout, not by the length
// of the run. The line goes to the display's reducer point by point.
//
// (report/interchange sweeps the same way for vLLM's
// max_concurrent_requests.)

// orderBounds measures, in a first pass, how far from time order a
// sequence of intervals is.
type orderBounds struct {
	maxEnd   float64 // the latest end so far
	lag      float64 // the most an end came before an earlier one
	longest  float64 // the longest interval
	nonempty bool
}

func (o *orderBounds) add(start, end float64) {
	if math.IsNaN(start) || math.IsNaN(end) {
		return
	}
	if !o.nonempty {
		o.maxEnd, o.nonempty = end, true
	}
	o.maxEnd = max(o.maxEnd, end)
	o.lag = max(o.lag, o.maxEnd-end)
	o.longest = max(o.longest, end-start)
}

// window is how far before the latest end seen a later interval's start
// or end can still fall.
func (o *orderBounds) window() float64 { return o.lag + o.longest }

// A sweep applies intervals' starts and ends in time order, ends first at
// equal times, from intervals given in the order orderBounds measured.
// After all the events at one time it calls at with that time and how
// many intervals are then open.
type sweep struct {
	window float64
	at     func(t float64, open int)

	starts, ends floatHeap
	maxEnd       float64
	started      bool
	open         int
}

func (s *sweep) add(start, end float64) {
	if math.IsNaN(start) || math.IsNaN(end) {
		return
	}
	s.starts.push(start)
	s.ends.push(end)
	if !s.started || end > s.maxEnd {
		s.maxEnd, s.started = end, true
	}
	// A later interval's events are at or after maxEnd − window.
	s.apply(s.maxEnd - s.window)
}

// finish applies every event left.
func (s *sweep) finish() { s.apply(math.Inf(1)) }

// apply applies the events before bound.
func (s *sweep) apply(bound float64) {
	for {
		t := math.Inf(1)
		if len(s.ends) > 0 {
			t = s.ends[0]
		}
		if len(s.starts) > 0 && s.starts[0] < t {
			t = s.starts[0]
		}
		if !(t < bound) {
			return
		}
		for len(s.ends) > 0 && s.ends[0] == t {
			s.ends.pop()
			s.open--
		}
		for len(s.starts) > 0 && s.starts[0] == t {
			s.starts.pop()
			s.open++
		}
		s.at(t, s.open)
	}
}

// floatHeap is a min-heap of numbers (container/heap would box each).
type floatHeap []float64

func (h *floatHeap) push(v float64) {
	*h = append(*h, v)
	a := *h
	for i := len(a) - 1; i > 0; {
		p := (i - 1) / 2
		if a[p] <= a[i] {
			break
		}
		a[p], a[i] = a[i], a[p]
		i = p
	}
}

func (h *floatHeap) pop() float64 {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a = a[:n]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && a[l] < a[m] {
			m = l
		}
		if r < n && a[r] < a[m] {
			m = r
		}
		if m == i {
			break
		}
		a[i], a[m] = a[m], a[i]
		i = m
	}
	*h = a
	return top
}

// inFlight is the step line of the requests in flight, each point
// holding until the next, given to out point by point: a sweep over the
// requests given to add, in the order bounds measured. Events at one
// instant are applied together, so a request that ends as the next
// begins is never drawn as two in flight, nor as none; the line starts
// at 0 requests at time 0.
type inFlight struct {
	sw    sweep
	out   *minMax
	last  float64
	drawn bool
}

func newInFlight(bounds orderBounds, out *minMax) *inFlight {
	f := &inFlight{out: out}
	f.sw = sweep{window: bounds.window(), at: f.at}
	return f
}

func (f *inFlight) add(r trace.Request) { f.sw.add(r.Start, r.End) }

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
func (f *inFlight) finish() { f.sw.finish() }

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

// runEnd is the last time anything in the run happened: reqEnd is the
// latest end of a request.
func runEnd(samples []trace.Sample, reqEnd float64, phases []trace.Phase) float64 {
	end := max(0, reqEnd)
	for _, p := range phases {
		end = max(end, p.End)
	}
	if n := len(samples); n > 0 {
		end = max(end, samples[n-1].T)
	}
	return end
}
