package backend

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/aienergy/aienergy/internal/redact"
)

// Limits on what one response may cost in memory. They are constants: a
// real server stays far below them, and a request that passes one fails
// (or, for chunks, records less) instead of taking the benchmark down.
const (
	// maxJSONBody bounds an answer that is not streamed (and a Check
	// answer). A long text answer is well under 1 MiB.
	maxJSONBody = 16 << 20
	// maxRecordedChunks bounds the chunk arrival times kept per request
	// (Record.Chunks, the chunk_ms cell of requests.csv): 64 Ki chunks is
	// more tokens than any model is asked for. A stream that goes on is
	// still read, its text and time counted; only its later chunk times
	// are not recorded.
	maxRecordedChunks = 1 << 16
)

// errBodyTooLarge says that an answer passed maxJSONBody.
var errBodyTooLarge = fmt.Errorf("response body is larger than the %d MiB limit for an answer that is not streamed", maxJSONBody>>20)

// readBody reads an answer that is not streamed, up to maxJSONBody.
func readBody(body io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(body, maxJSONBody+1))
	if err == nil && len(data) > maxJSONBody {
		return nil, errBodyTooLarge
	}
	return data, err
}

// addChunk notes the arrival of a chunk that carries content, keeping at
// most maxRecordedChunks of their times.
func addChunk(rec *Record, arrived time.Time) {
	if rec.FirstToken.IsZero() {
		rec.FirstToken = arrived
	}
	rec.ChunkCount++
	if len(rec.Chunks) < maxRecordedChunks {
		rec.Chunks = append(rec.Chunks, arrived.Sub(rec.Start))
	}
}

// openAIChoice covers the choice shapes of chat chunks, chat answers and
// completions, streaming or not.
type openAIChoice struct {
	Delta        openAIMessage `json:"delta"`
	Message      openAIMessage `json:"message"`
	Text         string        `json:"text"`
	FinishReason *string       `json:"finish_reason"`
}

// openAIMessage holds the text fields of a delta or message. Reasoning
// models stream their thinking in reasoning_content (vLLM, DeepSeek) or
// reasoning (newer vLLM, OpenRouter); it is generated output too.
type openAIMessage struct {
	Content          string `json:"content"`
	ReasoningContent string `json:"reasoning_content"`
	Reasoning        string `json:"reasoning"`
}

