package backend

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// A benchmark must survive the server it measures: every test here
// serves a hostile answer from a real loopback server and checks that
// the client stops at its limit, with an error that names it, instead of
// holding what the server sends.

// countingWriter flushes every write and counts what reached the
// connection.
type countingWriter struct {
	w    http.ResponseWriter
	sent *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.sent.Add(int64(n))
	c.w.(http.Flusher).Flush()
	return n, err
}

// hostileServer answers every request with contentType and what body
// writes, until body returns or the client goes away; sent counts the
// bytes written.
func hostileServer(t *testing.T, contentType string, body func(w io.Writer) error) (srv *httptest.Server, sent *atomic.Int64) {
	t.Helper()
	sent = new(atomic.Int64)
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(http.StatusOK)
		_ = body(countingWriter{w, sent})
	}))
	t.Cleanup(srv.Close)
	return srv, sent
}

// repeat writes s n times.
func repeat(w io.Writer, s string, n int) error {
	for range n {
		if _, err := io.WriteString(w, s); err != nil {
			return err
		}
	}
	return nil
}

// doConcurrently sends n requests at once, as a concurrency-n load does.
func doConcurrently(c Backend, n int) []Record {
	recs := make([]Record, n)
	var wg sync.WaitGroup
	for i := range recs {
		wg.Go(func() { recs[i] = c.Do(context.Background(), Request{ID: i, Model: "m", Prompt: "hi"}) })
	}
	wg.Wait()
	return recs
}

func wantFailure(t *testing.T, recs []Record, class, msg string) {
	t.Helper()
	for _, rec := range recs {
		if rec.ErrorClass != class || !strings.Contains(rec.Error, msg) {
			t.Errorf("request %d: class %q error %q; want %q containing %q", rec.ID, rec.ErrorClass, rec.Error, class, msg)
		}
	}
}

// wantStoppedEarly checks that the client stopped reading soon after the
// limit: what the server got onto the connection is the limit plus what
// the loopback socket buffers hold, far below what it meant to send.
func wantStoppedEarly(t *testing.T, sent *atomic.Int64, requests int, meant int64) {
	t.Helper()
	if got, most := sent.Load(), int64(requests)*(meant/2); got > most {
		t.Errorf("server got %d MiB onto the connections for %d requests; the client should have stopped near the limit (meant to send %d MiB each)",
			got>>20, requests, meant>>20)
	}
}

// One event made of 50 data lines of 1 MiB each, at concurrency 4.
func TestSSEEventLimitOverHTTP(t *testing.T) {
	line := "data: " + strings.Repeat("x", 1<<20) + "\n"
	srv, sent := hostileServer(t, "text/event-stream", func(w io.Writer) error {
		return repeat(w, line, 50)
	})
	recs := doConcurrently(newTestClient(t, srv.URL+"/v1", OpenAIOptions{Stream: true}), 4)
	wantFailure(t, recs, ErrorProtocol, fmt.Sprintf("event's data is larger than the %d MiB limit", sseMaxEvent>>20))
	wantStoppedEarly(t, sent, 4, 50*int64(len(line)))
}

// One data line of 200 MiB, never ended.
func TestSSELineLimitOverHTTP(t *testing.T) {
	block := strings.Repeat("y", 1<<20)
	srv, sent := hostileServer(t, "text/event-stream", func(w io.Writer) error {
		if _, err := io.WriteString(w, "data: "); err != nil {
			return err
		}
		return repeat(w, block, 200)
	})
	recs := doConcurrently(newTestClient(t, srv.URL+"/v1", OpenAIOptions{Stream: true}), 4)
	wantFailure(t, recs, ErrorProtocol, fmt.Sprintf("a line is longer than the %d MiB limit", sseMaxEvent>>20))
	wantStoppedEarly(t, sent, 4, 200<<20)
}

