package html

import "math"

// displayBuckets is how many time buckets a series is reduced to for
// display: about one per pixel of a wide chart. Each bucket keeps its
// lowest and highest point, so spikes and dips survive at any zoom-out;
// figures are never computed from the reduced series.
const displayBuckets = 2000

// line is one drawn series. A NaN value is a gap (null in the page): the
// chart breaks the line there instead of drawing across missing data.
type line struct {
	T, V []float64
}

// downsampleMinMax reduces l to at most two points per bucket of
// [from, to] split into n: the lowest and the highest, in time order.
// Gaps (NaN) are kept, and a bucket never spans one. A line already short
// enough is returned unchanged.
func downsampleMinMax(l line, from, to float64, n int) line {
	if len(l.T) <= 2*n || !(to > from) || n < 1 {
		return l
	}
	r := newMinMax(from, to, n)
	for i := range l.T {
		r.add(l.T[i], l.V[i])
	}
	return r.line()
}

// A minMax is downsampleMinMax for a line given point by point, in time
// order, never held whole: the requests in flight of a day-long run are
// millions of steps. It keeps every point while there are at most 2n,
// then each bucket's extremes.
type minMax struct {
	from, to, width float64
	n               int
	points          int // how many points were given

	all      line // every point, until there are more than 2n
	reducing bool

	out    line
	cur    int  // the current bucket; -1 after a gap
	has    bool // the current bucket has a point
	lo, hi extreme
}

// An extreme is a bucket's lowest or highest point, with its place in
// the line to keep time order.
type extreme struct {
	t, v float64
	seq  int
}

func newMinMax(from, to float64, n int) *minMax {
	return &minMax{from: from, to: to, n: n, width: (to - from) / float64(n), cur: -1}
}

func (r *minMax) add(t, v float64) {
	r.points++
	if !r.reducing {
		r.all.T, r.all.V = append(r.all.T, t), append(r.all.V, v)
		if len(r.all.T) <= 2*r.n || !(r.to > r.from) || r.n < 1 {
			return
		}
		r.reducing = true
		all := r.all
		r.all = line{}
		r.out = line{T: make([]float64, 0, 2*r.n+8), V: make([]float64, 0, 2*r.n+8)}
		for i := range all.T {
			r.reduce(extreme{all.T[i], all.V[i], i})
		}
		return
	}
	r.reduce(extreme{t, v, r.points - 1})
}

func (r *minMax) reduce(p extreme) {
	if math.IsNaN(p.v) {
		r.flush()
		r.out.T, r.out.V = append(r.out.T, p.t), append(r.out.V, p.v)
		r.cur = -1
		return
	}
	if b := min(r.n-1, max(0, int(math.Floor((p.t-r.from)/r.width)))); b != r.cur {
		r.flush()
		r.cur = b
	}
	// The bucket's first lowest and first highest points.
	switch {
	case !r.has:
		r.lo, r.hi, r.has = p, p, true
	case p.v < r.lo.v:
		r.lo = p
	case p.v > r.hi.v:
		r.hi = p
	}
}

func (r *minMax) flush() {
	switch {
	case !r.has:
	case r.lo.seq == r.hi.seq:
		r.out.T, r.out.V = append(r.out.T, r.lo.t), append(r.out.V, r.lo.v)
	default:
		a, b := r.lo, r.hi
		if b.seq < a.seq {
			a, b = b, a
		}
		r.out.T, r.out.V = append(r.out.T, a.t, b.t), append(r.out.V, a.v, b.v)
	}
	r.has = false
}

// line is the reduced line: every point given while there were at most
// 2n, else each bucket's extremes.
func (r *minMax) line() line {
	if !r.reducing {
		return r.all
	}
	r.flush()
	return r.out
}
