package backend

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aienergy/aienergy/internal/redact"
)

// OllamaOptions configure a backend for Ollama's native API (/api/chat,
// /api/generate). Ollama's OpenAI-compatible /v1 API is served by the
// OpenAI backend instead; the native one is what reports load and
// evaluation durations.
type OllamaOptions struct {
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
	// APIKey, when set, is sent as "Authorization: Bearer ..." (ollama.com
	// and authenticating proxies). It never appears in errors or records.
	APIKey string
	// Timeout bounds each request; 0 means no limit beyond the context.
	Timeout time.Duration
	// Headers are added to every request and win over the defaults.
	Headers map[string]string
	// MaxConns sizes the idle connection pool; 0 means 64.
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
	OnStats func(requestID int, s OllamaStats)
	// Clock reads the time for records; nil means time.Now.
	Clock func() time.Time
}

// OllamaStats are the timings Ollama reports in a response's final object.
// LoadDuration is non-zero when the request had to load the model: a cold
// start whose time and energy are not inference.
type OllamaStats struct {
	Total, Load, PromptEval, Eval time.Duration
}

// Ollama is a Backend for Ollama's native API. It is safe for concurrent
// use.
//
// Request mapping: MaxTokens is sent as options.num_predict. Ollama has no
// equivalent of MinTokens or IgnoreEOS, so both are ignored; a run that
// needs a fixed output length cannot have one on Ollama, and the config
// layer should say so. Extra fields are merged at the top level (e.g.
// "think", "format"), except "options", whose keys are merged into the
// options.
type Ollama struct {
	h        *nativeHTTP
	endpoint string
	chat     bool
	stream   bool
	options  map[string]any
	keep     string
	onStats  func(int, OllamaStats)
}

var _ Backend = (*Ollama)(nil)

// NewOllama checks the options and returns a backend. It does not contact
// the server; call Check for that.
func NewOllama(opts OllamaOptions) (*Ollama, error) {
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
	h, err := newNativeHTTP("ollama", "Ollama", nativeOptions{
		baseURL: raw, example: "http://localhost:11434", apiKey: opts.APIKey, timeout: opts.Timeout,
		headers: opts.Headers, maxConns: opts.MaxConns, clock: opts.Clock,
	})
	if err != nil {
		return nil, err
	}
	switch {
	case strings.HasSuffix(h.base.Path, "/v1"):
		return nil, fmt.Errorf("ollama backend: base URL %q points at Ollama's OpenAI-compatible API; use the openai backend for it, or drop /v1 for the native API", h.base.Redacted())
	case strings.HasSuffix(h.base.Path, "/api"):
		h.base.Path = strings.TrimSuffix(h.base.Path, "/api")
	}
	path := "/api/generate"
	if chat {
		path = "/api/chat"
	}
	return &Ollama{
		h:        h,
		endpoint: h.base.String() + path,
		chat:     chat,
		stream:   opts.Stream,
		options:  opts.Options,
		keep:     opts.KeepAlive,
		onStats:  opts.OnStats,
	}, nil
}

