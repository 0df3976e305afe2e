package promquery

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aienergy/aienergy/internal/redact"
	"github.com/aienergy/aienergy/meter"
)

// A server (or a proxy in front of it) that echoes the request's
// credentials in an error answer must not get them into a message: the
// bearer token, a header's value and the URL's password are masked before
// the answer is cut, so not even a secret's start is shown.
func TestEchoedSecretsMasked(t *testing.T) {
	const token, tenant, pass = "tok-ABCDEFGHIJKLMNOP", "tenant-QRSTUVWXYZ", "pw-Secret-4567"
	t.Setenv("PROMQUERY_TEST_TOKEN", token)
	var echo, answer atomic.Value // what the server echoes, and how
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, basic, _ := r.BasicAuth()
		echoed := map[string]string{
			"token":    strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "),
			"tenant":   r.Header.Get("X-Scope-OrgID"),
			"password": basic,
		}[echo.Load().(string)]
		if answer.Load() == "json" {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"status": "error", "errorType": "bad_data", "error": "parse error near " + echoed})
			return
		}
		w.WriteHeader(http.StatusBadGateway) // the cut falls inside the secret
		fmt.Fprint(w, strings.Repeat("x", maxQuoted-4)+" "+echoed+" was refused")
	}))
	defer srv.Close()
	query := []any{map[string]any{"query": "DCGM_FI_DEV_POWER_USAGE", "kind": "power", "component": "gpu"}}
	// Go sends the URL's password only when no Authorization header is set.
	withToken, err := New(newSpec(map[string]any{"url": srv.URL, "bearer_token_env": "PROMQUERY_TEST_TOKEN",
		"headers": map[string]any{"X-Scope-OrgID": tenant}, "queries": query}))
	if err != nil {
		t.Fatal(err)
	}
	defer withToken.Close()
	withPassword, err := New(newSpec(map[string]any{"url": strings.Replace(srv.URL, "http://", "http://u:"+pass+"@", 1), "queries": query}))
	if err != nil {
		t.Fatal(err)
	}
	defer withPassword.Close()
	meters := map[string]meter.Meter{"token": withToken, "tenant": withToken, "password": withPassword}
	for _, what := range []string{"token", "tenant", "password"} {
		for _, how := range []string{"text", "json"} {
			t.Run(what+" in "+how, func(t *testing.T) {
				echo.Store(what)
				answer.Store(how)
				_, err := meters[what].Read(context.Background())
				// The mask may be cut too ("RED…"), but it is there: the
				// secret was echoed.
				if err == nil || !strings.Contains(err.Error(), redact.Mask[:3]) {
					t.Fatalf("error %v; want one that quotes the answer with the secret masked", err)
				}
				for _, s := range []string{token, tenant, pass} {
					if strings.Contains(err.Error(), s[:4]) {
						t.Errorf("message shows %q, the start of a secret: %v", s[:4], err)
					}
				}
			})
		}
	}
}
