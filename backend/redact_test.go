package backend

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// echoHeader answers 401 with a message of 196 characters, then the value
// of the request header *name (its credentials only, for Authorization),
// so that the cut at maxMessage (200) falls inside it.
func echoHeader(t *testing.T, name *string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.Header.Get(*name)
		if _, cred, ok := strings.Cut(v, " "); ok && *name == "Authorization" {
			v = cred
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		msg := strings.Repeat("x", 195) + " " + v + " was refused"
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"message": msg}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Every secret the client sends (API key, every header value, the Basic
// credentials made from the URL's password) is masked before a server's
// message is cut, so that no secret's first characters survive the cut;
// no message shows the URL's password.
func TestSecretsMaskedBeforeTruncation(t *testing.T) {
	const urlPass = "url-PASS-qrstuvwxyz"
	var header string
	srv := echoHeader(t, &header)
	withPass := func(u string) string { return strings.Replace(u, "http://", "http://user:"+urlPass+"@", 1) }
	check := func(t *testing.T, msg string, secrets ...string) {
		t.Helper()
		for _, s := range append(secrets, urlPass) {
			if strings.Contains(msg, s[:4]) {
				t.Errorf("message shows %q, the start of %q: %s", s[:4], s, msg)
			}
		}
	}
	tests := []struct {
		name, header, secret string
		opts                 OpenAIOptions
		base                 string
	}{
		{"api key", "Authorization", testKey, OpenAIOptions{APIKey: testKey}, srv.URL},
		{"any header", "X-Team", "team-VALUE-abcdef", OpenAIOptions{Headers: map[string]string{"X-Team": "team-VALUE-abcdef"}}, srv.URL},
		{"url password", "Authorization", "dXNlcjp1cmwtUEFTUy1xcnN0dXZ3eHl6", OpenAIOptions{}, withPass(srv.URL)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header = tt.header
			for _, stream := range []bool{true, false} {
				tt.opts.Stream = stream
				c := newTestClient(t, tt.base+"/v1", tt.opts)
				rec := c.Do(context.Background(), Request{Model: "m", Prompt: "p"})
				if rec.ErrorClass != ErrorHTTP || !strings.HasSuffix(rec.Error, "…") {
					t.Fatalf("got %s: %q", rec.ErrorClass, rec.Error)
				}
				check(t, rec.Error, tt.secret)
				check(t, c.Check(context.Background(), "m").Error(), tt.secret)
			}
			o := newOllamaClient(t, tt.base, OllamaOptions{APIKey: tt.opts.APIKey, Headers: tt.opts.Headers})
			check(t, o.Do(context.Background(), Request{Model: "m"}).Error, tt.secret)
		})
	}

	// A timeout names the endpoint, without its password.
	done := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	defer slow.Close()
	defer close(done)
	c := newTestClient(t, withPass(slow.URL)+"/v1",
		OpenAIOptions{Stream: true, Timeout: 50 * time.Millisecond})
	rec := c.Do(context.Background(), Request{Model: "m", Prompt: "p"})
	if rec.ErrorClass != ErrorTimeout {
		t.Fatalf("got %s: %q", rec.ErrorClass, rec.Error)
	}
	check(t, rec.Error)
}
