package ollama

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/iotest"
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/backend/backendtest"
)

// stepClock is a clock that moves 1 ms per reading, so that a record's
// times say which reading, and so which line, they came from.
type stepClock struct {
	mu   sync.Mutex
	base time.Time
	n    int
}

func (c *stepClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.base.Add(time.Duration(c.n) * time.Millisecond)
}

// ms is a duration of n readings of a stepClock.
func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// ndjsonServer answers every POST with body as application/x-ndjson,
// written in pieces of piece bytes (0: one line at a time), each flushed,
// so that lines arrive whole or cut anywhere.
func ndjsonServer(t *testing.T, body []byte, piece int, rec *backendtest.Recorder) *httptest.Server {
	t.Helper()
	var parts [][]byte
	if piece == 0 {
		parts = bytes.SplitAfter(body, []byte("\n"))
	} else {
		for b := body; len(b) > 0; {
			n := min(piece, len(b))
			parts, b = append(parts, b[:n]), b[n:]
		}
	}
	return backendtest.ReplayServer(t, "application/x-ndjson", parts, 0, rec)
}

func newTestClient(t *testing.T, baseURL string, opts Options) *Client {
	t.Helper()
	opts.BaseURL = baseURL
	c, err := New(opts)
	return backendtest.Open(t, c, err)
}

func TestOllamaRecordedStreams(t *testing.T) {
	tests := []struct {
		file          string
		api           string
		textLines     []int // 1-based lines carrying text: the chunks
		lines         int   // the done:true line
		input, output int
		estimated     bool
		finish        string
	}{
		// Tokens are the final object's counts (26 in, 282 out), not
		// the 8 chunks.
		{"chat.ndjson", "chat", []int{1, 2, 3, 4, 5, 6, 7, 8}, 9, 26, 282, false, "stop"},
		{"generate.ndjson", "generate", []int{1, 2, 3, 4, 5}, 6, 26, 259, false, "length"},
		// Thinking arrives first and is output: the first token is line
		// 1, not line 5 where the answer starts.
		{"chat_thinking.ndjson", "chat", []int{1, 2, 3, 4, 5, 6, 7}, 8, 18, 131, false, "stop"},
		{"generate_thinking.ndjson", "generate", []int{1, 2, 3}, 4, 9, 37, false, "stop"},
		// No prompt_eval_count (an older server with the prompt cached):
		// the prompt "Explain power." (14 characters) is estimated as 4
		// tokens; the output is still the server's 3.
		{"cached_prompt.ndjson", "chat", []int{1, 2}, 3, 4, 3, true, ""},
	}
	for _, tt := range tests {
		for _, piece := range []int{0, 7} {
			t.Run(fmt.Sprintf("%s/piece=%d", tt.file, piece), func(t *testing.T) {
				t.Parallel()
				srv := ndjsonServer(t, backendtest.ReadFixture(t, tt.file), piece, nil)
				clock := &stepClock{base: time.Unix(1000, 0)}
				c := newTestClient(t, srv.URL, Options{API: tt.api, Stream: true, Clock: clock.now})
				rec := c.Do(context.Background(), backend.Request{ID: 5, Model: "llama3.2", Prompt: "Explain power."})
				if !rec.OK() {
					t.Fatalf("failed: %s: %s", rec.ErrorClass, rec.Error)
				}
				backendtest.CheckRecordTimes(t, rec)
				// Readings: 1 before sending, 2 at the connection
				// (Start), then one per line.
				if want := clock.base.Add(ms(2)); !rec.Start.Equal(want) {
					t.Fatalf("Start at reading %v, want 2", rec.Start.Sub(clock.base))
				}
				var want []time.Duration
				for _, l := range tt.textLines {
					want = append(want, ms(l))
				}
				if !reflect.DeepEqual(rec.Chunks, want) || !rec.Streamed {
					t.Errorf("chunks at %v (streamed %v), want at lines %v", rec.Chunks, rec.Streamed, tt.textLines)
				}
				if got := rec.FirstToken.Sub(rec.Start); got != ms(tt.textLines[0]) {
					t.Errorf("TTFT %v, want line %d", got, tt.textLines[0])
				}
				if got := rec.End.Sub(rec.Start); got != ms(tt.lines) {
					t.Errorf("End %v after Start, want the done line %d", got, tt.lines)
				}
				if rec.InputTokens != tt.input || rec.OutputTokens != tt.output || rec.TokensEstimated != tt.estimated {
					t.Errorf("tokens in/out/estimated = %d/%d/%v, want %d/%d/%v",
						rec.InputTokens, rec.OutputTokens, rec.TokensEstimated, tt.input, tt.output, tt.estimated)
				}
				if rec.FinishReason != tt.finish || rec.ID != 5 || rec.Model != "llama3.2" {
					t.Errorf("finish %q id %d model %q", rec.FinishReason, rec.ID, rec.Model)
				}
			})
		}
	}
}

