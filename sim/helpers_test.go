package sim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a hand-driven clock for exact energy tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fastConfig has no delays, so HTTP tests run as fast as the machine can.
func fastConfig() Config {
	return Config{TTFT: -1, ITL: -1}
}

// startTest serves s on an httptest server closed with the test.
func startTest(t *testing.T, s *Server) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		s.Close()
		ts.Close()
	})
	return ts
}

func mustNew(t *testing.T, cfg Config) *Server {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// testClient turns a server that hangs into a failed test, not a stuck one.
var testClient = &http.Client{Timeout: 30 * time.Second}

// post sends body as JSON and returns the response, which the caller closes.
func post(t *testing.T, ctx context.Context, url string, body any) *http.Response {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case string:
		r = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	return resp
}

// readSSE parses a whole event stream strictly: every event must be a
// single "data: " line followed by a blank line.
func readSSE(t *testing.T, body io.Reader) []string {
	t.Helper()
	var events []string
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			t.Fatalf("SSE line %q does not start with \"data: \"", line)
		}
		if !sc.Scan() || sc.Text() != "" {
			t.Fatalf("SSE event %q is not followed by a blank line", data)
		}
		events = append(events, data)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading stream: %v", err)
	}
	return events
}

// decodeMap decodes one JSON object keeping every key, nulls included.
func decodeMap(t *testing.T, data string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(data), &m); err != nil {
		t.Fatalf("chunk %q: %v", data, err)
	}
	return m
}

// waitFor polls cond until it holds; the deadline is far beyond what any
// healthy run needs, so it only fails a test that is really stuck.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// await receives from ch, failing a test that would otherwise hang.
func await[T any](t *testing.T, ch <-chan T, what string) {
	t.Helper()
	awaitValue(t, ch, what)
}

func awaitValue[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// secondPerToken serves a simulator with no latency of its own on a fake
// clock that every token moves a second on, so that energies come out
// as round numbers.
func secondPerToken(t *testing.T) (*fakeClock, *Server, *httptest.Server) {
	t.Helper()
	clk := newFakeClock()
	s, err := newServer(Config{TTFT: -1, ITL: -1}, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	s.tracer = func(ev traceEvent) {
		if ev.kind == traceToken {
			clk.advance(time.Second)
		}
	}
	return clk, s, startTest(t, s)
}
