package openai

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/backend/backendtest"
)

func TestOpenAIRecordedStreams(t *testing.T) {
	tests := []struct {
		file          string
		api           string
		chunks        int // chunks carrying text
		input, output int
		estimated     bool
		finish        string
	}{
		{"vllm_chat.sse", "chat", 16, 42, 16, false, "length"},
		{"vllm_chat_crlf.sse", "chat", 16, 42, 16, false, "length"},
		{"vllm_completions.sse", "completions", 11, 7, 11, false, "stop"},
		{"tgi_chat.sse", "chat", 8, 25, 8, false, "length"},
		{"llamacpp_chat.sse", "chat", 9, 12, 9, false, "stop"},
		{"keepalive_comments.sse", "completions", 8, 5, 8, false, "stop"},
		// Five reasoning_content chunks count as output as well as six
		// content chunks.
		{"vllm_reasoning.sse", "chat", 11, 11, 11, false, "stop"},
		// No usage: 107 characters of text in 6 chunks → ceil(107/4) = 27
		// output tokens; the prompt "Explain power." has 14 → 4.
		{"no_usage_chat.sse", "chat", 6, 4, 27, true, "stop"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			srv := replayServer(t, "testdata/"+tt.file, time.Millisecond, nil)
			c := newTestClient(t, srv.URL+"/v1", Options{API: tt.api, Stream: true})
			rec := c.Do(context.Background(), backend.Request{ID: 3, Model: "m", Prompt: "Explain power."})
			if !rec.OK() {
				t.Fatalf("failed: %s: %s", rec.ErrorClass, rec.Error)
			}
			backendtest.CheckRecordTimes(t, rec)
			if rec.ID != 3 || rec.Model != "m" || !rec.Streamed {
				t.Errorf("ID, Model, Streamed = %d, %q, %v", rec.ID, rec.Model, rec.Streamed)
			}
			if len(rec.Chunks) != tt.chunks {
				t.Errorf("chunks = %d, want %d", len(rec.Chunks), tt.chunks)
			}
			if rec.InputTokens != tt.input || rec.OutputTokens != tt.output || rec.TokensEstimated != tt.estimated {
				t.Errorf("tokens in/out/estimated = %d/%d/%v, want %d/%d/%v",
					rec.InputTokens, rec.OutputTokens, rec.TokensEstimated, tt.input, tt.output, tt.estimated)
			}
			wantReasoning := 0
			if tt.file == "vllm_reasoning.sse" {
				wantReasoning = 7 // usage.completion_tokens_details.reasoning_tokens
			}
			if rec.ReasoningTokens != wantReasoning {
				t.Errorf("reasoning tokens = %d, want %d", rec.ReasoningTokens, wantReasoning)
			}
			if rec.TokensEstimated && rec.OutputTokens == len(rec.Chunks) {
				t.Errorf("estimated output %d equals the chunk count", rec.OutputTokens)
			}
			if rec.FinishReason != tt.finish {
				t.Errorf("finish reason %q, want %q", rec.FinishReason, tt.finish)
			}
		})
	}
}

