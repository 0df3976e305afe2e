package interchange

import (
	"cmp"
	"iter"
	"math"
	"slices"

	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// measuredRequests returns a model's measured-phase requests in the order
// they were sent (by start time, then id): the population both formats
// describe. Warmup requests are left out, as summary.json leaves them out.
func measuredRequests(raw *rundir.Raw, model string) []trace.Request {
	out, _ := trace.Collect(trace.Filter(raw.Requests, func(r trace.Request) bool {
		return r.Model == model && r.Phase == trace.PhaseMeasured
	}))
	slices.SortStableFunc(out, func(a, b trace.Request) int {
		if c := cmp.Compare(a.Start, b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// ttft is a request's time to first content, in seconds; ok is false when
// no content arrived.
func ttft(r trace.Request) (v float64, ok bool) {
	if math.IsNaN(r.FirstToken) {
		return 0, false
	}
	return r.FirstToken - r.Start, true
}

// itlSeq yields the gaps between a request's consecutive content chunks,
// in seconds: vLLM's per-request "itl" list and aienergy's ITL alike.
// They are yielded, not collected: a run can have millions.
func itlSeq(r trace.Request) iter.Seq[float64] {
	return func(yield func(float64) bool) {
		for i := 1; i < len(r.Chunks); i++ {
			if !yield(r.Chunks[i] - r.Chunks[i-1]) {
				return
			}
		}
	}
}

// gapsOf yields the gaps of every request keep keeps, in order.
func gapsOf(reqs []trace.Request, keep func(trace.Request) bool) iter.Seq[float64] {
	return func(yield func(float64) bool) {
		for _, r := range reqs {
			if !keep(r) {
				continue
			}
			for g := range itlSeq(r) {
				if !yield(g) {
					return
				}
			}
		}
	}
}

// countGaps is how many gaps gapsOf yields.
func countGaps(reqs []trace.Request, keep func(trace.Request) bool) int {
	n := 0
	for _, r := range reqs {
		if keep(r) {
			n += max(len(r.Chunks)-1, 0)
		}
	}
	return n
}
