package analysis

import (
	"math"

	"github.com/aienergy/aienergy/trace"
)

// apportion adds one measured request to a steady-state window [from,
// to] of its phase. A request counts for the share of its duration inside
// the window, its input tokens likewise, and its output tokens for the
// share of its streamed chunks that arrived inside (the share of its
// duration when it streamed none). A failure counts when it started
// inside, and so does a request for latency (requestTally.add). The
// summed shares are rounded to whole requests and tokens at the end
// (requestTally.counts).
func (t *requestTally) apportion(r trace.Request) {
	if !r.OK() {
		if r.Start >= t.from && r.Start <= t.to {
			t.n.Failed++
			t.n.FailedByClass[r.ErrorClass]++
		}
		return
	}
	timeShare := overlapShare(r.Start, r.End, t.from, t.to)
	tokenShare := timeShare
	// Chunk times apportion tokens only when every chunk's time was
	// recorded; else time does.
	if len(r.Chunks) > 0 && len(r.Chunks) == r.ContentChunks() {
		in := 0
		for _, c := range r.Chunks {
			if at := r.Start + c; at >= t.from && at <= t.to {
				in++
			}
		}
		tokenShare = float64(in) / float64(len(r.Chunks))
	}
	t.completed += timeShare
	t.input += timeShare * float64(r.InputTokens)
	t.output += tokenShare * float64(r.OutputTokens)
	t.n.TokensEstimated = t.n.TokensEstimated || r.TokensEstimated
}

// roundCount rounds a non-negative share sum to a whole count, saturating:
// converting a float beyond the int range is undefined in Go.
func roundCount(x float64) int {
	if r := math.Round(x); r < math.MaxInt {
		return int(r)
	}
	return math.MaxInt
}

// overlapShare is the share of [start, end] inside [from, to].
func overlapShare(start, end, from, to float64) float64 {
	if !(end > start) {
		if start >= from && start <= to {
			return 1
		}
		return 0
	}
	lo, hi := math.Max(start, from), math.Min(end, to)
	if hi <= lo {
		return 0
	}
	return (hi - lo) / (end - start)
}
