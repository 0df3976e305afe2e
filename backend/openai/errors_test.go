package openai

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/backend/backendtest"
)

// streamServer answers every POST with a 200 event stream whose body is
// written by send.
func streamServer(t *testing.T, send func(w http.ResponseWriter, r *http.Request)) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the body lets the server notice when the client hangs
		// up, which ends r.Context().
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		send(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

const textChunk = `data: {"choices":[{"index":0,"delta":{"content":"hello world"},"finish_reason":null}]}` + "\n\n"

func TestOpenAIStreamErrors(t *testing.T) {
	tests := []struct {
		name      string
		send      func(w http.ResponseWriter, r *http.Request)
		file      string // a recorded stream instead of send
		class     string
		contains  string
		chunks    int
		estimated int // estimated output tokens, when text arrived
	}{
		{name: "error payload mid-stream (vLLM)", file: "testdata/error_midstream.sse",
			class: backend.ErrorHTTP, contains: "CUDA out of memory", chunks: 3, estimated: 3}, // "Once upon a": 11 chars
		{name: "error event mid-stream",
			send: func(w http.ResponseWriter, r *http.Request) {
				backendtest.Flushf(w, textChunk)
				backendtest.Flushf(w, "event: error\ndata: {\"error\":\"Request failed during generation: out of memory\",\"error_type\":\"generation\"}\n\n")
			},
			class: backend.ErrorHTTP, contains: "Request failed during generation", chunks: 1, estimated: 3},
		{name: "malformed JSON chunk",
			send: func(w http.ResponseWriter, r *http.Request) {
				backendtest.Flushf(w, textChunk)
				backendtest.Flushf(w, "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}\n\ndata: [DONE]\n\n")
			},
			class: backend.ErrorProtocol, contains: "chunk 2 is not valid JSON", chunks: 1, estimated: 3},
		{name: "stream ends without DONE or finish reason",
			send: func(w http.ResponseWriter, r *http.Request) {
				backendtest.Flushf(w, textChunk)
			},
			class: backend.ErrorProtocol, contains: "without [DONE]", chunks: 1, estimated: 3},
		{name: "connection dropped mid-stream",
			send: func(w http.ResponseWriter, r *http.Request) {
				backendtest.Flushf(w, textChunk)
				conn, buf, err := http.NewResponseController(w).Hijack()
				if err != nil {
					t.Error(err)
					return
				}
				// A truncated chunk, then the connection closes.
				_, _ = buf.WriteString("40\r\ndata: {\"cho")
				_ = buf.Flush()
				_ = conn.Close()
			},
			class: backend.ErrorProtocol, contains: "broke off", chunks: 1, estimated: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var srv *httptest.Server
			if tt.file != "" {
				srv = replayServer(t, tt.file, 0, nil)
			} else {
				srv = streamServer(t, tt.send)
			}
			c := newTestClient(t, srv.URL+"/v1", Options{Stream: true, APIKey: backendtest.Key})
			rec := c.Do(context.Background(), backend.Request{Model: "m", Prompt: "p"})
			if rec.ErrorClass != tt.class || !strings.Contains(rec.Error, tt.contains) {
				t.Fatalf("got %s: %q; want %s containing %q", rec.ErrorClass, rec.Error, tt.class, tt.contains)
			}
			if len(rec.Chunks) != tt.chunks {
				t.Errorf("chunks %d, want %d", len(rec.Chunks), tt.chunks)
			}
			if !rec.TokensEstimated || rec.OutputTokens != tt.estimated {
				t.Errorf("output %d (estimated %v), want estimate %d from the text that arrived", rec.OutputTokens, rec.TokensEstimated, tt.estimated)
			}
			if rec.End.Before(rec.Start) || rec.Start.IsZero() {
				t.Errorf("bad Start/End %v %v", rec.Start, rec.End)
			}
		})
	}
}

// A finish reason without [DONE] is a complete answer (older TGI).
func TestOpenAIFinishWithoutDone(t *testing.T) {
	srv := streamServer(t, func(w http.ResponseWriter, r *http.Request) {
		backendtest.Flushf(w, textChunk)
		backendtest.Flushf(w, `data: {"choices":[{"index":0,"delta":{"content":"!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":2,"completion_tokens":3}}`+"\n\n")
	})
	c := newTestClient(t, srv.URL+"/v1", Options{Stream: true})
	rec := c.Do(context.Background(), backend.Request{Model: "m", Prompt: "p"})
	if !rec.OK() || rec.FinishReason != "stop" || rec.OutputTokens != 3 || len(rec.Chunks) != 2 {
		t.Fatalf("got %+v", rec)
	}
}

