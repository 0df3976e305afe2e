// Package backendtest holds what the tests of every backend kind share:
// loopback servers that misbehave in the ways model servers do, a record
// of the requests they saw, and the checks every record must pass. Like
// net/http/httptest, it is for tests only.
package backendtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aienergy/aienergy/backend"
)

// Key is an API key that must never appear in a message or a record.
const Key = "sk-live-DO-NOT-LEAK-42"

// Captured is what a test server saw of one request.
type Captured struct {
	Method string
	Path   string
	Header http.Header
	Body   map[string]any
}

// A Recorder keeps the requests a test server received.
type Recorder struct {
	mu   sync.Mutex
	reqs []Captured
}

// Add reads req, whose body must be empty or a JSON object, and keeps it.
func (r *Recorder) Add(t *testing.T, req *http.Request) {
	raw, err := io.ReadAll(req.Body)
	if err != nil {
		t.Errorf("server reading body: %v", err)
	}
	c := Captured{Method: req.Method, Path: req.URL.Path, Header: req.Header.Clone()}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &c.Body); err != nil {
			t.Errorf("request body is not a JSON object: %v: %s", err, raw)
		}
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, c)
	r.mu.Unlock()
}

// Last returns the last request kept, failing the test if there is none.
func (r *Recorder) Last(t *testing.T) Captured {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		t.Fatal("server saw no request")
	}
	return r.reqs[len(r.reqs)-1]
}

// ClosedAddr returns a loopback address nothing listens on.
func ClosedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// StatusServer answers every request with status, content type and body.
func StatusServer(t *testing.T, status int, contentType, body string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Flushf writes to a streamed answer and flushes it onto the connection.
func Flushf(w http.ResponseWriter, format string, args ...any) {
	fmt.Fprintf(w, format, args...)
	w.(http.Flusher).Flush()
}

// WaitForHangUp blocks until the client goes away, or a few seconds pass
// so that a broken test fails instead of hanging.
func WaitForHangUp(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

// ReadFixture reads a file of the package's testdata folder.
func ReadFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// CheckRecordTimes verifies the invariants every successful streaming
// record must hold.
func CheckRecordTimes(t *testing.T, rec backend.Record) {
	t.Helper()
	if rec.Start.IsZero() || rec.End.IsZero() || rec.End.Before(rec.Start) {
		t.Fatalf("bad Start/End: %v .. %v", rec.Start, rec.End)
	}
	if len(rec.Chunks) == 0 {
		if !rec.FirstToken.IsZero() {
			t.Errorf("FirstToken set without chunks")
		}
		return
	}
	if got := rec.FirstToken.Sub(rec.Start); got != rec.Chunks[0] {
		t.Errorf("FirstToken-Start = %v, Chunks[0] = %v", got, rec.Chunks[0])
	}
	for i := 1; i < len(rec.Chunks); i++ {
		if rec.Chunks[i] < rec.Chunks[i-1] {
			t.Errorf("chunk %d at %v is before chunk %d at %v", i, rec.Chunks[i], i-1, rec.Chunks[i-1])
		}
	}
	if last := rec.Start.Add(rec.Chunks[len(rec.Chunks)-1]); rec.End.Before(last) {
		t.Errorf("End %v is before the last chunk %v", rec.End, last)
	}
}

// Open fails the test if a kind's New failed (err), and closes the
// backend when the test ends.
func Open[B io.Closer](t testing.TB, b B, err error) B {
	t.Helper()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// ReplayServer answers every request with contentType and the parts of a
// recorded answer, each written and flushed after gap, so that they
// arrive one by one. rec, when set, keeps the requests.
func ReplayServer(t *testing.T, contentType string, parts [][]byte, gap time.Duration, rec *Recorder) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rec != nil {
			rec.Add(t, r)
		} else {
			_, _ = io.Copy(io.Discard, r.Body)
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(http.StatusOK)
		for _, p := range parts {
			if gap > 0 {
				time.Sleep(gap)
			}
			if _, err := w.Write(p); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}
