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
	out := line{T: make([]float64, 0, 2*n+8), V: make([]float64, 0, 2*n+8)}
	width := (to - from) / float64(n)
	bucket := func(t float64) int {
		return min(n-1, max(0, int(math.Floor((t-from)/width))))
	}
	lo, hi, cur := -1, -1, -1 // indices of the current bucket's extremes
	flush := func() {
		switch {
		case lo < 0:
		case lo == hi:
			out.T, out.V = append(out.T, l.T[lo]), append(out.V, l.V[lo])
		default:
			a, b := min(lo, hi), max(lo, hi)
			out.T, out.V = append(out.T, l.T[a], l.T[b]), append(out.V, l.V[a], l.V[b])
		}
		lo, hi = -1, -1
	}
	for i, v := range l.V {
		if math.IsNaN(v) {
			flush()
			out.T, out.V = append(out.T, l.T[i]), append(out.V, v)
			cur = -1
			continue
		}
		if b := bucket(l.T[i]); b != cur {
			flush()
			cur = b
		}
		if lo < 0 || v < l.V[lo] {
			lo = i
		}
		if hi < 0 || v > l.V[hi] {
			hi = i
		}
	}
	flush()
	return out
}
