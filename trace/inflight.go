package trace

import "math"

// Requests in flight over time — a run's concurrency, vLLM's
// max_concurrent_requests — are a sweep over the requests' [start, end)
// intervals in time order (departures before arrivals at equal times, as
// vLLM's serve.py counts). requests.csv holds requests in the order they
// completed, so their ends come nearly sorted and their starts at most the
// longest request's duration earlier: a first pass measures how far out
// of order the ends are (lag) and the longest duration (OrderBounds), and
// the Sweep in a second holds only the events that a later request could
// still precede — those of the last (longest duration + lag) seconds,
// bounded by the load and the request timeout, not by the length of the
// run.

// OrderBounds measures, in a first pass, how far from time order a
// sequence of intervals is.
type OrderBounds struct {
	maxEnd   float64 // the latest end so far
	lag      float64 // the most an end came before an earlier one
	longest  float64 // the longest interval
	nonempty bool
}

// Add measures one interval.
func (o *OrderBounds) Add(start, end float64) {
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

// Window is how far before the latest end seen a later interval's start
// or end can still fall.
func (o *OrderBounds) Window() float64 { return o.lag + o.longest }

// A Sweep applies intervals' starts and ends in time order, ends first at
// equal times, from intervals given in the order OrderBounds measured
// (Window from it). After all the events at one time it calls At with
// that time and how many intervals are then open.
type Sweep struct {
	Window float64
	At     func(t float64, open int)

	starts, ends floatHeap
	maxEnd       float64
	started      bool
	open         int
}

// Add takes one interval, applying the events no later one can precede.
func (s *Sweep) Add(start, end float64) {
	if math.IsNaN(start) || math.IsNaN(end) {
		return
	}
	s.starts.push(start)
	s.ends.push(end)
	if !s.started || end > s.maxEnd {
		s.maxEnd, s.started = end, true
	}
	// A later interval's events are at or after maxEnd − window.
	s.apply(s.maxEnd - s.Window)
}

// Finish applies every event left.
func (s *Sweep) Finish() { s.apply(math.Inf(1)) }

// apply applies the events before bound.
func (s *Sweep) apply(bound float64) {
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
		s.At(t, s.open)
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