func TestOpenAIHTTPErrors(t *testing.T) {
	long := strings.Repeat("word ", 100)
	tests := []struct {
		name     string
		status   int
		body     string
		contains string
	}{
		{"OpenAI shape", 400, `{"error":{"message":"max_tokens must be at least 1","type":"invalid_request_error","code":400}}`, "max_tokens must be at least 1"},
		{"older vLLM shape", 400, `{"object":"error","message":"The model 'x' does not exist.","type":"NotFoundError","param":null,"code":404}`, "The model 'x' does not exist."},
		{"TGI shape", 422, `{"error":"Input validation error: inputs must have less than 4096 tokens","error_type":"validation"}`, "Input validation error"},
		{"FastAPI detail", 422, `{"detail":[{"loc":["body","messages"],"msg":"field required","type":"value_error.missing"}]}`, "field required"},
		{"plain text", 502, "Bad Gateway\n", "Bad Gateway"},
		{"empty body", 503, "", "(empty response body)"},
		{"echoed key is redacted", 401, `{"error":{"message":"Incorrect API key provided: ` + backendtest.Key + `"}}`, "Incorrect API key provided: REDACTED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}))
			defer srv.Close()
			c := newTestClient(t, srv.URL+"/v1", Options{Stream: true, APIKey: backendtest.Key})
			rec := c.Do(context.Background(), backend.Request{Model: "m", Prompt: "p"})
			if rec.ErrorClass != backend.ErrorHTTP {
				t.Fatalf("class %q, want %q (%s)", rec.ErrorClass, backend.ErrorHTTP, rec.Error)
			}
			if !strings.Contains(rec.Error, fmt.Sprint(tt.status)) || !strings.Contains(rec.Error, tt.contains) {
				t.Errorf("error %q lacks the status %d or %q", rec.Error, tt.status, tt.contains)
			}
			if strings.Contains(rec.Error, backendtest.Key) {
				t.Errorf("error leaks the API key: %q", rec.Error)
			}
			if rec.InputTokens != 0 || rec.OutputTokens != 0 || len(rec.Chunks) != 0 || !rec.FirstToken.IsZero() {
				t.Errorf("failed request carries output: %+v", rec)
			}
		})
	}

	t.Run("long message is truncated", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(500)
			fmt.Fprintf(w, `{"error":{"message":%q}}`, long)
		}))
		defer srv.Close()
		c := newTestClient(t, srv.URL+"/v1", Options{Stream: true})
		rec := c.Do(context.Background(), backend.Request{Model: "m", Prompt: "p"})
		i := strings.Index(rec.Error, "word")
		if i < 0 {
			t.Fatalf("message missing: %q", rec.Error)
		}
		if msg := rec.Error[i:]; len([]rune(msg)) != backend.MaxMessage+1 || !strings.HasSuffix(msg, "…") {
			t.Errorf("message of %d characters, want %d and an ellipsis: %q", len([]rune(msg)), backend.MaxMessage+1, msg)
		}
	})
}

func TestOpenAIConnectError(t *testing.T) {
	addr := backendtest.ClosedAddr(t)
	c := newTestClient(t, "http://"+addr+"/v1", Options{Stream: true, APIKey: backendtest.Key})
	rec := c.Do(context.Background(), backend.Request{Model: "m", Prompt: "p"})
	if rec.ErrorClass != backend.ErrorConnect {
		t.Fatalf("class %q (%s), want %q", rec.ErrorClass, rec.Error, backend.ErrorConnect)
	}
	for _, want := range []string{"http://" + addr + "/v1", "not reachable", "connection refused", "running"} {
		if !strings.Contains(rec.Error, want) {
			t.Errorf("error %q lacks %q", rec.Error, want)
		}
	}
	if strings.Contains(rec.Error, backendtest.Key) || rec.Start.IsZero() || rec.End.Before(rec.Start) {
		t.Errorf("bad record %+v", rec)
	}
}

// A server that accepts the connection and closes it without answering.
func TestOpenAIClosedWithoutResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL+"/v1", Options{Stream: true})
	rec := c.Do(context.Background(), backend.Request{Model: "m", Prompt: "p"})
	if rec.ErrorClass != backend.ErrorConnect || !strings.Contains(rec.Error, "before a response") {
		t.Fatalf("got %s: %q", rec.ErrorClass, rec.Error)
	}
}

// hangingServer sends one chunk, then waits for the client to go away.
func hangingServer(t *testing.T, sent chan<- struct{}) *httptest.Server {
	return streamServer(t, func(w http.ResponseWriter, r *http.Request) {
		backendtest.Flushf(w, textChunk)
		if sent != nil {
			sent <- struct{}{}
		}
		backendtest.WaitForHangUp(r)
	})
}

