package backendtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aienergy/aienergy/backend"
)

// An EchoServer answers every request 401 with an OpenAI-shaped error
// whose message is backend.MaxMessage-4 characters, then the value of one
// request header (its credentials only, for Authorization): the cut of a
// quoted message falls inside the echoed secret.
type EchoServer struct {
	*httptest.Server
	header atomic.Value // the name of the header to echo
}

// NewEchoServer starts an EchoServer that echoes Authorization until told
// otherwise.
func NewEchoServer(t *testing.T) *EchoServer {
	e := &EchoServer{}
	e.header.Store("Authorization")
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := e.header.Load().(string)
		v := r.Header.Get(name)
		if _, cred, ok := strings.Cut(v, " "); ok && name == "Authorization" {
			v = cred
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		msg := strings.Repeat("x", backend.MaxMessage-5) + " " + v + " was refused"
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"message": msg}})
	}))
	t.Cleanup(e.Close)
	return e
}

// Echo sets the header whose value the server echoes.
func (e *EchoServer) Echo(header string) { e.header.Store(header) }

// WithPassword returns url with the user "user" and password added.
func WithPassword(url, password string) string {
	return strings.Replace(url, "://", "://user:"+password+"@", 1)
}

// URLPassword is the password of the URL of SecretCases.
const URLPassword = "url-PASS-qrstuvwxyz"

// A SecretCase is one way a client sends a secret: the API key, a
// header's value, the Basic credentials made from the URL's password.
type SecretCase struct {
	Name    string
	Header  string // the header that carries it, for EchoServer.Echo
	Secret  string // what the server sees
	APIKey  string
	Headers map[string]string
	URL     string // srv's URL, with the password where it is the secret
}

// SecretCases returns every way a client sends a secret to srv.
func SecretCases(srv *EchoServer) []SecretCase {
	const team = "team-VALUE-abcdef"
	return []SecretCase{
		{Name: "api key", Header: "Authorization", Secret: Key, APIKey: Key, URL: srv.URL},
		{Name: "any header", Header: "X-Team", Secret: team, Headers: map[string]string{"X-Team": team}, URL: srv.URL},
		{Name: "url password", Header: "Authorization", Secret: "dXNlcjp1cmwtUEFTUy1xcnN0dXZ3eHl6", URL: WithPassword(srv.URL, URLPassword)},
	}
}

// CheckMasked fails when msg shows the first four characters of any of
// the secrets.
func CheckMasked(t *testing.T, msg string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(msg, s[:4]) {
			t.Errorf("message shows %q, the start of %q: %s", s[:4], s, msg)
		}
	}
}