// A stream cut into 3-byte writes, with CRLF line ends, a blank line and
// one line longer than the read buffer, reads as its lines.
func TestOllamaPartialLines(t *testing.T) {
	long := strings.Repeat("x", 200<<10)
	var body strings.Builder
	body.WriteString(`{"model":"m","message":{"role":"assistant","content":"ab"},"done":false}` + "\r\n\r\n")
	body.WriteString(`{"model":"m","message":{"role":"assistant","content":"` + long + `"},"done":false}` + "\r\n")
	body.WriteString(`{"model":"m","message":{"role":"assistant","content":"cd"},"done":false}` + "\r\n")
	// No counts and no final newline: the output is estimated from all
	// the text, which proves every piece was read.
	body.WriteString(`{"model":"m","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop"}`)
	srv := ndjsonServer(t, []byte(body.String()), 3, nil)
	c := newTestClient(t, srv.URL, Options{Stream: true})
	rec := c.Do(context.Background(), backend.Request{Model: "m", Prompt: "12345678"})
	if !rec.OK() {
		t.Fatalf("failed: %s: %s", rec.ErrorClass, rec.Error)
	}
	if len(rec.Chunks) != 3 {
		t.Errorf("chunks %d, want 3", len(rec.Chunks))
	}
	wantOut := (len(long) + 4 + 3) / 4
	if rec.OutputTokens != wantOut || rec.InputTokens != 2 || !rec.TokensEstimated {
		t.Errorf("tokens in/out/estimated %d/%d/%v, want 2/%d/true", rec.InputTokens, rec.OutputTokens, rec.TokensEstimated, wantOut)
	}
}

func TestLineReader(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"a\nb\r\n\nc", []string{"a", "b\r", "", "c"}},
		{"one\n", []string{"one"}},
		{"", nil},
		{strings.Repeat("y", 70000) + "\nz\n", []string{strings.Repeat("y", 70000), "z"}},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			var r io.Reader = strings.NewReader(tt.in)
			if oneByte {
				r = iotest.OneByteReader(r)
			}
			lr := newLineReader(r, 1<<20)
			var got []string
			for {
				line, err := lr.next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("%.20q: %v", tt.in, err)
				}
				got = append(got, string(line))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%.20q (one byte %v): got %d lines %.40q, want %.40q", tt.in, oneByte, len(got), got, tt.want)
			}
		}
	}
	lr := newLineReader(strings.NewReader(strings.Repeat("z", 3<<20)+"\n"), 2<<20)
	if _, err := lr.next(); err == nil || !strings.Contains(err.Error(), "longer than 2 MiB") {
		t.Errorf("too long line: %v", err)
	}
	lr = newLineReader(iotest.TimeoutReader(strings.NewReader("partial")), 1<<20)
	if _, err := lr.next(); !errors.Is(err, iotest.ErrTimeout) {
		t.Errorf("read error: %v", err)
	}
}

