package backend

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aienergy/aienergy/internal/redact"
)

// OpenAIOptions configure an OpenAI-compatible backend (vLLM, TGI,
// llama.cpp, Ollama's /v1, SGLang, the OpenAI API itself).
type OpenAIOptions struct {
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
	// APIKey, when set, is sent as "Authorization: Bearer ...". It is
	// never logged and never appears in errors or records.
	APIKey string
	// Timeout bounds each request, from sending to the end of the
	// response; 0 means no limit beyond the caller's context.
	Timeout time.Duration
	// Headers are added to every request and win over the defaults.
	Headers map[string]string
	// MaxConns sizes the idle connection pool; set it to the load's
	// concurrency so that connections are reused, not redialled. 0 means
	// a pool of 64.
	MaxConns int
	// Clock reads the time for records; nil means time.Now. It must
	// return monotonic times for records to line up with meter readings.
	Clock func() time.Time
}

// OpenAI is a Backend for servers that speak the OpenAI HTTP API. It is
// safe for concurrent use.
type OpenAI struct {
	base      *url.URL
	endpoint  string // full URL of the generation endpoint
	chat      bool
	stream    bool
	apiKey    string
	red       *redact.Redactor // the secrets above, for messages
	timeout   time.Duration
	headers   map[string]string
	clock     func() time.Time
	transport *http.Transport
	client    *http.Client
}

var _ Backend = (*OpenAI)(nil)

const defaultMaxConns = 64

// NewOpenAI checks the options and returns a backend. It does not contact
// the server; call Check for that.
func NewOpenAI(opts OpenAIOptions) (*OpenAI, error) {
	base, err := parseBaseURL(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	var chat bool
	switch opts.API {
	case "", "chat":
		chat = true
	case "completions":
	default:
		return nil, fmt.Errorf("openai backend: api %q is not supported; use \"chat\" or \"completions\"", opts.API)
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("openai backend: timeout %v is negative", opts.Timeout)
	}
	if opts.MaxConns < 0 {
		return nil, fmt.Errorf("openai backend: max connections %d is negative", opts.MaxConns)
	}
	for name := range opts.Headers {
		if name == "" || strings.ContainsAny(name, " :\r\n") {
			return nil, fmt.Errorf("openai backend: header name %q is not valid", name)
		}
	}
	maxConns := opts.MaxConns
	if maxConns == 0 {
		maxConns = defaultMaxConns
	}
	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	transport := newTransport(maxConns)
	path := "/completions"
	if chat {
		path = "/chat/completions"
	}
	return &OpenAI{
		base:      base,
		endpoint:  base.String() + path,
		chat:      chat,
		stream:    opts.Stream,
		apiKey:    opts.APIKey,
		red:       newRedactor(opts.APIKey, opts.Headers, base),
		timeout:   opts.Timeout,
		headers:   opts.Headers,
		clock:     clock,
		transport: transport,
		client:    &http.Client{Transport: transport},
	}, nil
}

// parseBaseURL applies the BaseURL rules documented on OpenAIOptions.
func parseBaseURL(raw string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, errors.New("openai backend: base URL is empty; set it to the server's API root, e.g. http://127.0.0.1:8000/v1")
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("openai backend: base URL %q is not a URL: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("openai backend: base URL %q must start with http:// or https://", u.Redacted())
	}
	if u.Host == "" {
		return nil, fmt.Errorf("openai backend: base URL %q has no host", u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("openai backend: base URL %q must not have a query or fragment", u.Redacted())
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	if u.Path == "" {
		u.Path = "/v1"
	}
	return u, nil
}

// newTransport returns a keep-alive HTTP/1.1 transport. HTTP/1.1 keeps one
// stream per connection, so what the load generator sees is what the
// server sees. Compression is off: a gzip layer could hold back chunks
// and distort their arrival times.
func newTransport(maxConns int) *http.Transport {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		Protocols:             protocols,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   10 * time.Second,
		MaxIdleConns:          maxConns,
		MaxIdleConnsPerHost:   maxConns,
		IdleConnTimeout:       90 * time.Second,
		DisableCompression:    true,
		ExpectContinueTimeout: time.Second,
	}
}

// Close releases idle connections.
func (c *OpenAI) Close() error {
	c.transport.CloseIdleConnections()
	return nil
}

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
func (c *OpenAI) Do(ctx context.Context, req Request) Record {
	rec := Record{ID: req.ID, Model: req.Model}
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	// abort ends the request without marking ctx: closeBody uses it on a
	// server that never ends its body, and ctx stays the judge of
	// timeouts and cancellation.
	reqCtx, abort := context.WithCancel(ctx)
	defer abort()

	resp := c.send(ctx, reqCtx, req, &rec)
	if resp == nil {
		return rec
	}
	defer closeBody(resp.Body, abort)
	c.receive(ctx, resp, req.Prompt, &rec)
	return rec
}

// send posts req and sets rec.Start. When no response arrives it
// completes rec as failed and returns nil.
func (c *OpenAI) send(ctx, reqCtx context.Context, req Request, rec *Record) *http.Response {
	failNow := func(class, msg string) *http.Response {
		rec.Start = c.clock()
		rec.End = rec.Start
		rec.ErrorClass, rec.Error = class, c.redact(msg)
		return nil
	}
	body, err := json.Marshal(c.requestBody(req))
	if err != nil {
		return failNow(ErrorProtocol, fmt.Sprintf("cannot encode request %d as JSON: %v", req.ID, err))
	}
	var startMu sync.Mutex
	var start time.Time
	trace := &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) {
			// Called again if the transport retries on a fresh
			// connection; the last call is the one that counts.
			t := c.clock()
			startMu.Lock()
			start = t
			startMu.Unlock()
		},
	}
	httpReq, err := http.NewRequestWithContext(httptrace.WithClientTrace(reqCtx, trace), http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return failNow(ErrorProtocol, fmt.Sprintf("cannot build request: %v", err))
	}
	c.setHeaders(httpReq.Header, c.stream)
	httpReq.Header.Set("Content-Type", "application/json")

	before := c.clock()
	resp, err := c.client.Do(httpReq)
	startMu.Lock()
	rec.Start = start
	startMu.Unlock()
	if rec.Start.IsZero() { // no connection was made
		rec.Start = before
	}
	if err != nil {
		rec.End = c.clock()
		rec.ErrorClass, rec.Error = c.classifySendError(ctx, err)
		return nil
	}
	return resp
}

