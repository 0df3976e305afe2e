// Package trace holds the raw records of a run, every channel on one
// clock: meter samples, request records and phase boundaries. They are
// what a run directory stores (package rundir writes and reads them) and
// what the analysis reads (package analysis computes every figure from
// them); neither package owns them, so that the file format does not
// depend on the analysis, nor the analysis on the file format.
//
// Times are seconds since the run's clock origin: the monotonic clock
// reading taken when the run started.
package trace

import "math"

// A Sample is one meter reading of one channel, as stored in power.csv.
type Sample struct {
	Meter     string
	Channel   string
	Component string  // "gpu", "cpu", "dram", "wall", "other"
	T         float64 // seconds since run start
	Watts     float64 // NaN when the meter gives only energy
	Joules    float64 // cumulative counter; NaN when the meter gives only power
}

// A Request is one request record, as stored in requests.csv.
type Request struct {
	ID         int
	Model      string
	Phase      string  // "warmup" or "measured"
	Start      float64 // seconds since run start
	FirstToken float64 // NaN when no content arrived, or none could be seen arrive (not streamed)
	End        float64
	Chunks     []float64 // arrival of each content chunk, seconds since Start; none when not streamed
	// ChunkCount counts every content chunk; Chunks may hold the arrival
	// of only the first ones (requests.csv records at most 64 Ki).
	ChunkCount int
	// Streamed tells that the answer came as a stream, so its chunks can
	// be checked against the server's token counts. An answer that came
	// whole has no FirstToken and no Chunks: neither could be observed.
	Streamed        bool
	InputTokens     int
	OutputTokens    int
	TokensEstimated bool
	FinishReason    string
	ErrorClass      string // "" on success
	Items           int    // work of a non-text request (images of a batch)
	ReasoningTokens int    // of OutputTokens, spent thinking
}

// OK reports whether the request succeeded.
func (r Request) OK() bool { return r.ErrorClass == "" }

// TTFT is the time to first token in seconds; false when no first token
// was observed (no content, or an answer that was not streamed).
func (r Request) TTFT() (float64, bool) {
	if math.IsNaN(r.FirstToken) {
		return 0, false
	}
	return r.FirstToken - r.Start, true
}

// TPOT is the time per output token after the first, in seconds: false
// unless more than one token arrived in more than one chunk. A single
// chunk carries all its tokens at once, so the time between them was
// never observed; end − first token would read as a TPOT of about 0.
func (r Request) TPOT() (float64, bool) {
	if math.IsNaN(r.FirstToken) || r.OutputTokens < 2 || len(r.Chunks) < 2 {
		return 0, false
	}
	return (r.End - r.FirstToken) / float64(r.OutputTokens-1), true
}

// ContentChunks is how many content chunks the request's stream carried:
// ChunkCount, or the chunk times recorded when a record lacks the count.
func (r Request) ContentChunks() int { return max(r.ChunkCount, len(r.Chunks)) }

// Phase names, in the order a model goes through them.
const (
	PhaseIdleBefore = "idle_before"
	PhaseWarmup     = "warmup"
	PhaseMeasured   = "measured"
	PhaseIdleAfter  = "idle_after"
	// PhaseSteady, inside the measured phase, is the steady-state window
	// (ramp-up and tail left out); when present, figures use it.
	PhaseSteady = "steady"
)

// A Phase is one stretch of a model's run, as stored in phases.csv.
type Phase struct {
	Model string
	Name  string
	Start float64
	End   float64
	// Items is the work a measured phase did when it is not requests: the
	// images a CNN classified, say, as reported by a command run under
	// `aienergy measure`. 0 when not reported.
	Items int
}