func TestOllamaRequestBody(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		req    backend.Request
		path   string
		accept string
		want   map[string]any
	}{
		{
			name: "chat, streaming, every field",
			opts: Options{Stream: true, KeepAlive: "10m", Options: map[string]any{"temperature": 0, "num_predict": 5, "seed": 1}},
			req: backend.Request{Model: "llama3.2", Prompt: "Why is the sky blue?", MaxTokens: 64, MinTokens: 10, IgnoreEOS: true,
				Extra: map[string]any{"think": true, "options": map[string]any{"seed": 7, "num_ctx": 4096}}},
			path:   "/api/chat",
			accept: "application/x-ndjson",
			want: map[string]any{
				"model":      "llama3.2",
				"messages":   []any{map[string]any{"role": "user", "content": "Why is the sky blue?"}},
				"stream":     true,
				"keep_alive": "10m",
				"think":      true,
				// MaxTokens wins over Options; Extra's options merge in.
				"options": map[string]any{"temperature": 0.0, "num_predict": 64.0, "seed": 7.0, "num_ctx": 4096.0},
			},
		},
		{
			name:   "generate, not streaming, no options",
			opts:   Options{API: "generate"},
			req:    backend.Request{Model: "llama3.2", Prompt: "Why is the sky blue?"},
			path:   "/api/generate",
			accept: "application/json",
			// "stream": false must be sent: Ollama streams by default.
			want: map[string]any{"model": "llama3.2", "prompt": "Why is the sky blue?", "stream": false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got backendtest.Recorder
			srv := ndjsonServer(t, backendtest.ReadFixture(t, "chat.ndjson"), 0, &got)
			tt.opts.APIKey = backendtest.Key
			tt.opts.Headers = map[string]string{"X-Team": "energy"}
			c := newTestClient(t, srv.URL, tt.opts)
			rec := c.Do(context.Background(), tt.req)
			if !rec.OK() {
				t.Fatalf("failed: %s: %s", rec.ErrorClass, rec.Error)
			}
			req := got.Last(t)
			if req.Method != http.MethodPost || req.Path != tt.path {
				t.Errorf("request %s %s, want POST %s", req.Method, req.Path, tt.path)
			}
			if !reflect.DeepEqual(req.Body, tt.want) {
				t.Errorf("body\n got %v\nwant %v", req.Body, tt.want)
			}
			for h, want := range map[string]string{
				"Content-Type": "application/json", "Accept": tt.accept, "Authorization": "Bearer " + backendtest.Key,
				"User-Agent": "aienergy", "X-Team": "energy",
			} {
				if v := req.Header.Get(h); v != want {
					t.Errorf("header %s = %q, want %q", h, v, want)
				}
			}
		})
	}
	// The options given are not changed by a request.
	opts := map[string]any{"num_predict": 5}
	c := newTestClient(t, "http://127.0.0.1:1", Options{Options: opts})
	c.requestBody(backend.Request{MaxTokens: 9, Extra: map[string]any{"options": map[string]any{"seed": 1}}})
	if !reflect.DeepEqual(opts, map[string]any{"num_predict": 5}) {
		t.Errorf("options changed to %v", opts)
	}
}

func TestOllamaNonStreaming(t *testing.T) {
	tests := []struct {
		file, api, finish string
		input, output     int
	}{
		{"chat.json", "chat", "stop", 26, 298},
		{"generate.json", "generate", "", 26, 290},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body := backendtest.ReadFixture(t, tt.file)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				_, _ = w.Write(body)
			}))
			defer srv.Close()
			c := newTestClient(t, srv.URL, Options{API: tt.api})
			rec := c.Do(context.Background(), backend.Request{Model: "llama3.2", Prompt: "p"})
			if !rec.OK() {
				t.Fatalf("failed: %s: %s", rec.ErrorClass, rec.Error)
			}
			backendtest.CheckRecordTimes(t, rec)
			if !rec.FirstToken.IsZero() || len(rec.Chunks) != 0 || rec.Streamed {
				t.Errorf("FirstToken %v, %d chunks, streamed %v; want none of them: an answer that is not streamed shows no token times", rec.FirstToken, len(rec.Chunks), rec.Streamed)
			}
			if rec.InputTokens != tt.input || rec.OutputTokens != tt.output || rec.TokensEstimated || rec.FinishReason != tt.finish {
				t.Errorf("tokens %d/%d est %v finish %q", rec.InputTokens, rec.OutputTokens, rec.TokensEstimated, rec.FinishReason)
			}
		})
	}
	// The mode follows the Content-Type: a JSON answer to a streaming
	// request is read as one object, an NDJSON one to a plain request as
	// a stream.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(backendtest.ReadFixture(t, "chat.json"))
	}))
	defer srv.Close()
	if rec := newTestClient(t, srv.URL, Options{Stream: true}).Do(context.Background(), backend.Request{Model: "m"}); !rec.OK() || rec.OutputTokens != 298 {
		t.Errorf("JSON answer to a stream request: %+v", rec)
	}
	nd := ndjsonServer(t, backendtest.ReadFixture(t, "chat.ndjson"), 0, nil)
	if rec := newTestClient(t, nd.URL, Options{}).Do(context.Background(), backend.Request{Model: "m"}); !rec.OK() || len(rec.Chunks) != 8 {
		t.Errorf("NDJSON answer to a plain request: %+v", rec)
	}
}

