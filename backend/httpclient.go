package backend

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aienergy/aienergy/internal/httpx"
	"github.com/aienergy/aienergy/internal/redact"
)

// HTTPOptions are the connection settings every kind of backend shares.
type HTTPOptions struct {
	// Kind starts option errors: "openai backend: …".
	Kind string
	// Server names the server in messages: "Ollama" gives "Ollama server
	// at http://…".
	Server string
	// Base is the URL the kind's paths are added to; the client keeps it.
	Base *url.URL
	// APIKey, when set, is sent as "Authorization: Bearer ...".
	APIKey string
	// Timeout bounds each request; 0 means no limit beyond the context.
	Timeout time.Duration
	// Headers are added to every request and win over the defaults; a
	// Host header sets the request's Host, by which an ingress routes.
	Headers map[string]string
	// MaxConns sizes the idle connection pool; 0 means 64.
	MaxConns int
	// Clock reads the time for records; nil means time.Now. It must return
	// monotonic times for records to line up with meter readings.
	Clock func() time.Time
}

// HTTPClient is the HTTP side of every backend: one pooled HTTP/1.1
// transport, the headers and credentials of each request, the Timeout,
// Record.Start taken when a request has its connection, error classes
// and messages that say what to do, bounded reading of error answers,
// and the secrets it sends masked in everything it writes. It is safe for
// concurrent use.
type HTTPClient struct {
	kind, server string
	base         *url.URL
	apiKey       string
	red          *redact.Redactor // the secrets sent, for messages
	timeout      time.Duration
	headers      map[string]string
	clock        func() time.Time
	transport    *http.Transport
	client       *http.Client
}

// defaultMaxConns is the idle pool when the options name none.
const defaultMaxConns = 64

// NewHTTPClient checks the options and returns a client. It does not
// contact the server.
func NewHTTPClient(o HTTPOptions) (*HTTPClient, error) {
	if o.Base == nil {
		return nil, fmt.Errorf("%s backend: no base URL", o.Kind)
	}
	if o.Timeout < 0 {
		return nil, fmt.Errorf("%s backend: timeout %v is negative", o.Kind, o.Timeout)
	}
	if o.MaxConns < 0 {
		return nil, fmt.Errorf("%s backend: max connections %d is negative", o.Kind, o.MaxConns)
	}
	for name := range o.Headers {
		if name == "" || strings.ContainsAny(name, " :\r\n") {
			return nil, fmt.Errorf("%s backend: header name %q is not valid", o.Kind, name)
		}
	}
	h := &HTTPClient{kind: o.Kind, server: o.Server, base: o.Base, apiKey: o.APIKey, timeout: o.Timeout,
		headers: o.Headers, clock: o.Clock, red: newRedactor(o.APIKey, o.Headers, o.Base)}
	if h.clock == nil {
		h.clock = time.Now
	}
	maxConns := o.MaxConns
	if maxConns == 0 {
		maxConns = defaultMaxConns
	}
	h.transport = newTransport(maxConns)
	h.client = &http.Client{Transport: h.transport}
	return h, nil
}

