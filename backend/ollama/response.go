package ollama

import (
	"bytes"
	"encoding/json"
	"io"
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/internal/redact"
)

// line is one NDJSON object, or a whole non-streaming answer. Chat puts
// text in message; generate at the top level.
type line struct {
	Message *struct {
		Content  string `json:"content"`
		Thinking string `json:"thinking"`
	} `json:"message"`
	Response           string          `json:"response"`
	Thinking           string          `json:"thinking"`
	Done               bool            `json:"done"`
	DoneReason         string          `json:"done_reason"`
	PromptEvalCount    *int            `json:"prompt_eval_count"`
	EvalCount          *int            `json:"eval_count"`
	TotalDuration      int64           `json:"total_duration"`
	LoadDuration       int64           `json:"load_duration"`
	PromptEvalDuration int64           `json:"prompt_eval_duration"`
	EvalDuration       int64           `json:"eval_duration"`
	Error              json.RawMessage `json:"error"`
}

func (l *line) text() int {
	n := backend.TextChars(l.Response) + backend.TextChars(l.Thinking)
	if l.Message != nil {
		n += backend.TextChars(l.Message.Content) + backend.TextChars(l.Message.Thinking)
	}
	return n
}

// accumulator turns an Ollama response into a record.
type accumulator struct {
	rec       *backend.Record
	clock     func() time.Time
	red       *redact.Redactor // masks secrets in quoted answers
	textChars int
	lines     int   // objects seen, for error messages
	final     *line // the done:true object

	backend.Fault
}

// ReadStream consumes an NDJSON body. Lines may arrive in pieces; each is
// handled when its newline (or the end of the body) arrives.
func (a *accumulator) ReadStream(body io.Reader) {
	lines := newLineReader(body, backend.MaxLine)
	for {
		text, err := lines.next()
		arrived := a.clock()
		if err == io.EOF {
			a.Fail(backend.ErrorProtocol, "stream ended after %d objects without a done:true object", a.lines)
			return
		}
		if err != nil {
			a.Fail(backend.ErrorProtocol, "response stream broke off after %d objects: %v", a.lines, err)
			return
		}
		text = bytes.TrimSpace(text)
		if len(text) == 0 {
			continue
		}
		a.lines++
		var l line
		if err := json.Unmarshal(text, &l); err != nil {
			a.Fail(backend.ErrorProtocol, "line %d is not valid JSON (%v): %s", a.lines, err, a.red.Quote(string(text), backend.MaxMessage))
			return
		}
		if backend.HasError(l.Error) {
			a.Fail(backend.ErrorHTTP, "server reported an error mid-stream: %s", backend.ErrorFieldMessage(a.red, l.Error))
			return
		}
		if n := l.text(); n > 0 {
			a.textChars += n
			backend.AddChunk(a.rec, arrived)
		}
		if l.Done {
			a.rec.End = arrived
			a.finish(&l)
			return
		}
	}
}

// ReadJSON consumes a non-streaming answer.
func (a *accumulator) ReadJSON(body io.Reader) {
	var l line
	data, err := backend.DecodeAnswer(body, a.rec, a.clock, a.red, &l)
	if err != nil {
		a.Fail(backend.ErrorProtocol, "%v", err)
		return
	}
	if backend.HasError(l.Error) {
		a.Fail(backend.ErrorHTTP, "server reported an error: %s", backend.ErrorFieldMessage(a.red, l.Error))
		return
	}
	if !l.Done {
		a.Fail(backend.ErrorProtocol, "response is not a finished Ollama answer (no done:true): %s", a.red.Quote(string(data), backend.MaxMessage))
		return
	}
	a.textChars = l.text()
	a.finish(&l)
}

func (a *accumulator) finish(l *line) {
	a.final = l
	a.rec.FinishReason = l.DoneReason
}

// Result is what was read; the usage is the final object's counts.
func (a *accumulator) Result() (class, msg string, u *backend.Usage, textChars int) {
	if f := a.final; f != nil && (f.PromptEvalCount != nil || f.EvalCount != nil) {
		u = &backend.Usage{Input: f.PromptEvalCount, Output: f.EvalCount}
	}
	return a.Class, a.Msg, u, a.textChars
}