func TestStats(t *testing.T) {
	srv := ndjsonServer(t, backendtest.ReadFixture(t, "chat.ndjson"), 0, nil)
	var got []Stats
	var ids []int
	c := newTestClient(t, srv.URL, Options{Stream: true, OnStats: func(id int, s Stats) {
		ids, got = append(ids, id), append(got, s)
	}})
	c.Do(context.Background(), backend.Request{ID: 11, Model: "m"})
	want := Stats{Total: 4883583458, Load: 1334875, PromptEval: 342546000, Eval: 4535599000}
	if len(got) != 1 || got[0] != want || ids[0] != 11 {
		t.Errorf("stats %v for %v, want %v for 11", got, ids, want)
	}
	// A stream without a final object reports nothing.
	got = nil
	srv = ndjsonServer(t, backendtest.ReadFixture(t, "truncated.ndjson"), 0, nil)
	c = newTestClient(t, srv.URL, Options{Stream: true, OnStats: func(int, Stats) { got = append(got, Stats{}) }})
	c.Do(context.Background(), backend.Request{Model: "m"})
	if len(got) != 0 {
		t.Errorf("stats reported for a broken stream")
	}
}

func TestOllamaErrors(t *testing.T) {
	const js, nd = "application/json; charset=utf-8", "application/x-ndjson"
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		stream      bool
		class       string
		contains    []string
		chunks      int
		output      int // estimated from the text that arrived
	}{
		{"model not pulled", 404, js, `{"error":"model 'llama3.2' not found"}`, true, backend.ErrorHTTP,
			[]string{"HTTP 404 Not Found from http://", "/api/chat: model 'llama3.2' not found", "ollama pull llama3.2"}, 0, 0},
		{"bad request", 400, js, `{"error":"invalid options: num_predikt"}`, true, backend.ErrorHTTP,
			[]string{"HTTP 400 Bad Request", "invalid options: num_predikt"}, 0, 0},
		{"server error, text body", 500, "text/plain", "llama runner process has terminated", false, backend.ErrorHTTP,
			[]string{"HTTP 500", "llama runner process has terminated"}, 0, 0},
		{"error mid-stream", 200, nd, string(backendtest.ReadFixture(t, "error_midstream.ndjson")), true, backend.ErrorHTTP,
			[]string{"mid-stream", "an error was encountered while running the model"}, 4, 3}, // " Yes.Ican": 9 chars
		{"stream breaks off", 200, nd, string(backendtest.ReadFixture(t, "truncated.ndjson")), true, backend.ErrorProtocol,
			[]string{"stream ended after 3 objects without a done:true object"}, 3, 4}, // "The sky appears": 15 chars
		{"invalid line", 200, nd, `{"message":{"content":"a"},"done":false}` + "\n{oops\n", true, backend.ErrorProtocol,
			[]string{"line 2 is not valid JSON", "{oops"}, 1, 1},
		{"error in a 200 answer", 200, js, `{"error":"unexpected EOF"}`, false, backend.ErrorHTTP,
			[]string{"server reported an error: unexpected EOF"}, 0, 0},
		{"unfinished answer", 200, js, `{"model":"m","response":"a","done":false}`, false, backend.ErrorProtocol,
			[]string{"no done:true"}, 0, 0},
		{"answer not JSON", 200, js, `<html>proxy error</html>`, false, backend.ErrorProtocol,
			[]string{"not valid JSON", "<html>proxy error</html>"}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := backendtest.StatusServer(t, tt.status, tt.contentType, tt.body)
			c := newTestClient(t, srv.URL, Options{Stream: tt.stream})
			rec := c.Do(context.Background(), backend.Request{Model: "llama3.2", Prompt: "p"})
			if rec.ErrorClass != tt.class {
				t.Fatalf("class %q (%s), want %q", rec.ErrorClass, rec.Error, tt.class)
			}
			for _, s := range tt.contains {
				if !strings.Contains(rec.Error, s) {
					t.Errorf("error %q lacks %q", rec.Error, s)
				}
			}
			if len(rec.Chunks) != tt.chunks || rec.OutputTokens != tt.output || rec.TokensEstimated != (tt.output > 0) {
				t.Errorf("chunks %d output %d estimated %v, want %d, %d", len(rec.Chunks), rec.OutputTokens, rec.TokensEstimated, tt.chunks, tt.output)
			}
			if rec.Start.IsZero() || rec.End.Before(rec.Start) {
				t.Errorf("bad times %v .. %v", rec.Start, rec.End)
			}
		})
	}
}