type openAIUsage struct {
	PromptTokens            *int `json:"prompt_tokens"`
	CompletionTokens        *int `json:"completion_tokens"`
	CompletionTokensDetails *struct {
		ReasoningTokens *int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

// dropNegative forgets counts no server can mean, so that they are
// estimated like missing ones instead of failing the run's analysis; it
// reports whether a token count is left.
func (u *openAIUsage) dropNegative() bool {
	for _, p := range []**int{&u.PromptTokens, &u.CompletionTokens} {
		if *p != nil && **p < 0 {
			*p = nil
		}
	}
	if d := u.CompletionTokensDetails; d != nil && d.ReasoningTokens != nil && *d.ReasoningTokens < 0 {
		d.ReasoningTokens = nil
	}
	return u.PromptTokens != nil || u.CompletionTokens != nil
}

// openAIPayload is one stream chunk or a whole non-streaming answer.
type openAIPayload struct {
	Choices []openAIChoice  `json:"choices"`
	Usage   *openAIUsage    `json:"usage"`
	Error   json.RawMessage `json:"error"`
	// Older vLLM sends errors as {"object":"error","message":...}.
	Object  string `json:"object"`
	Message string `json:"message"`
}

// accumulator turns a response into a record.
type accumulator struct {
	rec   *Record
	clock func() time.Time
	red   *redact.Redactor // masks secrets in quoted answers; nil: structural rules only

	textChars int // characters of generated text, for the estimate
	usage     *openAIUsage
	finished  bool // some choice carried a finish reason
	chunks    int  // data events seen, for error messages

	errClass, errMsg string
}

func (a *accumulator) fail(class, format string, args ...any) {
	a.errClass = class
	a.errMsg = fmt.Sprintf(format, args...)
}

// readStream consumes a server-sent-event body.
func (a *accumulator) readStream(body io.Reader) {
	events := NewSSEReader(body)
	for {
		ev, err := events.Next()
		arrived := a.clock()
		if err == io.EOF {
			if !a.finished {
				a.fail(ErrorProtocol, "stream ended after %d chunks without [DONE] and without a finish_reason", a.chunks)
			}
			return
		}
		if err != nil {
			a.fail(ErrorProtocol, "response stream broke off after %d chunks: %v", a.chunks, err)
			return
		}
		if ev.Name == "error" {
			a.fail(ErrorHTTP, "server reported an error mid-stream: %s", serverMessage(a.red, ev.Data))
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
		var p openAIPayload
		if err := json.Unmarshal(data, &p); err != nil {
			a.fail(ErrorProtocol, "chunk %d is not valid JSON (%v): %s", a.chunks, err, a.red.Quote(string(data), maxMessage))
			return
		}
		if msg, ok := p.errorMessage(a.red); ok {
			a.fail(ErrorHTTP, "server reported an error mid-stream: %s", msg)
			return
		}
		if n := a.take(&p); n > 0 {
			addChunk(a.rec, arrived)
		}
	}
}

// readJSON consumes a non-streaming answer.
func (a *accumulator) readJSON(body io.Reader) {
	data, err := readBody(body)
	a.rec.End = a.clock() // the answer is complete when it has arrived, not after parsing
	if err == errBodyTooLarge {
		a.fail(ErrorProtocol, "%v; set backend.stream: true to stream it", err)
		return
	}
	if err != nil {
		a.fail(ErrorProtocol, "reading response body: %v", err)
		return
	}
	var p openAIPayload
	if err := json.Unmarshal(data, &p); err != nil {
		a.fail(ErrorProtocol, "response is not valid JSON (%v): %s", err, a.red.Quote(string(data), maxMessage))
		return
	}
	if msg, ok := p.errorMessage(a.red); ok {
		a.fail(ErrorHTTP, "server reported an error: %s", msg)
		return
	}
	if p.Choices == nil {
		a.fail(ErrorProtocol, "response has no choices: %s", a.red.Quote(string(data), maxMessage))
		return
	}
	a.take(&p)
}

// take records what p carries and returns the characters of text in it.
func (a *accumulator) take(p *openAIPayload) int {
	n := 0
	for i := range p.Choices {
		ch := &p.Choices[i]
		n += textChars(ch.Text) +
			textChars(ch.Delta.Content) + textChars(ch.Delta.ReasoningContent) + textChars(ch.Delta.Reasoning) +
			textChars(ch.Message.Content) + textChars(ch.Message.ReasoningContent) + textChars(ch.Message.Reasoning)
		if ch.FinishReason != nil && *ch.FinishReason != "" {
			a.rec.FinishReason = *ch.FinishReason
			a.finished = true
		}
	}
	if p.Usage != nil && (p.Usage.PromptTokens != nil || p.Usage.CompletionTokens != nil) {
		a.usage = p.Usage
	}
	a.textChars += n
	return n
}

func textChars(s string) int { return utf8.RuneCountInString(s) }

// fillTokens sets the token counts: the server's usage when it sent one,
// else an estimate. A failed request without any text gets none.
func (a *accumulator) fillTokens(prompt string) {
	if a.usage != nil && !a.usage.dropNegative() {
		a.usage = nil
	}
	if a.errClass != "" && a.textChars == 0 && a.usage == nil {
		return
	}
	if a.usage != nil && a.usage.CompletionTokens != nil {
		a.rec.OutputTokens = *a.usage.CompletionTokens
		if d := a.usage.CompletionTokensDetails; d != nil && d.ReasoningTokens != nil {
			a.rec.ReasoningTokens = *d.ReasoningTokens
		}
		if a.usage.PromptTokens != nil {
			a.rec.InputTokens = *a.usage.PromptTokens
		} else {
			a.rec.InputTokens = estimateTokens(textChars(prompt))
			a.rec.TokensEstimated = true
		}
		return
	}
	a.rec.TokensEstimated = true
	a.rec.OutputTokens = estimateTokens(a.textChars)
	if a.usage != nil && a.usage.PromptTokens != nil {
		a.rec.InputTokens = *a.usage.PromptTokens
	} else {
		a.rec.InputTokens = estimateTokens(textChars(prompt))
	}
}

// estimateTokens is the common rule of thumb of about four characters per
// token for English text. It is only used, and flagged, when the server
// reports no usage.
func estimateTokens(chars int) int { return (chars + 3) / 4 }

// errorMessage reports whether a payload is an error rather than output.
func (p *openAIPayload) errorMessage(r *redact.Redactor) (string, bool) {
	if len(p.Error) > 0 && string(p.Error) != "null" {
		return errorFieldMessage(r, p.Error), true
	}
	if p.Object == "error" {
		if p.Message != "" {
			return r.Quote(p.Message, maxMessage), true
		}
		return "unspecified error", true
	}
	return "", false
}

var errNoMessage = errors.New("no message")

// errorFieldMessage reads an "error" field that may be a string or an
// object with a message, masking secrets before it is cut.
func errorFieldMessage(r *redact.Redactor, raw json.RawMessage) string {
	msg, err := messageFromErrorField(raw)
	if err != nil {
		return r.Quote(string(raw), maxMessage)
	}
	return r.Quote(msg, maxMessage)
}

func messageFromErrorField(raw json.RawMessage) (string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		return s, nil
	}
	var obj struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &obj) == nil && obj.Message != "" {
		return obj.Message, nil
	}
	return "", errNoMessage
}
