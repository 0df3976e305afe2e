package backend

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"
)

// captured is what a test server saw of one request.
type captured struct {
	Method string
	Path   string
	Header http.Header
	Body   map[string]any
}

// recorder keeps the requests a test server received.
type recorder struct {
	mu   sync.Mutex
	reqs []captured
}

func (r *recorder) add(t *testing.T, req *http.Request) {
	raw, err := io.ReadAll(req.Body)
	if err != nil {
		t.Errorf("server reading body: %v", err)
	}
	c := captured{Method: req.Method, Path: req.URL.Path, Header: req.Header.Clone()}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &c.Body); err != nil {
			t.Errorf("request body is not a JSON object: %v: %s", err, raw)
		}
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, c)
	r.mu.Unlock()
}

func (r *recorder) last(t *testing.T) captured {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		t.Fatal("server saw no request")
	}
	return r.reqs[len(r.reqs)-1]
}

// sseEvents splits a recorded stream into its events, each with its
// terminating blank line, so that a replay can flush them one by one.
func sseEvents(raw []byte) [][]byte {
	var events [][]byte
	for len(raw) > 0 {
		end := len(raw)
		for _, sep := range [][]byte{[]byte("\r\n\r\n"), []byte("\n\n"), []byte("\r\r")} {
			if i := bytes.Index(raw, sep); i >= 0 && i+len(sep) < end {
				end = i + len(sep)
			}
		}
		events = append(events, raw[:end])
		raw = raw[end:]
	}
	return events
}

// replayServer serves the recorded stream in file on every POST, one
// event per flush with gap between events.
func replayServer(t *testing.T, file string, gap time.Duration, rec *recorder) *httptest.Server {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	events := sseEvents(raw)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rec != nil {
			rec.add(t, r)
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		for _, ev := range events {
			if gap > 0 {
				time.Sleep(gap)
			}
			if _, err := w.Write(ev); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// newTestClient returns a client for srv's /v1 and closes it at the end.
func newTestClient(t *testing.T, baseURL string, opts OpenAIOptions) *OpenAI {
	t.Helper()
	opts.BaseURL = baseURL
	c, err := NewOpenAI(opts)
	if err != nil {
		t.Fatalf("NewOpenAI: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
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

// checkRecordTimes verifies the invariants every successful streaming
// record must hold.
func checkRecordTimes(t *testing.T, rec Record) {
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
