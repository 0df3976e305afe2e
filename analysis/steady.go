package analysis

import (
	"math"

	"github.com/aienergy/aienergy/trace"
)

// steadyRequests apportions a measured phase's requests to its
// steady-state window [from, to]. A request counts for the share of its
// duration inside the window, its input tokens likewise, and its output
// tokens for the share of its streamed chunks that arrived inside (the
// share of its duration when it streamed none). Latency keeps the
// requests that started inside the window. Counts are rounded to whole
// requests and tokens.
func steadyRequests(reqs []trace.Request, from, to float64) ([]trace.Request, RequestCounts) {
	n := RequestCounts{FailedByClass: map[string]int{}}
	var inside []trace.Request
	var completed, input, output float64
	for _, r := range reqs {
		if r.Start >= from && r.Start <= to {
			inside = append(inside, r)
		}
		if !r.OK() {
			if r.Start >= from && r.Start <= to {
				n.Failed++
				n.FailedByClass[r.ErrorClass]++
			}
			continue
		}
		timeShare := overlapShare(r.Start, r.End, from, to)
		tokenShare := timeShare
		// Chunk times apportion tokens only when every chunk's time was
		// recorded; else time does.
		if len(r.Chunks) > 0 && len(r.Chunks) == r.ContentChunks() {
			in := 0
			for _, c := range r.Chunks {
				if t := r.Start + c; t >= from && t <= to {
					in++
				}
			}
			tokenShare = float64(in) / float64(len(r.Chunks))
		}
		completed += timeShare
		input += timeShare * float64(r.InputTokens)
		output += tokenShare * float64(r.OutputTokens)
		n.TokensEstimated = n.TokensEstimated || r.TokensEstimated
	}
	n.Completed = roundCount(completed)
	n.InputTokens = roundCount(input)
	n.OutputTokens = roundCount(output)
	return inside, n
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