// ParseBaseURL checks a server's base URL as a kind's options give it and
// drops a trailing slash; example shows a right one in errors.
func ParseBaseURL(kind, raw, example string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, fmt.Errorf("%s backend: base URL is empty; set it to the server's address, e.g. %s", kind, example)
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("%s backend: base URL %q is not a URL: %v", kind, redact.URLs(raw), err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%s backend: base URL %q must start with http:// or https://, e.g. %s", kind, u.Redacted(), example)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%s backend: base URL %q has no host", kind, u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%s backend: base URL %q must not have a query or fragment", kind, u.Redacted())
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
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

// newRedactor knows the secrets a client sends with every request: the
// API key, every header value, and the base URL's password (also as the
// Basic credentials Go's client derives from it).
func newRedactor(apiKey string, headers map[string]string, base *url.URL) *redact.Redactor {
	secrets := append([]string{apiKey}, redact.URLSecrets(base.String())...)
	for _, v := range headers {
		secrets = append(secrets, v)
	}
	return redact.New(secrets...)
}

// Base is the server's URL as the kind set it; callers must not change it.
func (h *HTTPClient) Base() *url.URL { return h.base }

// Now reads the records' clock.
func (h *HTTPClient) Now() time.Time { return h.clock() }

// Redactor masks the secrets the client sends.
func (h *HTTPClient) Redactor() *redact.Redactor { return h.red }

// Redact removes the secrets the client sends from a message of its own.
func (h *HTTPClient) Redact(msg string) string { return h.red.String(msg) }

// Quote prepares text a server sent for a message: secrets masked, then
// cut to MaxMessage characters.
func (h *HTTPClient) Quote(text string) string { return h.red.Quote(text, MaxMessage) }

// Close releases idle connections.
func (h *HTTPClient) Close() error {
	h.transport.CloseIdleConnections()
	return nil
}

// WithTimeout bounds ctx by the Timeout, if any.
func (h *HTTPClient) WithTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if h.timeout > 0 {
		return context.WithTimeout(ctx, h.timeout)
	}
	return ctx, func() {}
}

// setHeaders adds the defaults, the API key and the configured headers.
func (h *HTTPClient) setHeaders(req *http.Request, accept string) {
	req.Header.Set("User-Agent", "aienergy")
	req.Header.Set("Accept", accept)
	if h.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+h.apiKey)
	}
	for k, v := range h.headers {
		if strings.EqualFold(k, "Host") {
			// Go sends req.Host, not a Host header; an ingress in front
			// of a KServe InferenceService routes by it.
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
}

// Post sends the concatenation of body's parts, as JSON, to endpoint and
// sets rec.Start when the request has a connection, so that pool warm-up
// does not count as latency. The parts are read, never copied: KServe
// sends megabytes of pre-encoded tensor data shared by all requests.
// reqCtx carries the request; ctx, which it derives from, judges
// timeouts and cancellation. When no response arrives Post completes rec
// as failed and returns nil.
func (h *HTTPClient) Post(ctx, reqCtx context.Context, endpoint string, body [][]byte, accept string, rec *Record) *http.Response {
	var startMu sync.Mutex
	var start time.Time
	trace := &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) {
			t := h.clock() // the last call, after any retry, counts
			startMu.Lock()
			start = t
			startMu.Unlock()
		},
	}
	var size int64
	for _, p := range body {
		size += int64(len(p))
	}
	reader := func() io.ReadCloser {
		if len(body) == 1 {
			// net/http writes a body it knows to be in memory with the
			// headers, in one system call, and copies it without a buffer
			// of its own; a MultiReader costs a second write and 32 KiB.
			return io.NopCloser(bytes.NewReader(body[0]))
		}
		readers := make([]io.Reader, len(body))
		for i, p := range body {
			readers[i] = bytes.NewReader(p)
		}
		return io.NopCloser(io.MultiReader(readers...))
	}
	httpReq, err := http.NewRequestWithContext(httptrace.WithClientTrace(reqCtx, trace), http.MethodPost, endpoint, reader())
	if err != nil {
		h.FailNow(rec, ErrorProtocol, fmt.Sprintf("cannot build request: %v", err))
		return nil
	}
	httpReq.ContentLength = size
	httpReq.GetBody = func() (io.ReadCloser, error) { return reader(), nil } // for retries on a fresh connection
	h.setHeaders(httpReq, accept)
	httpReq.Header.Set("Content-Type", "application/json")

	before := h.clock()
	resp, err := h.client.Do(httpReq)
	startMu.Lock()
	rec.Start = start
	startMu.Unlock()
	if rec.Start.IsZero() { // no connection was made
		rec.Start = before
	}
	if err != nil {
		rec.End = h.clock()
		rec.ErrorClass, rec.Error = h.sendError(ctx, endpoint, err)
		return nil
	}
	return resp
}

// FailNow completes rec as failed before anything was sent.
func (h *HTTPClient) FailNow(rec *Record, class, msg string) {
	rec.Start = h.clock()
	rec.End = rec.Start
	rec.ErrorClass, rec.Error = class, h.Redact(msg)
}

