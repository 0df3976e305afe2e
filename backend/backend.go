// Package backend sends inference requests to model servers and records,
// per request, everything the analysis needs: timings, token counts and
// errors.
//
// It holds what every kind of server shares: the Backend interface, the
// Request and Record, the error classes, the registry (Register, New),
// one HTTP client (HTTPClient: pooling, credentials, timeouts, error
// classes and secrets masked in messages) and the token and limit rules.
// Each kind lives in its own package, which registers itself:
// backend/openai, backend/ollama, backend/kserve; backend/all links them
// all in.
package backend

import (
	"context"
	"time"
)

// A Request is one unit of work sent to a model server.
type Request struct {
	ID        int
	Model     string
	Prompt    string
	MaxTokens int // 0: server default
	MinTokens int // 0: not sent (vLLM extension)
	IgnoreEOS bool
	// Extra holds additional top-level request fields, sent as they are.
	Extra map[string]any
}

// A Record is what happened to one request. Times come from the Go
// monotonic clock so that they line up with meter readings.
type Record struct {
	ID         int
	Model      string
	Start      time.Time       // request written to the connection
	FirstToken time.Time       // first chunk carrying content; zero if none or not streamed
	End        time.Time       // response complete or failed
	Chunks     []time.Duration // arrival of each content chunk, since Start; none if not streamed
	// ChunkCount counts every content chunk, also those past the limit on
	// recorded arrival times: a stream's chunks bound its tokens.
	ChunkCount int
	// Streamed tells that the answer came as a stream. An answer that came
	// whole shows neither when its first token was made nor the gaps
	// between tokens, so it records no FirstToken and no Chunks.
	Streamed bool
	// InputTokens and OutputTokens come from the server's usage report.
	// When the server sends none, they are estimated and TokensEstimated
	// is set; they are never taken from the chunk count silently.
	InputTokens     int
	OutputTokens    int
	TokensEstimated bool
	// ReasoningTokens are the output tokens a reasoning model spent
	// thinking (usage.completion_tokens_details.reasoning_tokens); they
	// are part of OutputTokens. 0 when the server does not say.
	ReasoningTokens int
	// Items is the work a non-text request did: the images of a KServe
	// inference batch. 0 for text generation.
	Items        int
	FinishReason string
	ErrorClass   string // "" on success; see the Error* constants
	Error        string
}

// Error classes recorded in Record.ErrorClass.
const (
	ErrorConnect  = "connect"  // no connection to the server
	ErrorHTTP     = "http"     // non-2xx status
	ErrorTimeout  = "timeout"  // deadline exceeded
	ErrorProtocol = "protocol" // malformed response
	ErrorCanceled = "canceled" // run stopped while in flight
)

// OK reports whether the request completed without error.
func (r *Record) OK() bool { return r.ErrorClass == "" }

// A Backend talks to one model server.
type Backend interface {
	// Check verifies that the server is up and serves model; the error
	// says what is wrong and what to do.
	Check(ctx context.Context, model string) error
	// Do sends one request and always returns a record, failed or not.
	Do(ctx context.Context, req Request) Record
	Close() error
}
