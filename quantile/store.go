package quantile

// store counts values by bucket index in a dense run of bins: a latency's
// buckets span a few decades, some thousands of bins.
type store struct {
	bins   []uint64
	offset int // index of bins[0]
	n      uint64
}

func (st *store) total() uint64 { return st.n }

func (st *store) add(i int, c uint64) {
	switch {
	case len(st.bins) == 0:
		st.bins, st.offset = make([]uint64, 1, 64), i
	case i < st.offset:
		// Grow to the left by at least as much again, so that values
		// arriving in falling order cost amortised O(1) each.
		grow := max(st.offset-i, len(st.bins))
		bins := make([]uint64, grow+len(st.bins), grow+cap(st.bins))
		copy(bins[grow:], st.bins)
		st.bins, st.offset = bins, st.offset-grow
	case i >= st.offset+len(st.bins):
		st.bins = append(st.bins, make([]uint64, i-st.offset-len(st.bins)+1)...)
	}
	st.bins[i-st.offset] += c
	st.n += c
}

func (st *store) merge(o *store) {
	for k, c := range o.bins {
		if c > 0 {
			st.add(o.offset+k, c)
		}
	}
}

// indexOfRank is the index of the bucket holding the value of 0-based
// rank r (r < total), counting from the smallest.
func (st *store) indexOfRank(r uint64) int {
	var seen uint64
	for k, c := range st.bins {
		if seen += c; seen > r {
			return st.offset + k
		}
	}
	return st.offset + len(st.bins) - 1
}