// A stream of more tiny chunks than are recorded: the request still
// succeeds and counts all its text, but keeps maxRecordedChunks times.
func TestSSEChunkTimesLimit(t *testing.T) {
	const extra = 1000
	chunk := `data: {"choices":[{"delta":{"content":"abcd"}}]}` + "\n\n"
	srv, _ := hostileServer(t, "text/event-stream", func(w io.Writer) error {
		if err := repeat(w, chunk, maxRecordedChunks+extra); err != nil {
			return err
		}
		_, err := io.WriteString(w, `data: {"choices":[{"delta":{},"finish_reason":"length"}]}`+"\n\ndata: [DONE]\n\n")
		return err
	})
	c := newTestClient(t, srv.URL+"/v1", OpenAIOptions{Stream: true})
	rec := c.Do(context.Background(), Request{Model: "m", Prompt: "hi"})
	if !rec.OK() {
		t.Fatalf("failed: %s", rec.Error)
	}
	checkRecordTimes(t, rec)
	if len(rec.Chunks) != maxRecordedChunks {
		t.Errorf("%d chunk times recorded, want the limit %d", len(rec.Chunks), maxRecordedChunks)
	}
	// Four characters a chunk, estimated as one token each: the chunks
	// past the limit still count.
	if want := maxRecordedChunks + extra; rec.OutputTokens != want || !rec.TokensEstimated {
		t.Errorf("output tokens %d (estimated %v), want %d estimated", rec.OutputTokens, rec.TokensEstimated, want)
	}
}

// Ollama streams NDJSON: a line that never ends, and more chunks than are
// recorded.
func TestNDJSONLimitsOverHTTP(t *testing.T) {
	block := strings.Repeat("z", 1<<20)
	srv, sent := hostileServer(t, "application/x-ndjson", func(w io.Writer) error {
		if _, err := io.WriteString(w, `{"message":{"content":"`); err != nil {
			return err
		}
		return repeat(w, block, 200)
	})
	recs := doConcurrently(newOllamaClient(t, srv.URL, OllamaOptions{Stream: true}), 4)
	wantFailure(t, recs, ErrorProtocol, fmt.Sprintf("a line is longer than %d MiB", maxNDJSONLine>>20))
	wantStoppedEarly(t, sent, 4, 200<<20)

	const extra = 10
	srv, _ = hostileServer(t, "application/x-ndjson", func(w io.Writer) error {
		if err := repeat(w, `{"message":{"content":"abcd"}}`+"\n", maxRecordedChunks+extra); err != nil {
			return err
		}
		_, err := io.WriteString(w, `{"done":true,"done_reason":"stop"}`+"\n")
		return err
	})
	rec := newOllamaClient(t, srv.URL, OllamaOptions{Stream: true}).Do(context.Background(), Request{Model: "m", Prompt: "hi"})
	if !rec.OK() || len(rec.Chunks) != maxRecordedChunks || rec.OutputTokens != maxRecordedChunks+extra {
		t.Errorf("ok %v (%s), %d chunk times, %d output tokens; want ok, %d, %d",
			rec.OK(), rec.Error, len(rec.Chunks), rec.OutputTokens, maxRecordedChunks, maxRecordedChunks+extra)
	}
}

// An answer that is not streamed, 100 MiB long, from each backend.
func TestBodyLimitOverHTTP(t *testing.T) {
	block := strings.Repeat("w", 1<<20)
	body := func(w io.Writer) error {
		if _, err := io.WriteString(w, `{"choices":[{"message":{"content":"`); err != nil {
			return err
		}
		return repeat(w, block, 100)
	}
	msg := fmt.Sprintf("larger than the %d MiB limit", maxJSONBody>>20)

	srv, sent := hostileServer(t, "application/json", body)
	recs := doConcurrently(newTestClient(t, srv.URL+"/v1", OpenAIOptions{Stream: false}), 4)
	wantFailure(t, recs, ErrorProtocol, msg)
	wantStoppedEarly(t, sent, 4, 100<<20)

	srv, sent = hostileServer(t, "application/json", body)
	recs = doConcurrently(newOllamaClient(t, srv.URL, OllamaOptions{Stream: false}), 4)
	wantFailure(t, recs, ErrorProtocol, msg)
	wantStoppedEarly(t, sent, 4, 100<<20)
}