// Close releases idle connections.
func (o *Ollama) Close() error { return o.h.close() }

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
func (o *Ollama) Do(ctx context.Context, req Request) Record {
	rec := Record{ID: req.ID, Model: req.Model}
	ctx, cancel := o.h.withTimeout(ctx)
	defer cancel()
	reqCtx, abort := context.WithCancel(ctx)
	defer abort()

	body, err := json.Marshal(o.requestBody(req))
	if err != nil {
		o.h.failNow(&rec, ErrorProtocol, fmt.Sprintf("cannot encode request %d as JSON: %v", req.ID, err))
		return rec
	}
	accept := "application/json"
	if o.stream {
		accept = "application/x-ndjson"
	}
	resp := o.h.post(ctx, reqCtx, o.endpoint, [][]byte{body}, accept, &rec)
	if resp == nil {
		return rec
	}
	defer closeBody(resp.Body, abort)
	if o.h.failStatus(resp, o.endpoint, &rec, func(msg string) string { return ollamaHint(resp.StatusCode, msg, req.Model) }) {
		return rec
	}
	acc := &ollamaAcc{rec: &rec, clock: o.h.clock, red: o.h.red}
	rec.Streamed = isNDJSON(resp.Header.Get("Content-Type"), o.stream)
	if rec.Streamed {
		acc.readStream(resp.Body)
	} else {
		acc.readJSON(resp.Body)
	}
	if rec.End.IsZero() {
		rec.End = o.h.clock()
	}
	if acc.errClass != "" {
		rec.ErrorClass, rec.Error = acc.errClass, acc.errMsg
		if cls, ok := contextClass(ctx); ok && acc.errClass == ErrorProtocol {
			rec.ErrorClass, rec.Error = cls, o.h.contextMessage(ctx, o.endpoint)
		}
		rec.Error = o.h.redact(rec.Error)
	}
	// The OpenAI accumulator holds the token rules; feed it Ollama's counts.
	tokens := accumulator{rec: &rec, textChars: acc.textChars, errClass: acc.errClass}
	if acc.final != nil && (acc.final.PromptEvalCount != nil || acc.final.EvalCount != nil) {
		tokens.usage = &openAIUsage{PromptTokens: acc.final.PromptEvalCount, CompletionTokens: acc.final.EvalCount}
	}
	tokens.fillTokens(req.Prompt)
	if acc.final != nil && o.onStats != nil {
		f := acc.final
		o.onStats(req.ID, OllamaStats{
			Total: time.Duration(f.TotalDuration), Load: time.Duration(f.LoadDuration),
			PromptEval: time.Duration(f.PromptEvalDuration), Eval: time.Duration(f.EvalDuration),
		})
	}
	return rec
}

