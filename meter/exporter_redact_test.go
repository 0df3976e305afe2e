package meter

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// An error body that echoes the request's headers is masked before it is
// cut to 200 characters: no secret's start is left at the cut.
func TestExporterMasksEchoedSecretsBeforeCutting(t *testing.T) {
	const token, custom = "tok-ABCDEFGHIJKLMNOP", "team-QRSTUVWXYZ"
	var echo string // the header whose value the server quotes at the cut
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.Header.Get(echo)
		if _, cred, ok := strings.Cut(v, " "); ok {
			v = cred
		}
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(strings.Repeat("x", 196) + " " + v + " was refused"))
	}))
	defer srv.Close()
	m := newTestExporter(t, srv.URL, map[string]any{"headers": map[string]any{"Authorization": "Bearer " + token, "X-Team": custom}})
	for _, echo = range []string{"Authorization", "X-Team"} {
		_, err := m.Read(context.Background())
		if err == nil || !strings.Contains(err.Error(), "401") || !strings.HasSuffix(err.Error(), "…") {
			t.Fatalf("error %v, want a 401 cut short", err)
		}
		if msg := err.Error(); strings.Contains(msg, token[:4]) || strings.Contains(msg, custom[:4]) {
			t.Errorf("echoing %s: message shows the start of a secret: %s", echo, msg)
		}
	}
}

// An option error that quotes a URL back hides its password.
func TestOptionErrorHidesURLPassword(t *testing.T) {
	_, err := New(context.Background(), Spec{Name: "scrape", Type: "exporter", Options: map[string]any{"url": "ftp://u:pw-Secret-1@h/metrics"}})
	if err == nil || strings.Contains(err.Error(), "pw-Secret") || !strings.Contains(err.Error(), "ftp://u:REDACTED@h") {
		t.Errorf("error %v", err)
	}
}
