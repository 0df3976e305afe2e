package all

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

// What every kind must do, tested once through backend.New: the kinds
// share their HTTP side, and a kind added later is held to it too.

// kinds are the registered kinds, not their aliases.
func kinds() []string {
	var out []string
	for _, k := range backend.Kinds() {
		if backend.Protocol(k) == k {
			out = append(out, k)
		}
	}
	return out
}

func newBackend(t *testing.T, kind string, o backend.Options) backend.Backend {
	t.Helper()
	b, err := backend.New(context.Background(), kind, o)
	return backendtest.Open(t, b, err)
}

// Every secret a client sends (API key, every header value, the Basic
// credentials made from the URL's password) is masked in a quoted error
// answer before it is cut, in Do, streamed or not, and in Check: no
// secret's first characters survive the cut.
func TestSecretsMaskedBeforeTruncation(t *testing.T) {
	srv := backendtest.NewEchoServer(t)
	for _, kind := range kinds() {
		for _, tc := range backendtest.SecretCases(srv) {
			t.Run(kind+" "+tc.Name, func(t *testing.T) {
				srv.Echo(tc.Header)
				for _, stream := range []bool{true, false} {
					b := newBackend(t, kind, backend.Options{BaseURL: tc.URL, APIKey: tc.APIKey, Headers: tc.Headers, Stream: stream})
					rec := b.Do(context.Background(), backend.Request{Model: "m", Prompt: "p"})
					// The mask is cut too ("REDA…"); kserve's model metadata,
					// asked first, fails as refused access without a quote.
					quoted := strings.Contains(rec.Error, "REDA…") || strings.Contains(rec.Error, "refused access")
					if rec.ErrorClass != backend.ErrorHTTP || !quoted {
						t.Fatalf("got %s: %q; want an HTTP error quoting the masked secret", rec.ErrorClass, rec.Error)
					}
					backendtest.CheckMasked(t, rec.Error, tc.Secret, backendtest.URLPassword)
					backendtest.CheckMasked(t, b.Check(context.Background(), "m").Error(), tc.Secret, backendtest.URLPassword)
				}
			})
		}
	}
}

// A request that runs past the Timeout is a timeout, whose message names
// the server without the URL's password.
func TestTimeoutHidesPassword(t *testing.T) {
	done := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	defer slow.Close()
	defer close(done)
	for _, kind := range kinds() {
		t.Run(kind, func(t *testing.T) {
			b := newBackend(t, kind, backend.Options{BaseURL: backendtest.WithPassword(slow.URL, backendtest.URLPassword),
				Stream: true, Timeout: 50 * time.Millisecond})
			rec := b.Do(context.Background(), backend.Request{Model: "m", Prompt: "p"})
			if rec.ErrorClass != backend.ErrorTimeout {
				t.Fatalf("got %s: %q", rec.ErrorClass, rec.Error)
			}
			backendtest.CheckMasked(t, rec.Error, backendtest.URLPassword)
		})
	}
}

// An answer that is not streamed, 100 MiB long, from each kind that
// generates text: the client stops at the limit and says so.
func TestBodyLimitOverHTTP(t *testing.T) {
	block := strings.Repeat("w", 1<<20)
	body := func(w io.Writer) error {
		if _, err := io.WriteString(w, `{"choices":[{"message":{"content":"`); err != nil {
			return err
		}
		return backendtest.Repeat(w, block, 100)
	}
	msg := fmt.Sprintf("larger than the %d MiB limit", backend.MaxJSONBody>>20)
	for _, kind := range []string{"openai", "ollama"} {
		t.Run(kind, func(t *testing.T) {
			srv, sent := backendtest.HostileServer(t, "application/json", body)
			recs := backendtest.DoConcurrently(newBackend(t, kind, backend.Options{BaseURL: srv.URL}), 4)
			backendtest.WantFailure(t, recs, backend.ErrorProtocol, msg)
			backendtest.WantStoppedEarly(t, sent, 4, 100<<20)
		})
	}
}