// receive reads the response into rec.
func (c *OpenAI) receive(ctx context.Context, resp *http.Response, prompt string, rec *Record) {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := serverMessage(c.red, readSome(resp.Body, maxErrorBody))
		rec.End = c.clock()
		rec.ErrorClass = ErrorHTTP
		rec.Error = c.redact(fmt.Sprintf("HTTP %s from %s: %s", statusText(resp), c.endpoint, msg))
		return
	}
	acc := &accumulator{rec: rec, clock: c.clock, red: c.red}
	rec.Streamed = isEventStream(resp.Header.Get("Content-Type"), c.stream)
	if rec.Streamed {
		acc.readStream(resp.Body)
	} else {
		acc.readJSON(resp.Body)
	}
	if rec.End.IsZero() {
		rec.End = c.clock()
	}
	if acc.errClass != "" {
		rec.ErrorClass, rec.Error = acc.errClass, acc.errMsg
		if cls, ok := contextClass(ctx); ok && acc.errClass == ErrorProtocol {
			// A read that failed because the context ended is a
			// timeout or cancellation, not a bad server.
			rec.ErrorClass, rec.Error = cls, c.contextMessage(ctx)
		}
		rec.Error = c.redact(rec.Error)
	}
	acc.fillTokens(prompt)
}

// requestBody builds the JSON body for req; see Do for the rules.
func (c *OpenAI) requestBody(req Request) map[string]any {
	body := map[string]any{
		"model":  req.Model,
		"stream": c.stream,
	}
	if c.chat {
		body["messages"] = []map[string]string{{"role": "user", "content": req.Prompt}}
	} else {
		body["prompt"] = req.Prompt
	}
	if c.stream {
		body["stream_options"] = map[string]bool{"include_usage": true}
	}
	if req.MaxTokens > 0 {
		body["max_tokens"] = req.MaxTokens
	}
	if req.MinTokens > 0 {
		body["min_tokens"] = req.MinTokens
	}
	if req.IgnoreEOS {
		body["ignore_eos"] = true
	}
	for k, v := range req.Extra {
		body[k] = v
	}
	return body
}

func (c *OpenAI) setHeaders(h http.Header, stream bool) {
	h.Set("User-Agent", "aienergy")
	if stream {
		h.Set("Accept", "text/event-stream")
	} else {
		h.Set("Accept", "application/json")
	}
	if c.apiKey != "" {
		h.Set("Authorization", "Bearer "+c.apiKey)
	}
	for k, v := range c.headers {
		h.Set(k, v)
	}
}

// isEventStream decides how to read a 2xx body: by its media type when
// the server names one, else by what was asked for.
func isEventStream(contentType string, requested bool) bool {
	media, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return requested
	}
	switch media {
	case "text/event-stream":
		return true
	case "application/json":
		return false
	}
	return requested
}

// drainTimeout bounds the wait for the end of a body whose content has
// been read. A well-behaved server ends the body right after "[DONE]";
// one that does not costs its connection, not the caller's time.
const drainTimeout = 100 * time.Millisecond

// closeBody drains a little of what is left so that the connection can go
// back to the pool, then closes the body. abort cancels the request, and
// so the drain, if the server holds the body open.
func closeBody(body io.ReadCloser, abort context.CancelFunc) {
	timer := time.AfterFunc(drainTimeout, abort)
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	timer.Stop()
	_ = body.Close()
}

func statusText(resp *http.Response) string {
	if text := http.StatusText(resp.StatusCode); text != "" {
		return fmt.Sprintf("%d %s", resp.StatusCode, text)
	}
	return fmt.Sprint(resp.StatusCode)
}
