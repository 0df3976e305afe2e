package launch

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/internal/redact"
	"github.com/aienergy/aienergy/internal/testenv"
)

// A server that prints the run's API key and a URL password, each cut
// across two writes, leaves neither in its log nor in the error that
// quotes its last output; with no Redactor, the URL password is still
// masked, the bare key is not.
func TestServerOutputIsRedacted(t *testing.T) {
	const key, pass = "Xk29-live-api-key", "Pw7-url-password"
	for _, tt := range []struct {
		name   string
		red    *redact.Redactor
		hidden []string
		shown  []string
	}{
		{"with the run's secrets", redact.New(key, pass), []string{key[:6], pass[:6]}, []string{"api key REDACTED loaded", "http://admin:REDACTED@10.0.0.1/v1 (unfinished line)"}},
		{"without", nil, []string{pass[:6]}, []string{"api key " + key + " loaded", "http://admin:REDACTED@10.0.0.1/v1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			_, err := startServer(t, context.Background(), Options{
				Argv:      helperArgv(t, "leak", key, pass),
				HealthURL: healthURL(testenv.FreePort(t)),
				Log:       &log,
				Redact:    tt.red,
			})
			if err == nil {
				t.Fatal("Start succeeded; the stand-in exits at once")
			}
			for where, text := range map[string]string{"log": log.String(), "error": err.Error()} {
				for _, s := range tt.hidden {
					if strings.Contains(text, s) {
						t.Errorf("the %s shows %q:\n%s", where, s, text)
					}
				}
				for _, s := range tt.shown {
					if !strings.Contains(text, s) {
						t.Errorf("the %s lacks %q:\n%s", where, s, text)
					}
				}
			}
		})
	}
}
