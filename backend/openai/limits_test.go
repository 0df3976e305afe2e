package openai

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/backend/backendtest"
)

// A benchmark must survive the server it measures: each test serves a
// hostile answer from a real loopback server (see backendtest) and checks
// that the client stops at its limit, with an error that names it.

// One event made of 50 data lines of 1 MiB each, at concurrency 4.
func TestSSEEventLimitOverHTTP(t *testing.T) {
	line := "data: " + strings.Repeat("x", 1<<20) + "\n"
	srv, sent := backendtest.HostileServer(t, "text/event-stream", func(w io.Writer) error {
		return backendtest.Repeat(w, line, 50)
	})
	recs := backendtest.DoConcurrently(newTestClient(t, srv.URL+"/v1", Options{Stream: true}), 4)
	backendtest.WantFailure(t, recs, backend.ErrorProtocol, fmt.Sprintf("event's data is larger than the %d MiB limit", sseMaxEvent>>20))
	backendtest.WantStoppedEarly(t, sent, 4, 50*int64(len(line)))
}

// One data line of 200 MiB, never ended.
func TestSSELineLimitOverHTTP(t *testing.T) {
	block := strings.Repeat("y", 1<<20)
	srv, sent := backendtest.HostileServer(t, "text/event-stream", func(w io.Writer) error {
		if _, err := io.WriteString(w, "data: "); err != nil {
			return err
		}
		return backendtest.Repeat(w, block, 200)
	})
	recs := backendtest.DoConcurrently(newTestClient(t, srv.URL+"/v1", Options{Stream: true}), 4)
	backendtest.WantFailure(t, recs, backend.ErrorProtocol, fmt.Sprintf("a line is longer than the %d MiB limit", sseMaxEvent>>20))
	backendtest.WantStoppedEarly(t, sent, 4, 200<<20)
}

// A stream of more tiny chunks than are recorded: the request still
// succeeds and counts all its text, but keeps backend.MaxRecordedChunks times.
func TestSSEChunkTimesLimit(t *testing.T) {
	const extra = 1000
	chunk := `data: {"choices":[{"delta":{"content":"abcd"}}]}` + "\n\n"
	srv, _ := backendtest.HostileServer(t, "text/event-stream", func(w io.Writer) error {
		if err := backendtest.Repeat(w, chunk, backend.MaxRecordedChunks+extra); err != nil {
			return err
		}
		_, err := io.WriteString(w, `data: {"choices":[{"delta":{},"finish_reason":"length"}]}`+"\n\ndata: [DONE]\n\n")
		return err
	})
	c := newTestClient(t, srv.URL+"/v1", Options{Stream: true})
	rec := c.Do(context.Background(), backend.Request{Model: "m", Prompt: "hi"})
	if !rec.OK() {
		t.Fatalf("failed: %s", rec.Error)
	}
	backendtest.CheckRecordTimes(t, rec)
	if len(rec.Chunks) != backend.MaxRecordedChunks {
		t.Errorf("%d chunk times recorded, want the limit %d", len(rec.Chunks), backend.MaxRecordedChunks)
	}
	// Four characters a chunk, estimated as one token each: the chunks
	// past the limit still count.
	if want := backend.MaxRecordedChunks + extra; rec.OutputTokens != want || !rec.TokensEstimated {
		t.Errorf("output tokens %d (estimated %v), want %d estimated", rec.OutputTokens, rec.TokensEstimated, want)
	}
}
