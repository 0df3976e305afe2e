package analysis

import (
	"math"
	"sort"

	"github.com/aienergy/aienergy/trace"
)

// A workSpan is work a request did at an even rate over [t0, t1]: prompt
// tokens of its prefill, decode tokens of its answer, or both.
type workSpan struct {
	t0, t1         float64
	prompt, decode float64 // tokens
}

// requestWork places a request's work in time, from what requests.csv
// records of it:
//
//   - Prefill: the prompt's tokens, evenly from the request's start to its
//     first token. The first output token comes out of that pass, so it
//     counts there, not in decode.
//   - Decode: the other output tokens, shared evenly among the steps
//     after the first token, each spread over its step. A step ends at a
//     content chunk (the server made its tokens since the chunk before),
//     and, when the answer has more tokens than content chunks and the
//     stream ended after its last one, at the stream's end too: the
//     end-of-sequence token is counted but carries no text (vLLM, the
//     simulator). Steps past the recorded chunk times (requests.csv keeps
//     the first 64 Ki) share the time from the last recorded one to the
//     end.
//   - Work whose timing was not observed — an answer that came whole, or
//     in one step, or a request with no content — is spread evenly over
//     the request's prefill, or its whole span.
//   - A request without any token count (images, a failure before the
//     usage arrived) counts its items, or one unit, over its whole span.
func requestWork(r trace.Request) []workSpan {
	in := float64(r.InputTokens)
	out := r.OutputTokens
	if !r.OK() {
		// A failed request's usage may be missing: its chunks are work done.
		out = max(out, r.ContentChunks())
	}
	decode := float64(max(out-1, 0))
	whole := func(prompt, decode float64) []workSpan {
		return []workSpan{{t0: r.Start, t1: r.End, prompt: prompt, decode: decode}}
	}
	switch {
	case in == 0 && out == 0:
		return whole(0, float64(max(r.Items, 1)))
	case math.IsNaN(r.FirstToken):
		return whole(in, decode)
	}
	spans := []workSpan{{t0: r.Start, t1: r.FirstToken, prompt: in}}
	n := r.ContentChunks()
	steps := n - 1
	last := r.FirstToken
	if len(r.Chunks) > 0 {
		last = r.Start + r.Chunks[len(r.Chunks)-1]
	}
	if out > n && r.End > last {
		steps++ // the end-of-sequence token's, after the last chunk
	}
	if steps < 1 {
		spans[0].decode = decode // all of it came at once
		return spans
	}
	perStep := decode / float64(steps)
	prev := r.FirstToken
	done := 0
	for _, c := range r.Chunks[min(1, len(r.Chunks)):] {
		t := r.Start + c
		spans = append(spans, workSpan{t0: prev, t1: t, decode: perStep})
		prev = t
		done++
	}
	if rest := steps - done; rest > 0 {
		spans = append(spans, workSpan{t0: prev, t1: r.End, decode: perStep * float64(rest)})
	}
	return spans
}

// spread hands out work done evenly over [t0, t1] to the intervals
// between consecutive bounds that it overlaps, calling add with each
// interval's index and its fraction of the work. Work at one instant goes
// whole to the interval holding it, the later one at a shared bound.
// Work outside [bounds[0], bounds[last]] is nobody's: it was not measured.
func spread(bounds []float64, t0, t1 float64, add func(k int, frac float64)) {
	n := len(bounds) - 1
	lo, hi := bounds[0], bounds[n]
	if !(t1 > t0) {
		if t0 < lo || t0 > hi {
			return
		}
		// The interval [bounds[k], bounds[k+1]) holding t0; the last one
		// holds its end too.
		k := sort.SearchFloat64s(bounds, t0)
		if k == n || bounds[k] > t0 {
			k--
		}
		add(k, 1)
		return
	}
	a, b := math.Max(t0, lo), math.Min(t1, hi)
	if !(b > a) {
		return
	}
	span := t1 - t0
	// From the first interval that ends at or after a.
	for k := sort.SearchFloat64s(bounds[1:], a); k < n && bounds[k] < b; k++ {
		if d := math.Min(b, bounds[k+1]) - math.Max(a, bounds[k]); d > 0 {
			add(k, d/span)
		}
	}
}