// timedStreamServer sends a chat stream on a fixed schedule measured from
// when the request arrived: the first text at ttft, then one chunk every
// itl. Deadlines are absolute, so a late wake-up delays one chunk but does
// not shift the rest.
func timedStreamServer(t *testing.T, ttft, itl time.Duration, n int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n")
		w.(http.Flusher).Flush()
		for i := range n {
			time.Sleep(time.Until(t0.Add(ttft + time.Duration(i)*itl)))
			finish := "null"
			if i == n-1 {
				finish = `"length"`
			}
			fmt.Fprintf(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" tok%d\"},\"finish_reason\":%s}]}\n\n", i, finish)
			w.(http.Flusher).Flush()
		}
		fmt.Fprintf(w, "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":%d,\"total_tokens\":%d}}\n\ndata: [DONE]\n\n", n, n+3)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestOpenAITimings(t *testing.T) {
	const (
		ttft     = 80 * time.Millisecond
		itl      = 20 * time.Millisecond
		n        = 25
		requests = 4
		// Generous: the schedule is absolute, but a loaded 2-core machine
		// can still wake a goroutine late.
		tolerance = 15 * time.Millisecond
	)
	srv := timedStreamServer(t, ttft, itl, n)
	c := newTestClient(t, srv.URL+"/v1", Options{Stream: true, MaxConns: requests})
	records := make([]backend.Record, requests)
	var wg sync.WaitGroup
	for i := range records {
		wg.Go(func() { records[i] = c.Do(context.Background(), backend.Request{ID: i, Model: "m", Prompt: "p"}) })
	}
	wg.Wait()

	var sumTTFT, sumITL time.Duration
	for _, rec := range records {
		if !rec.OK() {
			t.Fatalf("request %d failed: %s", rec.ID, rec.Error)
		}
		backendtest.CheckRecordTimes(t, rec)
		if len(rec.Chunks) != n || rec.OutputTokens != n || rec.TokensEstimated {
			t.Fatalf("chunks %d, output %d (estimated %v), want %d", len(rec.Chunks), rec.OutputTokens, rec.TokensEstimated, n)
		}
		got := rec.FirstToken.Sub(rec.Start)
		if got < ttft {
			// The server waits ttft after the request arrives, which is
			// after Start: a shorter TTFT means Start is wrong.
			t.Errorf("request %d: TTFT %v is shorter than the server's %v", rec.ID, got, ttft)
		}
		sumTTFT += got
		sumITL += (rec.Chunks[n-1] - rec.Chunks[0]) / (n - 1)
	}
	meanTTFT, meanITL := sumTTFT/requests, sumITL/requests
	t.Logf("mean TTFT %v (server %v), mean ITL %v (server %v)", meanTTFT, ttft, meanITL, itl)
	if d := (meanTTFT - ttft).Abs(); d > tolerance {
		t.Errorf("mean TTFT %v is %v off the server's %v", meanTTFT, d, ttft)
	}
	if d := (meanITL - itl).Abs(); d > tolerance {
		t.Errorf("mean ITL %v is %v off the server's %v", meanITL, d, itl)
	}
}

func TestOpenAIRequestBody(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		req    backend.Request
		path   string
		want   map[string]any
		accept string
	}{
		{
			name: "chat stream, every field",
			opts: Options{API: "chat", Stream: true},
			req: backend.Request{Model: "meta-llama/Llama-3.1-8B-Instruct", Prompt: "Hi there", MaxTokens: 128, MinTokens: 64, IgnoreEOS: true,
				Extra: map[string]any{"temperature": 0.0, "seed": 7}},
			path: "/v1/chat/completions",
			want: map[string]any{
				"model":          "meta-llama/Llama-3.1-8B-Instruct",
				"messages":       []any{map[string]any{"role": "user", "content": "Hi there"}},
				"max_tokens":     128.0,
				"min_tokens":     64.0,
				"ignore_eos":     true,
				"stream":         true,
				"stream_options": map[string]any{"include_usage": true},
				"temperature":    0.0,
				"seed":           7.0,
			},
			accept: "text/event-stream",
		},
		{
			name: "completions, zero fields left out",
			opts: Options{API: "completions", Stream: true},
			req:  backend.Request{Model: "m", Prompt: "Once"},
			path: "/v1/completions",
			want: map[string]any{
				"model":          "m",
				"prompt":         "Once",
				"stream":         true,
				"stream_options": map[string]any{"include_usage": true},
			},
			accept: "text/event-stream",
		},
		{
			name: "not streaming: no stream_options",
			opts: Options{API: "chat", Stream: false},
			req:  backend.Request{Model: "m", Prompt: "x", MaxTokens: 5},
			path: "/v1/chat/completions",
			want: map[string]any{
				"model":      "m",
				"messages":   []any{map[string]any{"role": "user", "content": "x"}},
				"max_tokens": 5.0,
				"stream":     false,
			},
			accept: "application/json",
		},
		{
			name: "Extra wins over generated fields",
			opts: Options{API: "chat", Stream: true},
			req: backend.Request{Model: "m", Prompt: "x", MaxTokens: 5,
				Extra: map[string]any{"model": "other", "max_tokens": 9, "stream_options": map[string]any{"include_usage": false}}},
			path: "/v1/chat/completions",
			want: map[string]any{
				"model":          "other",
				"messages":       []any{map[string]any{"role": "user", "content": "x"}},
				"max_tokens":     9.0,
				"stream":         true,
				"stream_options": map[string]any{"include_usage": false},
			},
			accept: "text/event-stream",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got backendtest.Recorder
			srv := replayServer(t, "testdata/vllm_chat.sse", 0, &got)
			c := newTestClient(t, srv.URL+"/v1/", tt.opts)
			c.Do(context.Background(), tt.req)
			req := got.Last(t)
			if req.Method != http.MethodPost || req.Path != tt.path {
				t.Errorf("request %s %s, want POST %s", req.Method, req.Path, tt.path)
			}
			for k, want := range tt.want {
				if !reflect.DeepEqual(req.Body[k], want) {
					t.Errorf("field %q = %#v, want %#v", k, req.Body[k], want)
				}
			}
			for k, v := range req.Body {
				if _, ok := tt.want[k]; !ok {
					t.Errorf("unexpected field %q = %#v", k, v)
				}
			}
			if h := req.Header.Get("Accept"); h != tt.accept {
				t.Errorf("Accept %q, want %q", h, tt.accept)
			}
			if h := req.Header.Get("Content-Type"); h != "application/json" {
				t.Errorf("Content-Type %q", h)
			}
		})
	}
}

