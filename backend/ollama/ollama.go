// Package ollama is the backend for Ollama's native API (/api/chat,
// /api/generate), the one that reports load and evaluation durations;
// Ollama's OpenAI-compatible /v1 API is served by package openai instead.
// It registers itself as the backend kind "ollama".
package ollama

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/aienergy/aienergy/backend"
)

// Options configure a backend for Ollama's native API.
type Options struct {
	// BaseURL is the server root; "" means http://localhost:11434. A
	// trailing "/api" is dropped; "/v1" is refused, since that is the
	// OpenAI-compatible API.
	BaseURL string
	// API selects the endpoint: "chat" (the default, /api/chat, sent as
	// messages) or "generate" (/api/generate, sent as a prompt).
	API string
	// Stream asks for an NDJSON stream, the only way to observe time to
	// first token and inter-token latency.
	Stream bool
	// APIKey, Timeout, Headers and MaxConns are as in backend.Options:
	// the key (for ollama.com and authenticating proxies) is sent as
	// "Authorization: Bearer ..." and never appears in errors or records;
	// MaxConns 0 means a pool of 64.
	APIKey   string
	Timeout  time.Duration
	Headers  map[string]string
	MaxConns int
	// KeepAlive, when set, is sent as keep_alive ("5m", "-1", "0"): how
	// long the model stays loaded after a request. Unloading between
	// requests would put load time, and load energy, into every request.
	KeepAlive string
	// Options are sent as the request's "options" (Modelfile parameters
	// such as temperature, seed, num_ctx). Request.MaxTokens, when set,
	// becomes options.num_predict and wins over a num_predict here.
	Options map[string]any
	// OnStats, when set, receives the server's timings from each
	// request's final object. Record has no fields for them yet.
	OnStats func(requestID int, s Stats)
	// Clock reads the time for records; nil means time.Now.
	Clock func() time.Time
}

// Stats are the timings Ollama reports in a response's final object.
// Load is non-zero when the request had to load the model: a cold start
// whose time and energy are not inference.
type Stats struct {
	Total, Load, PromptEval, Eval time.Duration
}

// Client is a backend.Backend for Ollama's native API. It is safe for
// concurrent use.
//
// Request mapping: MaxTokens is sent as options.num_predict. Ollama has no
// equivalent of MinTokens or IgnoreEOS, so both are ignored; a run that
// needs a fixed output length cannot have one on Ollama, and the config
// layer should say so. Extra fields are merged at the top level (e.g.
// "think", "format"), except "options", whose keys are merged into the
// options.
type Client struct {
	h        *backend.HTTPClient
	endpoint string
	chat     bool
	stream   bool
	options  map[string]any
	keep     string
	onStats  func(int, Stats)
}

var _ backend.Backend = (*Client)(nil)

func init() {
	backend.Register(func(_ context.Context, o backend.Options) (backend.Backend, error) {
		api := "chat" // the config's api names the OpenAI endpoints
		if o.API == "completions" {
			api = "generate"
		}
		return New(Options{
			BaseURL: o.BaseURL, API: api, Stream: o.Stream, APIKey: o.APIKey,
			Timeout: o.Timeout, Headers: o.Headers, MaxConns: o.MaxConns,
		})
	}, "ollama")
}

