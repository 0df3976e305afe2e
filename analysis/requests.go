package analysis

import (
	"math"

	"github.com/aienergy/aienergy/trace"
)

// requestTally gathers, one record at a time, everything a model's
// figures need from its measured requests: counts and token totals (or
// their shares of a steady-state window), busy time, items, reasoning
// tokens and latency. Its memory is fixed — a few counters and four
// latency sketches — however many records pass through it: a day-long
// run's 17 million records are gone through once, none of them held.
type requestTally struct {
	from, to float64 // the figures' window: the measured phase or its steady state
	steady   bool    // apportion to the window rather than count whole

	n                        RequestCounts
	completed, input, output float64 // steady: shares inside the window, summed

	kept             int     // requests that count for latency, busy time and items
	busy             float64 // their request-seconds inside the window
	items, reasoning int     // of the successful ones among them
	latency          latencyTally
}

// newRequestTally tallies the requests of a window [from, to]; steady
// says it is a steady-state window inside the measured phase, to which
// requests are apportioned.
func newRequestTally(from, to float64, steady bool) *requestTally {
	return &requestTally{from: from, to: to, steady: steady, n: RequestCounts{FailedByClass: map[string]int{}}}
}

// add counts one measured request of the model that passed checkRequest.
// It keeps nothing of r, so r.Chunks may be reused afterwards.
func (t *requestTally) add(r trace.Request) {
	if t.steady {
		t.apportion(r)
		if r.Start < t.from || r.Start > t.to {
			return // latency and busy time: the requests that started inside
		}
	} else {
		t.count(r)
	}
	t.kept++
	// Concurrency counts every request, failed or not, for the part of
	// it inside the window: a failing request still held a slot.
	t.busy += math.Max(0, math.Min(r.End, t.to)-math.Max(r.Start, t.from))
	if r.OK() {
		t.items += r.Items
		t.reasoning = SaturatingAdd(t.reasoning, r.ReasoningTokens)
		t.latency.add(r)
	}
}

// count adds a request whole. Token totals count successful requests
// only (see RequestCounts).
func (t *requestTally) count(r trace.Request) {
	if !r.OK() {
		t.n.Failed++
		t.n.FailedByClass[r.ErrorClass]++
		return
	}
	t.n.Completed++
	t.n.InputTokens = SaturatingAdd(t.n.InputTokens, r.InputTokens)
	t.n.OutputTokens = SaturatingAdd(t.n.OutputTokens, r.OutputTokens)
	t.n.TokensEstimated = t.n.TokensEstimated || r.TokensEstimated
}

// counts is the tally of requests and tokens; a steady window's shares
// rounded to whole requests and tokens.
func (t *requestTally) counts() RequestCounts {
	n := t.n
	if t.steady {
		n.Completed = roundCount(t.completed)
		n.InputTokens = roundCount(t.input)
		n.OutputTokens = roundCount(t.output)
	}
	return n
}