func TestOpenAITimeout(t *testing.T) {
	t.Run("Timeout option, mid-stream", func(t *testing.T) {
		srv := hangingServer(t, nil)
		c := newTestClient(t, srv.URL+"/v1", Options{Stream: true, Timeout: 200 * time.Millisecond})
		rec := c.Do(context.Background(), backend.Request{Model: "m", Prompt: "p"})
		if rec.ErrorClass != backend.ErrorTimeout || !strings.Contains(rec.Error, "200ms") {
			t.Fatalf("got %s: %q", rec.ErrorClass, rec.Error)
		}
		if len(rec.Chunks) != 1 {
			t.Errorf("chunks %d, want the 1 that arrived", len(rec.Chunks))
		}
	})
	t.Run("caller deadline, before headers", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			backendtest.WaitForHangUp(r)
		}))
		defer srv.Close()
		c := newTestClient(t, srv.URL+"/v1", Options{Stream: true})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		rec := c.Do(ctx, backend.Request{Model: "m", Prompt: "p"})
		if rec.ErrorClass != backend.ErrorTimeout {
			t.Fatalf("got %s: %q", rec.ErrorClass, rec.Error)
		}
		if rec.OutputTokens != 0 || rec.TokensEstimated {
			t.Errorf("no text arrived but tokens were set: %+v", rec)
		}
	})
}

func TestOpenAICanceled(t *testing.T) {
	sent := make(chan struct{}, 1)
	srv := hangingServer(t, sent)
	c := newTestClient(t, srv.URL+"/v1", Options{Stream: true})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-sent
		cancel()
	}()
	rec := c.Do(ctx, backend.Request{Model: "m", Prompt: "p"})
	if rec.ErrorClass != backend.ErrorCanceled || !strings.Contains(rec.Error, "canceled") {
		t.Fatalf("got %s: %q", rec.ErrorClass, rec.Error)
	}
	if len(rec.Chunks) > 1 {
		t.Errorf("chunks %d, at most 1 was sent", len(rec.Chunks))
	}
}

func TestOpenAINonStreamingErrors(t *testing.T) {
	tests := []struct {
		name, body, class, contains string
	}{
		{"not JSON", "<html>oops</html>", backend.ErrorProtocol, "not valid JSON"},
		{"no choices", `{"id":"x"}`, backend.ErrorProtocol, "no choices"},
		{"error in a 200 body", `{"error":{"message":"engine dead"}}`, backend.ErrorHTTP, "engine dead"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, tt.body)
			}))
			defer srv.Close()
			c := newTestClient(t, srv.URL+"/v1", Options{Stream: false})
			rec := c.Do(context.Background(), backend.Request{Model: "m", Prompt: "p"})
			if rec.ErrorClass != tt.class || !strings.Contains(rec.Error, tt.contains) {
				t.Fatalf("got %s: %q; want %s containing %q", rec.ErrorClass, rec.Error, tt.class, tt.contains)
			}
		})
	}
}

// A server that sends [DONE] but holds the body open must not hold up
// Do: the record is complete at [DONE], and the drain gives up.
func TestOpenAIBodyHeldOpenAfterDone(t *testing.T) {
	srv := streamServer(t, func(w http.ResponseWriter, r *http.Request) {
		backendtest.Flushf(w, textChunk)
		backendtest.Flushf(w, "data: [DONE]\n\n")
		backendtest.WaitForHangUp(r)
	})
	c := newTestClient(t, srv.URL+"/v1", Options{Stream: true})
	began := time.Now()
	rec := c.Do(context.Background(), backend.Request{Model: "m", Prompt: "p"})
	// The server holds for 5 s; the drain gives up after 100 ms. 3 s of
	// slack keeps this from flaking on a loaded machine.
	if took := time.Since(began); took > 3*time.Second {
		t.Errorf("Do took %v with the body held open", took)
	}
	if !rec.OK() || len(rec.Chunks) != 1 {
		t.Fatalf("got %s: %q, %d chunks", rec.ErrorClass, rec.Error, len(rec.Chunks))
	}
}

func TestOpenAIUnencodableExtra(t *testing.T) {
	c := newTestClient(t, "http://127.0.0.1:1/v1", Options{Stream: true})
	rec := c.Do(context.Background(), backend.Request{Model: "m", Prompt: "p", Extra: map[string]any{"callback": func() {}}})
	if rec.ErrorClass != backend.ErrorProtocol || !strings.Contains(rec.Error, "cannot encode request") {
		t.Fatalf("got %s: %q", rec.ErrorClass, rec.Error)
	}
}