// requestBody builds the JSON body for req; see Ollama for the rules.
func (o *Ollama) requestBody(req Request) map[string]any {
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

// ollamaHint adds what to do to a server's error message.
func ollamaHint(status int, msg, model string) string {
	if status == http.StatusNotFound && strings.Contains(msg, "not found") {
		return fmt.Sprintf("%s (pull the model first: ollama pull %s)", msg, model)
	}
	return msg
}

// isNDJSON decides how to read a 2xx body: by its media type when the
// server names one, else by what was asked for.
func isNDJSON(contentType string, requested bool) bool {
	switch mediaType(contentType) {
	case "application/x-ndjson", "application/jsonl", "application/json-seq":
		return true
	case "application/json":
		return false
	}
	return requested
}

// ollamaLine is one NDJSON object, or a whole non-streaming answer. Chat
// puts text in message; generate at the top level.
type ollamaLine struct {
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

func (l *ollamaLine) text() int {
	n := textChars(l.Response) + textChars(l.Thinking)
	if l.Message != nil {
		n += textChars(l.Message.Content) + textChars(l.Message.Thinking)
	}
	return n
}

// ollamaAcc turns an Ollama response into a record.
type ollamaAcc struct {
	rec       *Record
	clock     func() time.Time
	red       *redact.Redactor // masks secrets in quoted answers
	textChars int
	lines     int         // objects seen, for error messages
	final     *ollamaLine // the done:true object

	errClass, errMsg string
}

func (a *ollamaAcc) fail(class, format string, args ...any) {
	a.errClass = class
	a.errMsg = fmt.Sprintf(format, args...)
}

// maxNDJSONLine bounds one line in memory, as sseMaxEvent does for events.
const maxNDJSONLine = sseMaxEvent

// readStream consumes an NDJSON body. Lines may arrive in pieces; each is
// handled when its newline (or the end of the body) arrives.
func (a *ollamaAcc) readStream(body io.Reader) {
	lines := newLineReader(body, maxNDJSONLine)
	for {
		line, err := lines.next()
		arrived := a.clock()
		if err == io.EOF {
			a.fail(ErrorProtocol, "stream ended after %d objects without a done:true object", a.lines)
			return
		}
		if err != nil {
			a.fail(ErrorProtocol, "response stream broke off after %d objects: %v", a.lines, err)
			return
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		a.lines++
		var l ollamaLine
		if err := json.Unmarshal(line, &l); err != nil {
			a.fail(ErrorProtocol, "line %d is not valid JSON (%v): %s", a.lines, err, a.red.Quote(string(line), maxMessage))
			return
		}
		if len(l.Error) > 0 && string(l.Error) != "null" {
			a.fail(ErrorHTTP, "server reported an error mid-stream: %s", errorFieldMessage(a.red, l.Error))
			return
		}
		if n := l.text(); n > 0 {
			a.textChars += n
			addChunk(a.rec, arrived)
		}
		if l.Done {
			a.rec.End = arrived
			a.finish(&l)
			return
		}
	}
}

// readJSON consumes a non-streaming answer.
func (a *ollamaAcc) readJSON(body io.Reader) {
	data, err := readBody(body)
	a.rec.End = a.clock()
	if err == errBodyTooLarge {
		a.fail(ErrorProtocol, "%v; set backend.stream: true to stream it", err)
		return
	}
	if err != nil {
		a.fail(ErrorProtocol, "reading response body: %v", err)
		return
	}
	var l ollamaLine
	if err := json.Unmarshal(data, &l); err != nil {
		a.fail(ErrorProtocol, "response is not valid JSON (%v): %s", err, a.red.Quote(string(data), maxMessage))
		return
	}
	if len(l.Error) > 0 && string(l.Error) != "null" {
		a.fail(ErrorHTTP, "server reported an error: %s", errorFieldMessage(a.red, l.Error))
		return
	}
	if !l.Done {
		a.fail(ErrorProtocol, "response is not a finished Ollama answer (no done:true): %s", a.red.Quote(string(data), maxMessage))
		return
	}
	a.textChars = l.text()
	a.finish(&l)
}

func (a *ollamaAcc) finish(l *ollamaLine) {
	a.final = l
	a.rec.FinishReason = l.DoneReason
}

// lineReader splits a stream into lines ending in "\n" (a "\r" before it
// is left for the caller to trim). The last line may lack its newline.
type lineReader struct {
	r   *bufio.Reader
	max int
	buf []byte
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// next returns the next line without its newline, valid until the next
// call; io.EOF at the end of the stream.
func (l *lineReader) next() ([]byte, error) {
	l.buf = l.buf[:0]
	for {
		part, err := l.r.ReadSlice('\n')
		if err == nil && len(l.buf) == 0 {
			return part[:len(part)-1], nil // the common case: no copy
		}
		if len(l.buf)+len(part) > l.max {
			return nil, fmt.Errorf("a line is longer than %d MiB", l.max>>20)
		}
		l.buf = append(l.buf, part...)
		switch {
		case err == nil:
			return l.buf[:len(l.buf)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && len(l.buf) > 0:
			return l.buf, nil
		default:
			return nil, err
		}
	}
}

// Check lists the local models (GET /api/tags) and verifies that model is
// among them; "llama3.2" matches "llama3.2:latest", as in Ollama itself.
// An empty model only checks that the server answers. It gives up after
// the Timeout, or 30 s when none is set.
func (o *Ollama) Check(ctx context.Context, model string) error {
	hints := checkHints{
		start:    "start it with: ollama serve",
		notFound: "is this an Ollama server? The base URL is the server root, e.g. http://localhost:11434",
	}
	status, body, err := o.h.checkGet(ctx, "/api/tags", hints)
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return o.h.statusError("/api/tags", status, body, hints)
	}
	base := o.h.base.Redacted()
	var tags struct {
		Models []struct {
			Name  string `json:"name"`
			Model string `json:"model"`
		} `json:"models"`
	}
	if err := json.Unmarshal(body, &tags); err != nil || tags.Models == nil {
		return &checkError{msg: o.h.redact(fmt.Sprintf(
			"Ollama server at %s answered GET /api/tags with something that is not an Ollama model list: %s",
			base, o.h.red.Quote(string(body), maxMessage))), cause: err}
	}
	if model == "" {
		return nil
	}
	want := ollamaFullName(model)
	var served []string
	for _, m := range tags.Models {
		if ollamaFullName(m.Name) == want || (m.Model != "" && ollamaFullName(m.Model) == want) {
			return nil
		}
		served = append(served, m.Name)
	}
	slices.Sort(served)
	names := strings.Join(served, ", ")
	if names == "" {
		names = "(none)"
	}
	return &checkError{msg: o.h.redact(fmt.Sprintf(
		"model %q is not on the Ollama server at %s; pull it with: ollama pull %s (local models: %s)",
		model, base, model, names))}
}

// ollamaFullName adds the default tag: Ollama treats "llama3.2" and
// "llama3.2:latest" as one model. A colon in the last path element is a
// tag; one before a "/" is a registry port.
func ollamaFullName(name string) string {
	last := name[strings.LastIndex(name, "/")+1:]
	if strings.Contains(last, ":") {
		return name
	}
	return name + ":latest"
}

// ---------------------------------------------------------------------
// nativeHTTP: the plain-JSON HTTP client shared by the Ollama and KServe
// backends. It follows the OpenAI backend's rules (Start at connection,
// pooled HTTP/1.1, errors that say what to do, secrets redacted) for APIs
// mounted at a server root rather than under /v1.

// nativeOptions are the connection settings common to native backends.
type nativeOptions struct {
	baseURL, example, apiKey string
	timeout                  time.Duration
	headers                  map[string]string
	maxConns                 int
	clock                    func() time.Time
}

type nativeHTTP struct {
	server    string // "Ollama" or "KServe v2", for messages
	base      *url.URL
	apiKey    string
	red       *redact.Redactor // the secrets sent, for messages
	timeout   time.Duration
	headers   map[string]string
	clock     func() time.Time
	transport *http.Transport
	client    *http.Client
}

func newNativeHTTP(kind, server string, o nativeOptions) (*nativeHTTP, error) {
	base, err := parseRootURL(kind, o.baseURL, o.example)
	if err != nil {
		return nil, err
	}
	if o.timeout < 0 {
		return nil, fmt.Errorf("%s backend: timeout %v is negative", kind, o.timeout)
	}
	if o.maxConns < 0 {
		return nil, fmt.Errorf("%s backend: max connections %d is negative", kind, o.maxConns)
	}
	h := &nativeHTTP{server: server, base: base, apiKey: o.apiKey, timeout: o.timeout, headers: o.headers, clock: o.clock,
		red: newRedactor(o.apiKey, o.headers, base)}
	for name := range o.headers {
		if name == "" || strings.ContainsAny(name, " :\r\n") {
			return nil, fmt.Errorf("%s backend: header name %q is not valid", kind, name)
		}
	}
	if h.clock == nil {
		h.clock = time.Now
	}
	maxConns := o.maxConns
	if maxConns == 0 {
		maxConns = defaultMaxConns
	}
	h.transport = newTransport(maxConns)
	h.client = &http.Client{Transport: h.transport}
	return h, nil
}

// parseRootURL checks a server root URL and drops a trailing slash.
func parseRootURL(kind, raw, example string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, fmt.Errorf("%s backend: base URL is empty; set it to the server's root, e.g. %s", kind, example)
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("%s backend: base URL %q is not a URL: %v", kind, raw, err)
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

func (h *nativeHTTP) close() error {
	h.transport.CloseIdleConnections()
	return nil
}

func (h *nativeHTTP) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if h.timeout > 0 {
		return context.WithTimeout(ctx, h.timeout)
	}
	return ctx, func() {}
}

// failNow completes rec as failed before anything was sent.
func (h *nativeHTTP) failNow(rec *Record, class, msg string) {
	rec.Start = h.clock()
	rec.End = rec.Start
	rec.ErrorClass, rec.Error = class, h.redact(msg)
}

func (h *nativeHTTP) setHeaders(req *http.Request, accept string) {
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

// post sends the concatenation of body's parts to endpoint and sets
// rec.Start when the request has a connection, so that pool warm-up does
// not count as latency. The parts are read, never copied: KServe sends
// megabytes of pre-encoded tensor data shared by all requests. When no
// response arrives it completes rec as failed and returns nil.
func (h *nativeHTTP) post(ctx, reqCtx context.Context, endpoint string, body [][]byte, accept string, rec *Record) *http.Response {
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
		readers := make([]io.Reader, len(body))
		for i, p := range body {
			readers[i] = bytes.NewReader(p)
		}
		return io.NopCloser(io.MultiReader(readers...))
	}
	httpReq, err := http.NewRequestWithContext(httptrace.WithClientTrace(reqCtx, trace), http.MethodPost, endpoint, reader())
	if err != nil {
		h.failNow(rec, ErrorProtocol, fmt.Sprintf("cannot build request: %v", err))
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
	if rec.Start.IsZero() {
		rec.Start = before
	}
	if err != nil {
		rec.End = h.clock()
		rec.ErrorClass, rec.Error = h.classifySendError(ctx, endpoint, err)
		return nil
	}
	return resp
}

// failStatus completes rec as ErrorHTTP if resp is not 2xx. hint may add
// advice to the server's message.
func (h *nativeHTTP) failStatus(resp *http.Response, endpoint string, rec *Record, hint func(string) string) bool {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return false
	}
	msg := serverMessage(h.red, readSome(resp.Body, maxErrorBody))
	if hint != nil {
		msg = hint(msg)
	}
	rec.End = h.clock()
	rec.ErrorClass = ErrorHTTP
	rec.Error = h.redact(fmt.Sprintf("HTTP %s from %s: %s", statusText(resp), endpoint, msg))
	return true
}

func (h *nativeHTTP) contextMessage(ctx context.Context, endpoint string) string {
	if ctx.Err() == context.DeadlineExceeded {
		if h.timeout > 0 {
			return h.redact(fmt.Sprintf("request to %s did not finish within the deadline (timeout %v)", endpoint, h.timeout))
		}
		return h.redact(fmt.Sprintf("request to %s did not finish within the deadline", endpoint))
	}
	return h.redact(fmt.Sprintf("request to %s was canceled", endpoint))
}

func (h *nativeHTTP) classifySendError(ctx context.Context, endpoint string, err error) (class, msg string) {
	if cls, ok := contextClass(ctx); ok {
		return cls, h.contextMessage(ctx, endpoint)
	}
	if cause, ok := unreachable(err); ok {
		return ErrorConnect, h.redact(fmt.Sprintf("%s server at %s is not reachable (%s); check that it is running and that the URL is right", h.server, h.base.Redacted(), cause))
	}
	return ErrorConnect, h.redact(fmt.Sprintf("connection to %s failed before a response: %v", h.base.Redacted(), err))
}

func (h *nativeHTTP) redact(msg string) string { return h.red.String(msg) }

// checkHints are the backend's advice in Check errors.
type checkHints struct {
	start    string // how to start a server, for "connection refused"
	notFound string // what a 404 on the checked path suggests
}

// checkGet does one GET for Check under Check's deadline (the Timeout,
// or 30 s). It returns the status and body, or an error for the user
// when no answer came.
func (h *nativeHTTP) checkGet(ctx context.Context, path string, hints checkHints) (int, []byte, error) {
	timeout := h.timeout
	if timeout == 0 {
		timeout = defaultCheckTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	base := h.base.Redacted()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.base.String()+path, nil)
	if err != nil {
		return 0, nil, &checkError{msg: h.redact(fmt.Sprintf("cannot build request to %s: %v", base, err)), cause: err}
	}
	h.setHeaders(req, "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		if _, ok := contextClass(ctx); ok {
			return 0, nil, &checkError{msg: fmt.Sprintf("%s server at %s did not answer GET %s: %v", h.server, base, path, ctx.Err()), cause: ctx.Err()}
		}
		if cause, ok := unreachable(err); ok {
			return 0, nil, &checkError{msg: h.redact(fmt.Sprintf(
				"cannot reach %s server at %s: %s — is it running? (%s)", h.server, base, cause, hints.start)), cause: err}
		}
		return 0, nil, &checkError{msg: h.redact(fmt.Sprintf("cannot reach %s server at %s: %v", h.server, base, err)), cause: err}
	}
	defer closeBody(resp.Body, cancel)
	return resp.StatusCode, readSome(resp.Body, maxJSONBody), nil
}

// statusError explains a non-2xx answer to a Check request in the
// general way: access refused, wrong path, or the server's message.
func (h *nativeHTTP) statusError(path string, status int, body []byte, hints checkHints) error {
	base := h.base.Redacted()
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		if h.apiKey == "" {
			return &checkError{msg: fmt.Sprintf("%s server at %s refused access (HTTP %d): it needs an API key and none is set; put the key in the environment variable the config names", h.server, base, status)}
		}
		return &checkError{msg: fmt.Sprintf("%s server at %s refused access (HTTP %d): the API key is wrong or lacks permission", h.server, base, status)}
	case status == http.StatusNotFound:
		return &checkError{msg: h.redact(fmt.Sprintf("%s server at %s has no %s (HTTP 404): %s (server said: %s)",
			h.server, base, path, hints.notFound, serverMessage(h.red, body)))}
	}
	return &checkError{msg: h.redact(fmt.Sprintf("%s server at %s answered HTTP %d to GET %s: %s",
		h.server, base, status, path, serverMessage(h.red, body)))}
}

// mediaType returns a Content-Type's media type, or "" if it has none.
func mediaType(contentType string) string {
	media, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return media
}
