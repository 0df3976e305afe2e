package backendtest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aienergy/aienergy/backend"
)

// A benchmark must survive the server it measures: these helpers serve a
// hostile answer from a real loopback server and check that the client
// stops at its limit, with an error that names it, instead of holding
// what the server sends.

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

// HostileServer answers every request with contentType and what body
// writes, until body returns or the client goes away; sent counts the
// bytes written.
func HostileServer(t *testing.T, contentType string, body func(w io.Writer) error) (srv *httptest.Server, sent *atomic.Int64) {
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

// Repeat writes s n times.
func Repeat(w io.Writer, s string, n int) error {
	for range n {
		if _, err := io.WriteString(w, s); err != nil {
			return err
		}
	}
	return nil
}

// DoConcurrently sends n requests at once, as a concurrency-n load does.
func DoConcurrently(c backend.Backend, n int) []backend.Record {
	recs := make([]backend.Record, n)
	var wg sync.WaitGroup
	for i := range recs {
		wg.Go(func() { recs[i] = c.Do(context.Background(), backend.Request{ID: i, Model: "m", Prompt: "hi"}) })
	}
	wg.Wait()
	return recs
}

// WantFailure checks that every record failed with class and a message
// that contains msg.
func WantFailure(t *testing.T, recs []backend.Record, class, msg string) {
	t.Helper()
	for _, rec := range recs {
		if rec.ErrorClass != class || !strings.Contains(rec.Error, msg) {
			t.Errorf("request %d: class %q error %q; want %q containing %q", rec.ID, rec.ErrorClass, rec.Error, class, msg)
		}
	}
}

// WantStoppedEarly checks that the client stopped reading soon after the
// limit: what the server got onto the connection is the limit plus what
// the loopback socket buffers hold, far below what it meant to send.
func WantStoppedEarly(t *testing.T, sent *atomic.Int64, requests int, meant int64) {
	t.Helper()
	if got, most := sent.Load(), int64(requests)*(meant/2); got > most {
		t.Errorf("server got %d MiB onto the connections for %d requests; the client should have stopped near the limit (meant to send %d MiB each)",
			got>>20, requests, meant>>20)
	}
}