// New checks the options and returns a backend. It does not contact the
// server; call Check for that.
func New(opts Options) (*Client, error) {
	var chat bool
	switch opts.API {
	case "", "chat":
		chat = true
	case "generate":
	default:
		return nil, fmt.Errorf("ollama backend: api %q is not supported; use \"chat\" or \"generate\"", opts.API)
	}
	raw := opts.BaseURL
	if strings.TrimSpace(raw) == "" {
		raw = "http://localhost:11434"
	}
	base, err := backend.ParseBaseURL("ollama", raw, "http://localhost:11434")
	if err != nil {
		return nil, err
	}
	switch {
	case strings.HasSuffix(base.Path, "/v1"):
		return nil, fmt.Errorf("ollama backend: base URL %q points at Ollama's OpenAI-compatible API; use the openai backend for it, or drop /v1 for the native API", base.Redacted())
	case strings.HasSuffix(base.Path, "/api"):
		base.Path = strings.TrimSuffix(base.Path, "/api")
	}
	h, err := backend.NewHTTPClient(backend.HTTPOptions{
		Kind: "ollama", Server: "Ollama", Base: base, APIKey: opts.APIKey, Timeout: opts.Timeout,
		Headers: opts.Headers, MaxConns: opts.MaxConns, Clock: opts.Clock,
	})
	if err != nil {
		return nil, err
	}
	path := "/api/generate"
	if chat {
		path = "/api/chat"
	}
	return &Client{
		h:        h,
		endpoint: base.String() + path,
		chat:     chat,
		stream:   opts.Stream,
		options:  opts.Options,
		keep:     opts.KeepAlive,
		onStats:  opts.OnStats,
	}, nil
}

// Close releases idle connections.
func (o *Client) Close() error { return o.h.Close() }

// Do sends one request and returns what happened; failures are recorded,
// never returned.
//
// Streaming: each NDJSON line whose text (chat message.content or
// message.thinking; generate response or thinking) is non-empty is a
// chunk; the first sets FirstToken, so thinking counts for time to first
// token. The stream must end with a done:true object; one that breaks off
// before it is a protocol error. Not streaming: no FirstToken and no
// Chunks, as neither can be observed; Streamed is false.
//
// Tokens come from the final object: prompt_eval_count in,
// eval_count out. Where one is missing (older servers omit
// prompt_eval_count when the prompt was cached) it is estimated from
// characters and TokensEstimated is set; never from the chunk count.
//
// Errors: as for the OpenAI backend. A non-2xx answer is ErrorHTTP with
// Ollama's {"error": "..."} message (404 adds the "ollama pull" hint); an
// {"error": ...} line inside a 200 stream is ErrorHTTP too.
func (o *Client) Do(ctx context.Context, req backend.Request) backend.Record {
	rec := backend.Record{ID: req.ID, Model: req.Model}
	acc := &accumulator{rec: &rec, clock: o.h.Now, red: o.h.Redactor()}
	o.h.Generate(ctx, req, &rec, backend.Generation{
		Endpoint:    o.endpoint,
		Body:        o.requestBody(req),
		Stream:      o.stream,
		StreamTypes: []string{"application/x-ndjson", "application/jsonl", "application/json-seq"},
		Hint:        func(status int, msg string) string { return pullHint(status, msg, req.Model) },
		Reader:      acc,
	})
	if f := acc.final; f != nil && o.onStats != nil {
		o.onStats(req.ID, Stats{
			Total: time.Duration(f.TotalDuration), Load: time.Duration(f.LoadDuration),
			PromptEval: time.Duration(f.PromptEvalDuration), Eval: time.Duration(f.EvalDuration),
		})
	}
	return rec
}

// requestBody builds the JSON body for req; see Client for the rules.
func (o *Client) requestBody(req backend.Request) map[string]any {
	body := map[string]any{
		"model":  req.Model,
		"stream": o.stream, // Ollama streams unless told not to
	}
	if o.chat {
		body["messages"] = []map[string]string{{"role": "user", "content": req.Prompt}}
	} else {
		body["prompt"] = req.Prompt
	}
	if o.keep != "" {
		body["keep_alive"] = o.keep
	}
	options := maps.Clone(o.options)
	if options == nil {
		options = map[string]any{}
	}
	for k, v := range req.Extra {
		if extra, ok := v.(map[string]any); ok && k == "options" {
			maps.Copy(options, extra)
			continue
		}
		body[k] = v
	}
	if req.MaxTokens > 0 {
		options["num_predict"] = req.MaxTokens
	}
	if len(options) > 0 {
		body["options"] = options
	}
	return body
}

// pullHint adds what to do to a server's error message.
func pullHint(status int, msg, model string) string {
	if status == http.StatusNotFound && strings.Contains(msg, "not found") {
		return fmt.Sprintf("%s (pull the model first: ollama pull %s)", msg, model)
	}
	return msg
}
