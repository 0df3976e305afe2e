package openai

import (
	"bytes"
	"io"
	"sync"
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/internal/redact"
)

// accumulator turns a response into a record.
type accumulator struct {
	rec   *backend.Record
	clock func() time.Time
	red   *redact.Redactor // masks secrets in quoted answers; nil: structural rules only

	textChars int // characters of generated text, for the estimate
	last      usageCounts
	hasLast   bool // some usage carried a token count; last is the latest
	finished  bool // some choice carried a finish reason
	chunks    int  // data events seen, for error messages

	backend.Fault
}

// sseReaders holds readers, with their buffers, between streams: a new
// one's 8 KiB buffer was a sixth of what a request allocated.
var sseReaders = sync.Pool{New: func() any { return NewSSEReader(nil) }}

// ReadStream consumes a server-sent-event body.
func (a *accumulator) ReadStream(body io.Reader) {
	events := sseReaders.Get().(*SSEReader)
	events.Reset(body)
	defer func() {
		events.Reset(nil) // drop body, and any buffer too large to keep
		sseReaders.Put(events)
	}()
	for {
		ev, err := events.Next()
		arrived := a.clock()
		if err == io.EOF {
			if !a.finished {
				a.Fail(backend.ErrorProtocol, "stream ended after %d chunks without [DONE] and without a finish_reason", a.chunks)
			}
			return
		}
		if err != nil {
			a.Fail(backend.ErrorProtocol, "response stream broke off after %d chunks: %v", a.chunks, err)
			return
		}
		if ev.Name == "error" {
			a.Fail(backend.ErrorHTTP, "server reported an error mid-stream: %s", backend.ServerMessage(a.red, ev.Data))
			return
		}
		data := bytes.TrimSpace(ev.Data)
		if string(data) == "[DONE]" {
			return
		}
		if len(data) == 0 {
			continue // some servers send empty data as a keep-alive
		}
		a.chunks++
		c, err := decodeChunk(data)
		if err != nil {
			a.Fail(backend.ErrorProtocol, "chunk %d is not valid JSON (%v): %s", a.chunks, err, a.red.Quote(string(data), backend.MaxMessage))
			return
		}
		if msg, ok := c.errorMessage(a.red); ok {
			a.Fail(backend.ErrorHTTP, "server reported an error mid-stream: %s", msg)
			return
		}
		if n := a.take(&c); n > 0 {
			backend.AddChunk(a.rec, arrived)
		}
	}
}

// ReadJSON consumes a non-streaming answer.
func (a *accumulator) ReadJSON(body io.Reader) {
	var c chunk
	data, err := backend.DecodeAnswerWith(body, a.rec, a.clock, a.red, func(data []byte) (err error) {
		c, err = decodeChunk(data)
		return err
	})
	if err != nil {
		a.Fail(backend.ErrorProtocol, "%v", err)
		return
	}
	if msg, ok := c.errorMessage(a.red); ok {
		a.Fail(backend.ErrorHTTP, "server reported an error: %s", msg)
		return
	}
	if !c.choices {
		a.Fail(backend.ErrorProtocol, "response has no choices: %s", a.red.Quote(string(data), backend.MaxMessage))
		return
	}
	a.take(&c)
}

// take records what c carries and returns the characters of text in it.
func (a *accumulator) take(c *chunk) int {
	if c.finish != "" {
		a.rec.FinishReason = c.finish
		a.finished = true
	}
	if c.usage.reported() {
		a.last, a.hasLast = c.usage, true
	}
	a.textChars += c.chars
	return c.chars
}

// Result is what was read; the usage is the last the server sent.
func (a *accumulator) Result() (class, msg string, u *backend.Usage, textChars int) {
	if a.hasLast {
		u = &backend.Usage{
			Input:     count(a.last.prompt, a.last.hasPrompt),
			Output:    count(a.last.completion, a.last.hasCompletion),
			Reasoning: count(a.last.reasoning, a.last.hasReasoning),
		}
	}
	return a.Class, a.Msg, u, a.textChars
}

// count is a token count as backend.Usage holds it: nil when not sent.
func count(n int, sent bool) *int {
	if !sent {
		return nil
	}
	return &n
}
