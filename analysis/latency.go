package analysis

import (
	"fmt"
	"maps"
	"math"

	"github.com/aienergy/aienergy/quantile"
	"github.com/aienergy/aienergy/trace"
)

// Latency describes the successful measured requests, in milliseconds.
// A request adds only what was observed: an answer that was not streamed
// adds to E2E alone, so TTFT, TPOT and ITL are empty (null) for a run
// without streaming, never 0 or a copy of E2E.
type Latency struct {
	TTFT Distribution `json:"ttft_ms"` // first token − start
	// TPOT is per request (end − first token) / (output tokens − 1), over
	// requests with more than one output token in more than one chunk.
	TPOT Distribution `json:"tpot_ms"`
	// ITL pools every gap between consecutive content chunks of every
	// request. Each distribution's QuantileRelError says how exact its
	// percentiles are: 0 up to quantile.DefaultExactLimit values.
	ITL Distribution `json:"itl_ms"`
	E2E Distribution `json:"e2e_ms"` // end − start
}

// Throughput describes the measured window.
type Throughput struct {
	RequestsPerS     float64 `json:"requests_per_s"`
	OutputTokensPerS float64 `json:"output_tokens_per_s"`
	TotalTokensPerS  float64 `json:"total_tokens_per_s"`
	// AchievedConcurrency is the time-average number of requests in
	// flight: the sum of request durations inside the window over its
	// length.
	AchievedConcurrency  float64 `json:"achieved_concurrency"`
	RequestedConcurrency *int    `json:"requested_concurrency"`
}

// RequestCounts tallies the measured requests. Token totals count
// successful requests only: a failed request's partial output is not
// work delivered (its energy is still in the window, so per-token figures
// err on the high side). Totals saturate at the largest int rather than
// wrap to a negative count.
type RequestCounts struct {
	Completed       int            `json:"completed"`
	Failed          int            `json:"failed"`
	FailedByClass   map[string]int `json:"failed_by_class"`
	InputTokens     int            `json:"input_tokens"`
	OutputTokens    int            `json:"output_tokens"`
	TokensEstimated bool           `json:"tokens_estimated"`
}

// timeSlack absorbs rounding when comparing timestamps of one request:
const timeSlack = 5e-6 // the CSV rounds each time to the µs on its own

// checkRequest rejects records whose times or counts cannot be real.
func checkRequest(r trace.Request) error {
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	switch {
	case r.Phase != trace.PhaseWarmup && r.Phase != trace.PhaseMeasured:
		return fmt.Errorf("phase %q: want %q or %q", r.Phase, trace.PhaseWarmup, trace.PhaseMeasured)
	case !finite(r.Start) || !finite(r.End):
		return fmt.Errorf("start %v, end %v: want finite times", r.Start, r.End)
	case r.End < r.Start-timeSlack:
		return fmt.Errorf("ends at %v before it starts at %v", r.End, r.Start)
	case math.IsInf(r.FirstToken, 0):
		return fmt.Errorf("first token at %v", r.FirstToken)
	case !math.IsNaN(r.FirstToken) && (r.FirstToken < r.Start-timeSlack || r.FirstToken > r.End+timeSlack):
		return fmt.Errorf("first token at %v outside [%v, %v]", r.FirstToken, r.Start, r.End)
	case r.InputTokens < 0 || r.OutputTokens < 0:
		return fmt.Errorf("token counts %d in, %d out", r.InputTokens, r.OutputTokens)
	}
	prev := 0.0
	for i, c := range r.Chunks {
		if !finite(c) || c < prev-timeSlack || c > r.End-r.Start+timeSlack {
			return fmt.Errorf("chunk %d at %v s after start: want times in order within the request", i, c)
		}
		prev = c
	}
	return nil
}

// latencyTally gathers the latency distributions of successful requests,
// one record at a time, in sketches (package quantile): exact numpy
// percentiles while a distribution has at most quantile.DefaultExactLimit
// values, within quantile.DefaultRelativeError of them past that. Its
// memory does not grow with the records: a day's hundreds of millions of
// inter-token gaps fit in the same few megabytes as an hour's.
type latencyTally struct{ ttft, tpot, itl, e2e quantile.Sketch }

// add counts a successful request's timings; failed requests are left
// out (their timings describe the failure, not the service). It keeps
// nothing of r.Chunks.
func (l *latencyTally) add(r trace.Request) {
	const ms = 1000
	l.e2e.Add((r.End - r.Start) * ms)
	if v, ok := r.TTFT(); ok {
		l.ttft.Add(v * ms)
	}
	if v, ok := r.TPOT(); ok {
		l.tpot.Add(v * ms)
	}
	for i := 1; i < len(r.Chunks); i++ {
		l.itl.Add((r.Chunks[i] - r.Chunks[i-1]) * ms)
	}
}

// result describes what was added.
func (l *latencyTally) result() Latency {
	return Latency{TTFT: distributionOf(&l.ttft), TPOT: distributionOf(&l.tpot), ITL: distributionOf(&l.itl), E2E: distributionOf(&l.e2e)}
}

// throughput relates the counts n and the busy time (request-seconds
// inside the window) to the window [from, to].
func throughput(n RequestCounts, busy, from, to float64, requested int) Throughput {
	d := to - from
	tp := Throughput{
		RequestsPerS:        float64(n.Completed) / d,
		OutputTokensPerS:    float64(n.OutputTokens) / d,
		TotalTokensPerS:     (float64(n.InputTokens) + float64(n.OutputTokens)) / d,
		AchievedConcurrency: busy / d,
	}
	if requested > 0 {
		tp.RequestedConcurrency = &requested
	}
	return tp
}

// addCounts sums two tallies.
func addCounts(a, b RequestCounts) RequestCounts {
	out := RequestCounts{
		Completed:       a.Completed + b.Completed,
		Failed:          a.Failed + b.Failed,
		FailedByClass:   maps.Clone(a.FailedByClass),
		InputTokens:     SaturatingAdd(a.InputTokens, b.InputTokens),
		OutputTokens:    SaturatingAdd(a.OutputTokens, b.OutputTokens),
		TokensEstimated: a.TokensEstimated || b.TokensEstimated,
	}
	if out.FailedByClass == nil {
		out.FailedByClass = map[string]int{}
	}
	for k, v := range b.FailedByClass {
		out.FailedByClass[k] += v
	}
	return out
}