func TestOpenAIHeaders(t *testing.T) {
	var got backendtest.Recorder
	srv := replayServer(t, "testdata/vllm_chat.sse", 0, &got)
	c := newTestClient(t, srv.URL+"/v1", Options{
		Stream: true, APIKey: "sk-test-0123456789", Headers: map[string]string{"X-Tenant": "lab-3"},
	})
	if rec := c.Do(context.Background(), backend.Request{Model: "m", Prompt: "p"}); !rec.OK() {
		t.Fatalf("failed: %s", rec.Error)
	}
	h := got.Last(t).Header
	if a := h.Get("Authorization"); a != "Bearer sk-test-0123456789" {
		t.Errorf("Authorization %q", a)
	}
	if x := h.Get("X-Tenant"); x != "lab-3" {
		t.Errorf("X-Tenant %q", x)
	}
	if e := h.Get("Accept-Encoding"); e != "" {
		t.Errorf("Accept-Encoding %q: compression must stay off so chunk times are real", e)
	}

	// Without a key no Authorization header is sent at all.
	c2 := newTestClient(t, srv.URL+"/v1", Options{Stream: true})
	c2.Do(context.Background(), backend.Request{Model: "m", Prompt: "p"})
	if a := got.Last(t).Header.Get("Authorization"); a != "" {
		t.Errorf("Authorization %q sent without a key", a)
	}
}

func TestOpenAINonStreaming(t *testing.T) {
	tests := []struct {
		name          string
		body          string
		chunks        int
		input, output int
		estimated     bool
		finish        string
	}{
		{"chat with usage",
			`{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Four."},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}`,
			0, 9, 3, false, "stop"},
		{"completions with usage",
			`{"id":"cmpl-1","object":"text_completion","choices":[{"index":0,"text":" Paris.","finish_reason":"length"}],"usage":{"prompt_tokens":4,"completion_tokens":2,"total_tokens":6}}`,
			0, 4, 2, false, "length"},
		// 20 characters → 5 tokens; prompt "Explain power." → 4.
		{"no usage is estimated",
			`{"choices":[{"index":0,"message":{"content":"twenty characters ok"},"finish_reason":"stop"}]}`,
			0, 4, 5, true, "stop"},
		// A negative count means nothing: estimated as if missing, not
		// recorded to fail the run's analysis.
		{"negative usage is estimated",
			`{"choices":[{"index":0,"message":{"content":"twenty characters ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":-1,"completion_tokens":-3}}`,
			0, 4, 5, true, "stop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, tt.body)
			}))
			defer srv.Close()
			c := newTestClient(t, srv.URL+"/v1", Options{Stream: false})
			rec := c.Do(context.Background(), backend.Request{Model: "m", Prompt: "Explain power."})
			if !rec.OK() {
				t.Fatalf("failed: %s", rec.Error)
			}
			backendtest.CheckRecordTimes(t, rec)
			if !rec.FirstToken.IsZero() || rec.Streamed {
				t.Errorf("FirstToken %v, streamed %v; want none, false: TTFT is not observable without streaming", rec.FirstToken, rec.Streamed)
			}
			if len(rec.Chunks) != tt.chunks || rec.InputTokens != tt.input || rec.OutputTokens != tt.output ||
				rec.TokensEstimated != tt.estimated || rec.FinishReason != tt.finish {
				t.Errorf("got chunks %d, tokens %d/%d est %v, finish %q; want %d, %d/%d est %v, %q",
					len(rec.Chunks), rec.InputTokens, rec.OutputTokens, rec.TokensEstimated, rec.FinishReason,
					tt.chunks, tt.input, tt.output, tt.estimated, tt.finish)
			}
		})
	}
}

