// Package openai is the backend for servers that speak the OpenAI HTTP
// API: vLLM, TGI, llama.cpp, SGLang, Ollama's /v1, the OpenAI API itself.
// It registers itself as the backend kind "openai", with the aliases
// "vllm", "tgi", "sglang" and "llamacpp".
package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aienergy/aienergy/backend"
)

// Options configure an OpenAI-compatible backend.
type Options struct {
	// BaseURL is the API root, e.g. "http://localhost:8000/v1". A trailing
	// slash is ignored. A URL with no path at all ("http://host:8000") gets
	// "/v1" appended, since that is where every compatible server mounts
	// the API; any other path is used exactly as given, so proxies with
	// their own prefixes work.
	BaseURL string
	// API selects the endpoint: "chat" (the default, /chat/completions)
	// or "completions" (/completions).
	API string
	// Stream asks for a server-sent-event stream, the only way to observe
	// time to first token and inter-token latency.
	Stream bool
	// APIKey, Timeout, Headers and MaxConns are as in backend.Options:
	// the key is sent as "Authorization: Bearer ..." and never appears
	// in errors or records; MaxConns 0 means a pool of 64.
	APIKey   string
	Timeout  time.Duration
	Headers  map[string]string
	MaxConns int
	// Clock reads the time for records; nil means time.Now. It must
	// return monotonic times for records to line up with meter readings.
	Clock func() time.Time
}

// Client is a backend.Backend for servers that speak the OpenAI HTTP API.
// It is safe for concurrent use.
type Client struct {
	h        *backend.HTTPClient
	endpoint string // full URL of the generation endpoint
	chat     bool
	stream   bool
	hints    backend.CheckHints
}

var _ backend.Backend = (*Client)(nil)

// streamTypes is the media type of a streamed answer.
var streamTypes = []string{"text/event-stream"}

// Every server that speaks the OpenAI HTTP API is this kind.
func init() {
	backend.Register(func(_ context.Context, o backend.Options) (backend.Backend, error) {
		return New(Options{
			BaseURL: o.BaseURL, API: o.API, Stream: o.Stream, APIKey: o.APIKey,
			Timeout: o.Timeout, Headers: o.Headers, MaxConns: o.MaxConns,
		})
	}, "openai", "vllm", "tgi", "sglang", "llamacpp")
}

// New checks the options and returns a backend. It does not contact the
// server; call Check for that.
func New(opts Options) (*Client, error) {
	base, err := backend.ParseBaseURL("openai", opts.BaseURL, "http://127.0.0.1:8000/v1")
	if err != nil {
		return nil, err
	}
	if base.Path == "" {
		base.Path = "/v1"
	}
	var chat bool
	switch opts.API {
	case "", "chat":
		chat = true
	case "completions":
	default:
		return nil, fmt.Errorf("openai backend: api %q is not supported; use \"chat\" or \"completions\"", opts.API)
	}
	h, err := backend.NewHTTPClient(backend.HTTPOptions{
		Kind: "openai", Server: "model", Base: base, APIKey: opts.APIKey, Timeout: opts.Timeout,
		Headers: opts.Headers, MaxConns: opts.MaxConns, Clock: opts.Clock,
	})
	if err != nil {
		return nil, err
	}
	path := "/completions"
	if chat {
		path = "/chat/completions"
	}
	return &Client{
		h:        h,
		endpoint: base.String() + path,
		chat:     chat,
		stream:   opts.Stream,
		hints: backend.CheckHints{
			Start:    "start one with: aienergy sim --addr " + base.Host,
			NotFound: "is the base URL right? OpenAI-compatible servers usually serve under /v1",
		},
	}, nil
}

// Close releases idle connections.
func (c *Client) Close() error { return c.h.Close() }

// Do sends one request and returns what happened. It never returns an
// error: failures are recorded in the record's ErrorClass and Error.
//
// Record timing:
//   - Start is taken when the request has a connection, just before it is
//     written, so pool warm-up does not count as latency.
//   - Streaming: FirstToken is the arrival of the first chunk whose text
//     (chat delta.content, delta.reasoning_content or delta.reasoning;
//     completions text) is non-empty; every such chunk's arrival is
//     appended to Chunks; End follows "[DONE]" or the end of the stream.
//   - Not streaming: TTFT and the gaps between tokens cannot be observed,
//     so FirstToken stays zero and Chunks empty; Streamed is false.
//
// Tokens come from the last usage object the server sent. Without one,
// TokensEstimated is set and both counts are estimated as ceil(chars/4)
// of the prompt and of the generated text — a rough rule of thumb, never
// the chunk count. A failed request carries token counts only if some
// text had arrived.
//
// Errors: ErrorConnect when no response arrived because the server could
// not be reached or dropped the connection; ErrorHTTP for a non-2xx status
// and also for an error the server reports inside a 200 stream (an
// "error" event or a {"error": ...} chunk), since both are the server
// saying it failed; ErrorTimeout and ErrorCanceled from the context (and
// Timeout); ErrorProtocol for a body that cannot be parsed, a stream that
// broke off or ended with neither "[DONE]" nor a finish reason, or a
// request that cannot be encoded (an Extra value JSON cannot represent).
//
// The body is built from the request's fields; Extra is merged last at the
// top level and wins over every generated field, so it can replace, for
// example, messages with a multimodal array. If Extra turns streaming on
// or off, the response is still read right: the mode follows the
// response's Content-Type.
func (c *Client) Do(ctx context.Context, req backend.Request) backend.Record {
	rec := backend.Record{ID: req.ID, Model: req.Model}
	body, err := c.requestBody(req)
	if err != nil {
		c.h.FailNow(&rec, backend.ErrorProtocol, fmt.Sprintf("cannot encode request %d as JSON: %v", req.ID, err))
		return rec
	}
	c.h.Generate(ctx, req, &rec, backend.Generation{
		Endpoint:    c.endpoint,
		Body:        json.RawMessage(body),
		Stream:      c.stream,
		StreamTypes: streamTypes,
		Reader:      &accumulator{rec: &rec, clock: c.h.Now, red: c.h.Redactor()},
	})
	return rec
}
