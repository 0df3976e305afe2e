package backend

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/aienergy/aienergy/internal/redact"
)

// A Reader reads the 2xx answer of a text-generation request into the
// record it was made for; see Generate.
type Reader interface {
	// ReadStream consumes a streamed answer, ReadJSON a whole one.
	ReadStream(body io.Reader)
	ReadJSON(body io.Reader)
	// Result is what was read: a failure (class "" for none) and its
	// message, the usage the server reported (nil for none), and the
	// characters of generated text, for the estimate.
	Result() (class, msg string, usage *Usage, textChars int)
}

// A Generation is one text-generation request, as a kind builds it.
type Generation struct {
	Endpoint string
	// Body is sent as JSON: encoded by encoding/json, or as it is when
	// it is a json.RawMessage, which a kind that encodes its own bodies
	// passes.
	Body   any
	Stream bool // a streamed answer was asked for
	// StreamTypes are the media types of a streamed answer; the first is
	// sent as Accept when Stream is set. The answer is read by its
	// Content-Type, so an Extra that turns streaming on or off is read
	// right.
	StreamTypes []string
	// Hint, when set, may add advice to the message of an error answer.
	Hint func(status int, msg string) string
	// Reader reads a 2xx answer into the record passed to Generate.
	Reader Reader
}

// Generate sends a text-generation request and completes rec, which
// holds the request's ID and model, with what happened: timing (Start at
// the connection, End when the answer is complete), the failure if any,
// and the tokens (SetTokens). It bounds the request by the Timeout.
func (h *HTTPClient) Generate(ctx context.Context, req Request, rec *Record, g Generation) {
	ctx, cancel := h.WithTimeout(ctx)
	defer cancel()
	// abort ends the request without marking ctx: CloseBody uses it on a
	// server that never ends its body, and ctx stays the judge of
	// timeouts and cancellation.
	reqCtx, abort := context.WithCancel(ctx)
	defer abort()

	body, err := encodeBody(g.Body)
	if err != nil {
		h.FailNow(rec, ErrorProtocol, fmt.Sprintf("cannot encode request %d as JSON: %v", req.ID, err))
		return
	}
	accept := "application/json"
	if g.Stream && len(g.StreamTypes) > 0 {
		accept = g.StreamTypes[0]
	}
	resp := h.Post(ctx, reqCtx, g.Endpoint, [][]byte{body}, accept, rec)
	if resp == nil {
		return
	}
	defer CloseBody(resp.Body, abort)
	if h.FailStatus(resp, g.Endpoint, rec, g.Hint) {
		return
	}
	rec.Streamed = IsStream(resp.Header.Get("Content-Type"), g.Stream, g.StreamTypes...)
	if rec.Streamed {
		g.Reader.ReadStream(resp.Body)
	} else {
		g.Reader.ReadJSON(resp.Body)
	}
	if rec.End.IsZero() {
		rec.End = h.clock()
	}
	class, msg, usage, textChars := g.Reader.Result()
	if class != "" {
		h.Fail(ctx, rec, g.Endpoint, class, msg)
	}
	SetTokens(rec, usage, textChars, req.Prompt)
}

// encodeBody encodes a Generation's Body. A json.RawMessage is taken as
// it is: encoding/json would check and copy it again.
func encodeBody(body any) ([]byte, error) {
	if raw, ok := body.(json.RawMessage); ok {
		return raw, nil
	}
	return json.Marshal(body)
}

// DecodeAnswer reads an answer that is not streamed into v, setting
// rec.End when it has arrived, before it is parsed. It returns the body,
// for messages that quote it, and an error worded for a protocol failure.
func DecodeAnswer(body io.Reader, rec *Record, clock func() time.Time, red *redact.Redactor, v any) ([]byte, error) {
	return DecodeAnswerWith(body, rec, clock, red, func(data []byte) error { return json.Unmarshal(data, v) })
}

// DecodeAnswerWith is DecodeAnswer with a decoder of the kind's own, for
// one that reads only the fields it needs; decode's error is taken for
// invalid JSON.
func DecodeAnswerWith(body io.Reader, rec *Record, clock func() time.Time, red *redact.Redactor, decode func(data []byte) error) ([]byte, error) {
	data, err := ReadBody(body)
	rec.End = clock()
	switch {
	case err == ErrBodyTooLarge:
		return nil, fmt.Errorf("%w; set backend.stream: true to stream it", err)
	case err != nil:
		return nil, fmt.Errorf("reading response body: %w", err)
	}
	if err := decode(data); err != nil {
		return data, fmt.Errorf("response is not valid JSON (%v): %s", err, red.Quote(string(data), MaxMessage))
	}
	return data, nil
}

// A Fault is what a Reader found wrong with an answer; Readers embed it.
type Fault struct {
	Class, Msg string // "" for none
}

// Fail notes a fault of class, worded by format.
func (f *Fault) Fail(class, format string, args ...any) {
	f.Class, f.Msg = class, fmt.Sprintf(format, args...)
}
