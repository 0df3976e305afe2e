package influx

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aienergy/aienergy/internal/redact"
)

// An InfluxDB (or a proxy in front of it) that echoes the request's
// credentials in an error answer must not get them into a message: the
// token, the password and the Basic credentials made from it are masked
// before the answer is cut, so not even a secret's start is shown.
func TestEchoedSecretsMasked(t *testing.T) {
	const token, pass = "tok-ABCDEFGHIJKLMNOP", "pw-Secret-QRSTUVW"
	t.Setenv("TEST_INFLUX_ECHO_TOKEN", token)
	t.Setenv("TEST_INFLUX_ECHO_PASSWORD", pass)
	var echo, answer atomic.Value // what the server echoes, and how
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		_, password, _ := r.BasicAuth()
		echoed := map[string]string{
			"header":   auth,
			"password": password,
			"token":    strings.TrimPrefix(auth, "Token "),
		}[echo.Load().(string)]
		switch answer.Load() {
		case "json":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"code": "unauthorized", "message": "refused " + echoed, "error": "refused " + echoed})
		default:
			w.WriteHeader(http.StatusBadGateway) // the cut falls inside the secret
			fmt.Fprint(w, strings.Repeat("x", maxSnippet-4)+" "+echoed+" was refused")
		}
	}))
	defer srv.Close()
	basic := base64.StdEncoding.EncodeToString([]byte("aienergy:" + pass))
	secrets := []string{token, pass, basic}
	meters := map[string]*Meter{
		"1.x": newTestMeter(t, map[string]any{"url": srv.URL, "version": 1, "database": "powerapi",
			"username": "aienergy", "password_env": "TEST_INFLUX_ECHO_PASSWORD"}),
		"2.x": newTestMeter(t, map[string]any{"url": srv.URL, "version": 2, "org": "o", "token_env": "TEST_INFLUX_ECHO_TOKEN"}),
	}
	tests := []struct{ version, echo string }{
		{"1.x", "header"}, {"1.x", "password"}, {"2.x", "header"}, {"2.x", "token"},
	}
	for _, tt := range tests {
		for _, how := range []string{"text", "json"} {
			t.Run(tt.version+" "+tt.echo+" in "+how, func(t *testing.T) {
				echo.Store(tt.echo)
				answer.Store(how)
				_, err := meters[tt.version].Read(ctx(t))
				// The mask may be cut too ("RED…"), but it is there: the secret
				// was echoed.
				if err == nil || !strings.Contains(err.Error(), redact.Mask[:3]) {
					t.Fatalf("error %v; want one that quotes the answer with the secret masked", err)
				}
				for _, s := range secrets {
					if strings.Contains(err.Error(), s[:4]) {
						t.Errorf("message shows %q, the start of a secret: %v", s[:4], err)
					}
				}
			})
		}
	}
}
