package backend

import (
	"fmt"
	"io"
	"mime"
	"slices"
	"time"
	"unicode/utf8"
)

// Limits on what one response may cost in memory. They are constants: a
// real server stays far below them, and a request that passes one fails
// (or, for chunks, records less) instead of taking the benchmark down.
const (
	// MaxJSONBody bounds an answer that is not streamed (and a Check
	// answer). A long text answer is well under 1 MiB.
	MaxJSONBody = 16 << 20
	// MaxLine bounds one line or event of a streamed answer (an SSE event,
	// an NDJSON object). Real chunks are a few hundred bytes, but a
	// non-streaming-sized answer or a base64 image can arrive as one, so
	// the bound is generous.
	MaxLine = 8 << 20
	// MaxRecordedChunks bounds the chunk arrival times kept per request
	// (Record.Chunks, the chunk_ms cell of requests.csv): 64 Ki chunks is
	// more tokens than any model is asked for. A stream that goes on is
	// still read, its text and time counted; only its later chunk times
	// are not recorded.
	MaxRecordedChunks = 1 << 16
)

// ErrBodyTooLarge says that an answer passed MaxJSONBody.
var ErrBodyTooLarge = fmt.Errorf("response body is larger than the %d MiB limit for an answer that is not streamed", MaxJSONBody>>20)

// ReadBody reads an answer that is not streamed, up to MaxJSONBody.
func ReadBody(body io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(body, MaxJSONBody+1))
	if err == nil && len(data) > MaxJSONBody {
		return nil, ErrBodyTooLarge
	}
	return data, err
}

// IsStream decides how to read a 2xx body: as a stream when its media
// type is one of streamTypes, whole when it is application/json, and as
// requested when the server names neither.
func IsStream(contentType string, requested bool, streamTypes ...string) bool {
	media, _, err := mime.ParseMediaType(contentType)
	switch {
	case err != nil:
		return requested
	case slices.Contains(streamTypes, media):
		return true
	case media == "application/json":
		return false
	}
	return requested
}

// AddChunk notes the arrival of a chunk that carries content, keeping at
// most MaxRecordedChunks of their times.
func AddChunk(rec *Record, arrived time.Time) {
	if rec.FirstToken.IsZero() {
		rec.FirstToken = arrived
	}
	rec.ChunkCount++
	if len(rec.Chunks) < MaxRecordedChunks {
		rec.Chunks = append(rec.Chunks, arrived.Sub(rec.Start))
	}
}

// TextChars counts the characters of generated text, for the estimate.
func TextChars(s string) int { return utf8.RuneCountInString(s) }

// Usage is what a server reported of a request's tokens; a nil field was
// not reported.
type Usage struct {
	Input, Output, Reasoning *int
}

// dropNegative forgets counts no server can mean, so that they are
// estimated like missing ones instead of failing the run's analysis; it
// reports whether a token count is left.
func (u *Usage) dropNegative() bool {
	for _, p := range []**int{&u.Input, &u.Output, &u.Reasoning} {
		if *p != nil && **p < 0 {
			*p = nil
		}
	}
	return u.Input != nil || u.Output != nil
}

// SetTokens sets rec's token counts: the server's usage when it sent one
// (u, nil for none), else an estimate from textChars characters of output
// and the prompt, flagged in TokensEstimated. A failed request (its
// ErrorClass set) without any text or usage gets none. Token counts never
// come from the chunk count.
func SetTokens(rec *Record, u *Usage, textChars int, prompt string) {
	if u != nil && !u.dropNegative() {
		u = nil
	}
	if rec.ErrorClass != "" && textChars == 0 && u == nil {
		return
	}
	if u != nil && u.Output != nil {
		rec.OutputTokens = *u.Output
		if u.Reasoning != nil {
			rec.ReasoningTokens = *u.Reasoning
		}
		if u.Input != nil {
			rec.InputTokens = *u.Input
		} else {
			rec.InputTokens = estimateTokens(TextChars(prompt))
			rec.TokensEstimated = true
		}
		return
	}
	rec.TokensEstimated = true
	rec.OutputTokens = estimateTokens(textChars)
	if u != nil && u.Input != nil {
		rec.InputTokens = *u.Input
	} else {
		rec.InputTokens = estimateTokens(TextChars(prompt))
	}
}

// estimateTokens is the common rule of thumb of about four characters per
// token for English text. It is only used, and flagged, when the server
// reports no usage.
func estimateTokens(chars int) int { return (chars + 3) / 4 }