// FailStatus completes rec as ErrorHTTP if resp is not 2xx, quoting the
// server's message; hint, when set, may add advice to it.
func (h *HTTPClient) FailStatus(resp *http.Response, endpoint string, rec *Record, hint func(status int, msg string) string) bool {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return false
	}
	msg := ServerMessage(h.red, readSome(resp.Body, maxErrorBody))
	if hint != nil {
		msg = hint(resp.StatusCode, msg)
	}
	rec.End = h.clock()
	rec.ErrorClass = ErrorHTTP
	rec.Error = h.Redact(fmt.Sprintf("HTTP %s from %s: %s", statusText(resp.StatusCode), endpoint, msg))
	return true
}

// Fail records a failure found in a response (class and msg, already
// worded). A protocol failure that came because ctx ended — a read cut by
// the deadline — is recorded as the timeout or cancellation it is.
func (h *HTTPClient) Fail(ctx context.Context, rec *Record, endpoint, class, msg string) {
	rec.ErrorClass, rec.Error = class, h.Redact(msg)
	if cls, ok := ContextClass(ctx); ok && class == ErrorProtocol {
		rec.ErrorClass, rec.Error = cls, h.contextMessage(ctx, endpoint)
	}
}

// contextMessage says how ctx ended a request to endpoint.
func (h *HTTPClient) contextMessage(ctx context.Context, endpoint string) string {
	if ctx.Err() == context.DeadlineExceeded {
		if h.timeout > 0 {
			return h.Redact(fmt.Sprintf("request to %s did not finish within the deadline (timeout %v)", endpoint, h.timeout))
		}
		return h.Redact(fmt.Sprintf("request to %s did not finish within the deadline", endpoint))
	}
	return h.Redact(fmt.Sprintf("request to %s was canceled", endpoint))
}

// sendError explains an error from sending a request, when no response
// arrived.
func (h *HTTPClient) sendError(ctx context.Context, endpoint string, err error) (class, msg string) {
	if cls, ok := ContextClass(ctx); ok {
		return cls, h.contextMessage(ctx, endpoint)
	}
	switch f := httpx.Explain(err); {
	case f.Unreachable():
		return ErrorConnect, h.Redact(fmt.Sprintf("%s server at %s is not reachable (%s); check that it is running and that the URL is right", h.server, h.base.Redacted(), f.Cause))
	case f.TLS():
		return ErrorConnect, h.Redact(fmt.Sprintf("no secure connection to %s server at %s: %s", h.server, h.base.Redacted(), f.Cause))
	}
	return ErrorConnect, h.Redact(fmt.Sprintf("connection to %s failed before a response: %v", h.base.Redacted(), err))
}

// ContextClass reports whether ctx has ended, and as what error class.
func ContextClass(ctx context.Context) (string, bool) {
	switch ctx.Err() {
	case nil:
		return "", false
	case context.DeadlineExceeded:
		return ErrorTimeout, true
	default:
		return ErrorCanceled, true
	}
}

// drainTimeout bounds the wait for the end of a body whose content has
// been read. A well-behaved server ends the body right after its last
// object; one that does not costs its connection, not the caller's time.
const drainTimeout = 100 * time.Millisecond

// CloseBody drains a little of what is left so that the connection can go
// back to the pool, then closes the body. abort cancels the request, and
// so the drain, if the server holds the body open.
func CloseBody(body io.ReadCloser, abort context.CancelFunc) {
	timer := time.AfterFunc(drainTimeout, abort)
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	timer.Stop()
	_ = body.Close()
}

// statusText writes a status as "404 Not Found", or the number alone.
func statusText(code int) string {
	if text := http.StatusText(code); text != "" {
		return fmt.Sprintf("%d %s", code, text)
	}
	return fmt.Sprint(code)
}

// readSome reads at most limit bytes of r.
func readSome(r io.Reader, limit int64) []byte {
	data, _ := io.ReadAll(io.LimitReader(r, limit))
	return data
}
