package openai

import (
	"bytes"
	"encoding/json"
	"io"
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/internal/redact"
)

// choice covers the choice shapes of chat chunks, chat answers and
// completions, streaming or not.
type choice struct {
	Delta        message `json:"delta"`
	Message      message `json:"message"`
	Text         string  `json:"text"`
	FinishReason *string `json:"finish_reason"`
}

// message holds the text fields of a delta or message. Reasoning models
// stream their thinking in reasoning_content (vLLM, DeepSeek) or
// reasoning (newer vLLM, OpenRouter); it is generated output too.
type message struct {
	Content          string `json:"content"`
	ReasoningContent string `json:"reasoning_content"`
	Reasoning        string `json:"reasoning"`
}

type usage struct {
	PromptTokens            *int `json:"prompt_tokens"`
	CompletionTokens        *int `json:"completion_tokens"`
	CompletionTokensDetails *struct {
		ReasoningTokens *int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

// payload is one stream chunk or a whole non-streaming answer.
type payload struct {
	Choices []choice        `json:"choices"`
	Usage   *usage          `json:"usage"`
	Error   json.RawMessage `json:"error"`
	// Older vLLM sends errors as {"object":"error","message":...}.
	Object  string `json:"object"`
	Message string `json:"message"`
}

// accumulator turns a response into a record.
type accumulator struct {
	rec   *backend.Record
	clock func() time.Time
	red   *redact.Redactor // masks secrets in quoted answers; nil: structural rules only

	textChars int // characters of generated text, for the estimate
	last      *usage
	finished  bool // some choice carried a finish reason
	chunks    int  // data events seen, for error messages

	backend.Fault
}

// ReadStream consumes a server-sent-event body.
func (a *accumulator) ReadStream(body io.Reader) {
	events := NewSSEReader(body)
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
		var p payload
		if err := json.Unmarshal(data, &p); err != nil {
			a.Fail(backend.ErrorProtocol, "chunk %d is not valid JSON (%v): %s", a.chunks, err, a.red.Quote(string(data), backend.MaxMessage))
			return
		}
		if msg, ok := p.errorMessage(a.red); ok {
			a.Fail(backend.ErrorHTTP, "server reported an error mid-stream: %s", msg)
			return
		}
		if n := a.take(&p); n > 0 {
			backend.AddChunk(a.rec, arrived)
		}
	}
}

// ReadJSON consumes a non-streaming answer.
func (a *accumulator) ReadJSON(body io.Reader) {
	var p payload
	data, err := backend.DecodeAnswer(body, a.rec, a.clock, a.red, &p)
	if err != nil {
		a.Fail(backend.ErrorProtocol, "%v", err)
		return
	}
	if msg, ok := p.errorMessage(a.red); ok {
		a.Fail(backend.ErrorHTTP, "server reported an error: %s", msg)
		return
	}
	if p.Choices == nil {
		a.Fail(backend.ErrorProtocol, "response has no choices: %s", a.red.Quote(string(data), backend.MaxMessage))
		return
	}
	a.take(&p)
}

// take records what p carries and returns the characters of text in it.
func (a *accumulator) take(p *payload) int {
	n := 0
	for i := range p.Choices {
		ch := &p.Choices[i]
		n += backend.TextChars(ch.Text) +
			backend.TextChars(ch.Delta.Content) + backend.TextChars(ch.Delta.ReasoningContent) + backend.TextChars(ch.Delta.Reasoning) +
			backend.TextChars(ch.Message.Content) + backend.TextChars(ch.Message.ReasoningContent) + backend.TextChars(ch.Message.Reasoning)
		if ch.FinishReason != nil && *ch.FinishReason != "" {
			a.rec.FinishReason = *ch.FinishReason
			a.finished = true
		}
	}
	if p.Usage != nil && (p.Usage.PromptTokens != nil || p.Usage.CompletionTokens != nil) {
		a.last = p.Usage
	}
	a.textChars += n
	return n
}

// Result is what was read; the usage is the last the server sent.
func (a *accumulator) Result() (class, msg string, u *backend.Usage, textChars int) {
	if a.last != nil {
		u = &backend.Usage{Input: a.last.PromptTokens, Output: a.last.CompletionTokens}
		if d := a.last.CompletionTokensDetails; d != nil {
			u.Reasoning = d.ReasoningTokens
		}
	}
	return a.Class, a.Msg, u, a.textChars
}

// errorMessage reports whether a payload is an error rather than output.
func (p *payload) errorMessage(r *redact.Redactor) (string, bool) {
	if backend.HasError(p.Error) {
		return backend.ErrorFieldMessage(r, p.Error), true
	}
	if p.Object == "error" {
		if p.Message != "" {
			return r.Quote(p.Message, backend.MaxMessage), true
		}
		return "unspecified error", true
	}
	return "", false
}
