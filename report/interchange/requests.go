package interchange

import (
	"math"

	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// measured is a label's measured-phase requests, the population both
// formats describe (warmup left out, as summary.json leaves it out), in
// the order requests.csv holds them: the order they completed. Every
// figure is made in passes over it, each reading requests.csv afresh, so
// that no pass holds more than one request: a day-long run has millions.
//
// vLLM lists requests in the order they were sent (serve.py's
// benchmark() gathers its tasks in send order). Sorting a day of
// requests by start would mean holding them, or an external sort, so the
// per-request lists here are in completion order instead; every list is
// in the same order, so element i of each describes the same request,
// and start_times gives the send order to whoever needs it.
func measured(raw *rundir.Raw, model string) trace.Requests {
	var all trace.Requests = trace.Slice(nil)
	if raw != nil && raw.Requests != nil {
		all = raw.Requests
	}
	return trace.Filter(all, func(r trace.Request) bool {
		return r.Model == model && r.Phase == trace.PhaseMeasured
	})
}

// The per-request lists (vLLM's input_lens, ttfts, itls, …, and
// optimum-benchmark's latency values) are written while a label has at
// most DetailedMaxRequests measured requests and DetailedMaxGaps
// inter-token gaps in all. Past either, they are left out, as `vllm bench
// serve` leaves them out without --save-detailed (serve.py main_async,
// "Remove fields with too many data points"): a day at 200 req/s of 200
// tokens each would make files of tens of GB. Every figure is still made
// from every request.
const (
	DetailedMaxRequests = 100_000
	DetailedMaxGaps     = 5_000_000
)

// detailedLimits are the limits in force; tests lower them.
var detailedLimits = struct{ requests, gaps int }{DetailedMaxRequests, DetailedMaxGaps}

// volume is how much a label's per-request lists would hold.
type volume struct{ requests, gaps int }

func (v *volume) add(r trace.Request) {
	v.requests++
	v.gaps += max(len(r.Chunks)-1, 0)
}

// detailed tells whether the per-request lists are written.
func (v volume) detailed() bool {
	return v.requests <= detailedLimits.requests && v.gaps <= detailedLimits.gaps
}

// ttft is a request's time to first content, in seconds; ok is false when
// no content arrived.
func ttft(r trace.Request) (v float64, ok bool) {
	if math.IsNaN(r.FirstToken) {
		return 0, false
	}
	return r.FirstToken - r.Start, true
}

// eachGap calls fn with the gaps between a request's consecutive content
// chunks, in seconds: vLLM's per-request "itl" list and aienergy's ITL
// alike.
func eachGap(r trace.Request, fn func(float64)) {
	for i := 1; i < len(r.Chunks); i++ {
		fn(r.Chunks[i] - r.Chunks[i-1])
	}
}