func TestOllamaConnectionErrors(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		c := newTestClient(t, "http://"+backendtest.ClosedAddr(t), Options{Stream: true})
		rec := c.Do(context.Background(), backend.Request{Model: "m"})
		if rec.ErrorClass != backend.ErrorConnect || !strings.Contains(rec.Error, "connection refused") || !strings.Contains(rec.Error, "Ollama server at") {
			t.Errorf("got %s: %q", rec.ErrorClass, rec.Error)
		}
	})
	hang := func(t *testing.T) *httptest.Server {
		return ndjsonServerFunc(t, func(w http.ResponseWriter, r *http.Request) {
			backendtest.Flushf(w, `{"message":{"content":"a"},"done":false}`+"\n")
			backendtest.WaitForHangUp(r)
		})
	}
	t.Run("timeout mid-stream", func(t *testing.T) {
		c := newTestClient(t, hang(t).URL, Options{Stream: true, Timeout: 200 * time.Millisecond})
		rec := c.Do(context.Background(), backend.Request{Model: "m"})
		if rec.ErrorClass != backend.ErrorTimeout || !strings.Contains(rec.Error, "timeout 200ms") || len(rec.Chunks) != 1 {
			t.Errorf("got %s: %q, %d chunks", rec.ErrorClass, rec.Error, len(rec.Chunks))
		}
	})
	t.Run("canceled mid-stream", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		srv := ndjsonServerFunc(t, func(w http.ResponseWriter, r *http.Request) {
			backendtest.Flushf(w, `{"message":{"content":"a"},"done":false}`+"\n")
			cancel()
			backendtest.WaitForHangUp(r)
		})
		c := newTestClient(t, srv.URL, Options{Stream: true})
		rec := c.Do(ctx, backend.Request{Model: "m"})
		if rec.ErrorClass != backend.ErrorCanceled {
			t.Errorf("got %s: %q", rec.ErrorClass, rec.Error)
		}
	})
	// Every header value is a secret, as in config.yaml: even a Host.
	t.Run("secrets redacted", func(t *testing.T) {
		const token = "tok-SECRET-99"
		srv := backendtest.StatusServer(t, 401, "application/json", `{"error":"bad key `+backendtest.Key+` or token `+token+` for host gpu-box.internal"}`)
		c := newTestClient(t, srv.URL, Options{APIKey: backendtest.Key, Headers: map[string]string{"X-Api-Token": token, "Host": "gpu-box.internal"}})
		rec := c.Do(context.Background(), backend.Request{Model: "m"})
		if rec.ErrorClass != backend.ErrorHTTP || strings.Contains(rec.Error, backendtest.Key) || strings.Contains(rec.Error, token) ||
			!strings.Contains(rec.Error, "bad key REDACTED or token REDACTED for host REDACTED") {
			t.Errorf("got %s: %q", rec.ErrorClass, rec.Error)
		}
	})
}

func ndjsonServerFunc(t *testing.T, send func(w http.ResponseWriter, r *http.Request)) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-ndjson")
		send(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestOllamaConcurrentUse(t *testing.T) {
	srv := ndjsonServer(t, backendtest.ReadFixture(t, "chat.ndjson"), 0, nil)
	c := newTestClient(t, srv.URL, Options{Stream: true, MaxConns: 4})
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			rec := c.Do(context.Background(), backend.Request{ID: i, Model: "m"})
			if !rec.OK() || rec.ID != i || rec.OutputTokens != 282 {
				t.Errorf("request %d: %+v", i, rec)
			}
		})
	}
	wg.Wait()
}

func TestOllamaCheck(t *testing.T) {
	var got backendtest.Recorder
	tags := string(backendtest.ReadFixture(t, "tags.json"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(t, r)
		if r.URL.Path != "/api/tags" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		fmt.Fprint(w, tags)
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL+"/api/", Options{}) // "/api" is dropped
	for _, model := range []string{"llama3", "llama3:latest", "codellama:13b", "registry.local:5000/team/mistral:7b", ""} {
		if err := c.Check(context.Background(), model); err != nil {
			t.Errorf("Check(%q): %v", model, err)
		}
	}
	if req := got.Last(t); req.Method != http.MethodGet || req.Path != "/api/tags" {
		t.Errorf("request %s %s, want GET /api/tags", req.Method, req.Path)
	}
	for _, model := range []string{"llama3.2", "codellama", "llama3:8b", "registry.local:5000/team/mistral"} {
		err := c.Check(context.Background(), model)
		if err == nil {
			t.Errorf("Check(%q) passed; the model is not listed", model)
			continue
		}
		for _, s := range []string{fmt.Sprintf("model %q is not on the Ollama server", model), "ollama pull " + model,
			"local models: codellama:13b, llama3:latest, registry.local:5000/team/mistral:7b"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("Check(%q): %q lacks %q", model, err, s)
			}
		}
	}
}

func TestOllamaCheckErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		key      string
		contains string
	}{
		{"not Ollama", 404, "404 page not found", "", "has no /api/tags (HTTP 404): is this an Ollama server?"},
		{"needs a key", 401, `{"error":"unauthorized"}`, "", "it needs an API key and none is set"},
		{"wrong key", 403, `{"error":"bad key ` + backendtest.Key + `"}`, backendtest.Key, "the API key is wrong"},
		{"server error", 500, `{"error":"out of memory"}`, "", "answered HTTP 500 Internal Server Error to GET /api/tags: out of memory"},
		{"not a list", 200, `{"data":[]}`, "", "not an Ollama model list"},
		{"not JSON", 200, `<html>`, "", "not an Ollama model list: <html>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := backendtest.StatusServer(t, tt.status, "application/json", tt.body)
			c := newTestClient(t, srv.URL, Options{APIKey: tt.key})
			err := c.Check(context.Background(), "llama3.2")
			if err == nil || !strings.Contains(err.Error(), tt.contains) {
				t.Fatalf("got %v, want %q", err, tt.contains)
			}
			if tt.key != "" && strings.Contains(err.Error(), tt.key) {
				t.Errorf("key leaked: %v", err)
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		addr := backendtest.ClosedAddr(t)
		c := newTestClient(t, "http://"+addr, Options{})
		err := c.Check(context.Background(), "llama3.2")
		want := "cannot reach Ollama server at http://" + addr + ": connection refused — is it running? (start it with: ollama serve)"
		if err == nil || err.Error() != want {
			t.Fatalf("got %v\nwant %s", err, want)
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("error does not wrap ECONNREFUSED")
		}
	})
	t.Run("no answer", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { backendtest.WaitForHangUp(r) }))
		defer srv.Close()
		c := newTestClient(t, srv.URL, Options{Timeout: 100 * time.Millisecond})
		err := c.Check(context.Background(), "m")
		if err == nil || !strings.Contains(err.Error(), "did not answer GET /api/tags") || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestNewOptions(t *testing.T) {
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.endpoint != "http://localhost:11434/api/chat" {
		t.Errorf("default endpoint %q", c.endpoint)
	}
	c, err = New(Options{BaseURL: "https://gpu-box:11434/ollama/api/", API: "generate"})
	if err != nil || c.endpoint != "https://gpu-box:11434/ollama/api/generate" {
		t.Errorf("prefixed endpoint %v, %v", c, err)
	}
	bad := []struct {
		opts     Options
		contains string
	}{
		{Options{API: "embed"}, `api "embed" is not supported; use "chat" or "generate"`},
		{Options{BaseURL: "http://localhost:11434/v1"}, "use the openai backend"},
		{Options{BaseURL: "localhost:11434"}, "must start with http:// or https://"},
		{Options{BaseURL: "http://"}, "has no host"},
		{Options{BaseURL: "http://h:1/?x=1"}, "must not have a query"},
		{Options{Timeout: -time.Second}, "timeout -1s is negative"},
		{Options{MaxConns: -1}, "max connections -1 is negative"},
		{Options{Headers: map[string]string{"Bad Name": "x"}}, `header name "Bad Name" is not valid`},
	}
	for _, b := range bad {
		_, err := New(b.opts)
		if err == nil || !strings.Contains(err.Error(), b.contains) || !strings.HasPrefix(err.Error(), "ollama backend: ") {
			t.Errorf("%+v: got %v, want %q", b.opts, err, b.contains)
		}
	}
}

func TestOllamaFullName(t *testing.T) {
	for in, want := range map[string]string{
		"llama3.2":                  "llama3.2:latest",
		"llama3.2:1b":               "llama3.2:1b",
		"hf.co/org/model":           "hf.co/org/model:latest",
		"localhost:5000/team/model": "localhost:5000/team/model:latest",
		"localhost:5000/model:q4":   "localhost:5000/model:q4",
	} {
		if got := fullName(in); got != want {
			t.Errorf("fullName(%q) = %q, want %q", in, got, want)
		}
	}
}
