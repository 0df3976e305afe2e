package openai

import (
	"bytes"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/aienergy/aienergy/backend/backendtest"
)

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
func replayServer(t *testing.T, file string, gap time.Duration, rec *backendtest.Recorder) *httptest.Server {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return backendtest.ReplayServer(t, "text/event-stream", sseEvents(raw), gap, rec)
}

// newTestClient returns a client for srv's /v1 and closes it at the end.
func newTestClient(t *testing.T, baseURL string, opts Options) *Client {
	t.Helper()
	opts.BaseURL = baseURL
	c, err := New(opts)
	return backendtest.Open(t, c, err)
}
