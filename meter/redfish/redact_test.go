package redfish

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/internal/redact"
)

// A BMC that echoes the credentials it was sent in an error message must
// not get them into ours: the password (sent in a login), the Basic
// credentials and the session token are masked before the message is
// cut, so not even a secret's start is shown.
func TestEchoedSecretsMasked(t *testing.T) {
	const token = "tok-ABCDEFGHIJKLMNOP"
	basic := redact.BasicAuth(user, password)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var echoed string
		switch {
		case r.Method == http.MethodPost: // the login, which carries the password
			var creds struct{ Password string }
			_ = json.NewDecoder(r.Body).Decode(&creds)
			echoed = creds.Password
		case r.Header.Get("X-Auth-Token") != "":
			echoed = r.Header.Get("X-Auth-Token")
		default:
			echoed = strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
		}
		// The cut at maxMessage falls inside the secret.
		redfishError(w, http.StatusInternalServerError, strings.Repeat("x", maxMessage-4)+" "+echoed+" was refused")
	}))
	defer srv.Close()
	base, _ := url.Parse(srv.URL)
	newClient := func(session bool) *client {
		return &client{base: base, shown: srv.URL, http: srv.Client(), timeout: 5 * time.Second,
			user: user, pass: password, passEnv: pwEnv, useSession: session, sessionsURI: sessionsPath}
	}
	tests := []struct {
		name string
		call func(c *client) error
	}{
		{"basic credentials", func(c *client) error { _, err := c.fetch(context.Background(), "/redfish/v1/Chassis"); return err }},
		{"password in a login", func(c *client) error { return newClient(true).login(context.Background()) }},
		{"session token", func(c *client) error {
			c.token = token
			_, err := c.fetch(context.Background(), "/redfish/v1/Chassis")
			return err
		}},
		{"session token at logout", func(c *client) error {
			c.token, c.sessionURI = token, sessionsPath+"/1"
			return c.logout(context.Background())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(newClient(false))
			// The mask may be cut too ("RED…"), but it is there: the secret
			// was echoed.
			if err == nil || !strings.Contains(err.Error(), redact.Mask[:3]) {
				t.Fatalf("error %v; want one that quotes the BMC with the secret masked", err)
			}
			for _, s := range []string{password, token, basic} {
				if strings.Contains(err.Error(), s[:4]) {
					t.Errorf("message shows %q, the start of a secret: %v", s[:4], err)
				}
			}
		})
	}
}