// A server that streams although the client did not ask (Extra set
// "stream": true) is still read as a stream.
func TestOpenAIModeFollowsContentType(t *testing.T) {
	srv := replayServer(t, "testdata/vllm_chat.sse", 0, nil)
	c := newTestClient(t, srv.URL+"/v1", Options{Stream: false})
	rec := c.Do(context.Background(), backend.Request{Model: "m", Prompt: "p", Extra: map[string]any{"stream": true}})
	if !rec.OK() || !rec.Streamed || len(rec.Chunks) != 16 || rec.OutputTokens != 16 {
		t.Fatalf("got ok=%v %q, streamed %v, %d chunks, %d tokens", rec.OK(), rec.Error, rec.Streamed, len(rec.Chunks), rec.OutputTokens)
	}
}

func TestOpenAIConcurrentUse(t *testing.T) {
	srv := replayServer(t, "testdata/vllm_completions.sse", 0, nil)
	c := newTestClient(t, srv.URL, Options{API: "completions", Stream: true, MaxConns: 4})
	var wg sync.WaitGroup
	records := make([]backend.Record, 16)
	for i := range records {
		wg.Go(func() { records[i] = c.Do(context.Background(), backend.Request{ID: i, Model: "m", Prompt: "p"}) })
	}
	wg.Wait()
	for i, rec := range records {
		if !rec.OK() || rec.ID != i || rec.OutputTokens != 11 {
			t.Errorf("request %d: ok=%v id=%d out=%d %s", i, rec.OK(), rec.ID, rec.OutputTokens, rec.Error)
		}
	}
}

func TestNewOptions(t *testing.T) {
	tests := []struct {
		base     string
		api      string
		wantURL  string // endpoint, when valid
		wantErr  string // substring, when not
		timeout  time.Duration
		maxConns int
	}{
		{base: "http://127.0.0.1:8000/v1", wantURL: "http://127.0.0.1:8000/v1/chat/completions"},
		{base: "http://127.0.0.1:8000/v1/", wantURL: "http://127.0.0.1:8000/v1/chat/completions"},
		{base: "http://127.0.0.1:8000", wantURL: "http://127.0.0.1:8000/v1/chat/completions"},
		{base: "http://127.0.0.1:8000/", api: "completions", wantURL: "http://127.0.0.1:8000/v1/completions"},
		{base: " https://api.example.com/openai/v1 ", wantURL: "https://api.example.com/openai/v1/chat/completions"},
		{base: "", wantErr: "base URL is empty"},
		{base: "localhost:8000", wantErr: "must start with http://"},
		{base: "ftp://host/v1", wantErr: "must start with http://"},
		{base: "http:///v1", wantErr: "no host"},
		{base: "http://h/v1?x=1", wantErr: "query"},
		{base: "http://h/v1", api: "embeddings", wantErr: `api "embeddings" is not supported`},
		{base: "http://h/v1", timeout: -time.Second, wantErr: "negative"},
		{base: "http://h/v1", maxConns: -1, wantErr: "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.base+tt.api, func(t *testing.T) {
			c, err := New(Options{BaseURL: tt.base, API: tt.api, Timeout: tt.timeout, MaxConns: tt.maxConns})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.endpoint != tt.wantURL {
				t.Errorf("endpoint %q, want %q", c.endpoint, tt.wantURL)
			}
		})
	}
	if _, err := New(Options{BaseURL: "http://h/v1", Headers: map[string]string{"Bad Name": "x"}}); err == nil {
		t.Error("a header name with a space was accepted")
	}
}

// Sequential requests reuse one kept-alive connection: the body is
// drained after [DONE], and the pool keeps it.
func TestOpenAIReusesConnections(t *testing.T) {
	raw := "data: {\"choices\":[{\"index\":0,\"text\":\"x\",\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n"
	var mu sync.Mutex
	conns := 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, raw)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	srv.Start()
	defer srv.Close()
	c := newTestClient(t, srv.URL+"/v1", Options{API: "completions", Stream: true, MaxConns: 1})
	for i := range 5 {
		if rec := c.Do(context.Background(), backend.Request{ID: i, Model: "m", Prompt: "p"}); !rec.OK() {
			t.Fatalf("request %d: %s", i, rec.Error)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if conns != 1 {
		t.Errorf("5 sequential requests used %d connections, want 1", conns)
	}
}
