package ollama

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

// Ollama streams NDJSON: a line that never ends, and more chunks than are
// recorded.
func TestNDJSONLimitsOverHTTP(t *testing.T) {
	block := strings.Repeat("z", 1<<20)
	srv, sent := backendtest.HostileServer(t, "application/x-ndjson", func(w io.Writer) error {
		if _, err := io.WriteString(w, `{"message":{"content":"`); err != nil {
			return err
		}
		return backendtest.Repeat(w, block, 200)
	})
	recs := backendtest.DoConcurrently(newTestClient(t, srv.URL, Options{Stream: true}), 4)
	backendtest.WantFailure(t, recs, backend.ErrorProtocol, fmt.Sprintf("a line is longer than %d MiB", backend.MaxLine>>20))
	backendtest.WantStoppedEarly(t, sent, 4, 200<<20)

	const extra = 10
	srv, _ = backendtest.HostileServer(t, "application/x-ndjson", func(w io.Writer) error {
		if err := backendtest.Repeat(w, `{"message":{"content":"abcd"}}`+"\n", backend.MaxRecordedChunks+extra); err != nil {
			return err
		}
		_, err := io.WriteString(w, `{"done":true,"done_reason":"stop"}`+"\n")
		return err
	})
	rec := newTestClient(t, srv.URL, Options{Stream: true}).Do(context.Background(), backend.Request{Model: "m", Prompt: "hi"})
	if !rec.OK() || len(rec.Chunks) != backend.MaxRecordedChunks || rec.OutputTokens != backend.MaxRecordedChunks+extra {
		t.Errorf("ok %v (%s), %d chunk times, %d output tokens; want ok, %d, %d",
			rec.OK(), rec.Error, len(rec.Chunks), rec.OutputTokens, backend.MaxRecordedChunks, backend.MaxRecordedChunks+extra)
	}
}
