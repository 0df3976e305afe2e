package redfish

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const sessionsPath = "/redfish/v1/SessionService/Sessions"

// fakeBMC serves a DMTF mockup from testdata over HTTPS (httptest's
// self-signed certificate), the way DMTF's Redfish-Mockup-Server does:
// /redfish/v1/X answers testdata/<mockup>/X/index.json. It adds what the
// mockup server leaves out and the meter depends on: basic auth, sessions,
// $expand of collection members, and per-test edits of the payloads.
type fakeBMC struct {
	t   testing.TB
	dir string
	srv *httptest.Server

	mu       sync.Mutex
	user     string // credentials the BMC accepts; "" accepts anyone
	pass     string
	noBasic  bool                            // refuse basic auth: sessions only
	edits    map[string]func(map[string]any) // path → change to the decoded mockup
	bodies   map[string]string               // path → raw body (replaces or adds)
	status   map[string]int                  // path → forced status code
	delay    map[string]time.Duration        // path → time before answering
	sessions map[string]string               // token → session path
	nextID   int
	logins   int
	logouts  int
	log      []string // "GET /redfish/v1/Chassis basic"
}

func newFakeBMC(t testing.TB, mockup string) *fakeBMC {
	t.Helper()
	f := &fakeBMC{
		t: t, dir: filepath.Join("testdata", mockup),
		edits: map[string]func(map[string]any){}, bodies: map[string]string{},
		status: map[string]int{}, delay: map[string]time.Duration{}, sessions: map[string]string{},
	}
	if _, err := os.Stat(filepath.Join(f.dir, "index.json")); err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewUnstartedServer(f)
	// The TLS tests make handshakes fail on purpose; keep the log quiet.
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	return f
}

// edit changes the payload at path (a /redfish/v1/… path) before serving.
func (f *fakeBMC) edit(path string, change func(map[string]any)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.edits[path] = change
}

// set serves body at path.
func (f *fakeBMC) set(path, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.bodies[path] = body
}

func (f *fakeBMC) setStatus(path string, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status[path] = status
}

func (f *fakeBMC) requireAuth(user, pass string, basic bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.user, f.pass, f.noBasic = user, pass, !basic
}

// expireSessions forgets every session, as a BMC does after its timeout.
func (f *fakeBMC) expireSessions() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sessions = map[string]string{}
}

// requests returns the request log and clears it.
func (f *fakeBMC) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.log
	f.log = nil
	return out
}

func (f *fakeBMC) counts() (logins, logouts, open int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.logins, f.logouts, len(f.sessions)
}

func (f *fakeBMC) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimSuffix(r.URL.Path, "/")
	f.mu.Lock()
	d := f.delay[p]
	f.mu.Unlock()
	if d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	auth := f.authOf(r)
	f.log = append(f.log, r.Method+" "+r.URL.RequestURI()+" "+auth)
	switch {
	case p == "/redfish/v1" && r.Method == http.MethodGet:
		// The service root needs no authentication (Redfish spec).
	case p == sessionsPath && r.Method == http.MethodPost:
		f.login(w, r)
		return
	case strings.HasPrefix(p, sessionsPath+"/") && r.Method == http.MethodDelete:
		if auth != "token" {
			redfishError(w, http.StatusUnauthorized, "no valid session token")
			return
		}
		for tok, sp := range f.sessions {
			if sp == p {
				delete(f.sessions, tok)
				f.logouts++
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		redfishError(w, http.StatusNotFound, "no such session")
		return
	case r.Method != http.MethodGet:
		redfishError(w, http.StatusMethodNotAllowed, "read-only mockup")
		return
	case f.user != "" && auth != "token" && auth != "basic":
		redfishError(w, http.StatusUnauthorized, "authentication required")
		return
	}
	if st, ok := f.status[p]; ok {
		redfishError(w, st, "forced by the test")
		return
	}
	body, ok := f.load(p)
	if !ok {
		redfishError(w, http.StatusNotFound, "resource not found")
		return
	}
	if r.URL.Query().Get("$expand") != "" {
		body = f.expand(body)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("OData-Version", "4.0")
	_, _ = w.Write(body)
}

// authOf classifies a request's credentials: token, basic, bad or none.
func (f *fakeBMC) authOf(r *http.Request) string {
	if tok := r.Header.Get("X-Auth-Token"); tok != "" {
		if _, ok := f.sessions[tok]; ok {
			return "token"
		}
		return "bad-token"
	}
	if u, p, ok := r.BasicAuth(); ok {
		if !f.noBasic && u == f.user && p == f.pass {
			return "basic"
		}
		return "bad-basic"
	}
	return "none"
}

func (f *fakeBMC) login(w http.ResponseWriter, r *http.Request) {
	var creds struct{ UserName, Password string }
	if err := json.NewDecoder(r.Body).Decode(&creds); err != nil {
		redfishError(w, http.StatusBadRequest, "malformed session request")
		return
	}
	if creds.UserName != f.user || creds.Password != f.pass {
		redfishError(w, http.StatusUnauthorized, "invalid credentials")
		return
	}
	f.nextID++
	f.logins++
	path := fmt.Sprintf("%s/%d", sessionsPath, f.nextID)
	token := fmt.Sprintf("token-%d", f.nextID)
	f.sessions[token] = path
	w.Header().Set("X-Auth-Token", token)
	w.Header().Set("Location", path)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = fmt.Fprintf(w, `{"@odata.id": %q, "Id": "%d", "UserName": %q}`, path, f.nextID, creds.UserName)
}

// load returns the payload at a /redfish/v1 path with the test's edits.
func (f *fakeBMC) load(p string) ([]byte, bool) {
	if b, ok := f.bodies[p]; ok {
		return []byte(b), true
	}
	rel := strings.TrimPrefix(p, "/redfish/v1")
	body, err := os.ReadFile(filepath.Join(f.dir, filepath.FromSlash(rel), "index.json"))
	if err != nil {
		return nil, false
	}
	change, ok := f.edits[p]
	if !ok {
		return body, true
	}
	m := decodeNumbers(f.t, body)
	change(m)
	out, err := json.Marshal(m)
	if err != nil {
		f.t.Error(err)
	}
	return out, true
}

// expand inlines the members of a collection ($expand=.($levels=1)).
func (f *fakeBMC) expand(body []byte) []byte {
	m := decodeNumbers(f.t, body)
	members, _ := m["Members"].([]any)
	for i, mem := range members {
		id, _ := mem.(map[string]any)["@odata.id"].(string)
		if b, ok := f.load(strings.TrimSuffix(id, "/")); ok {
			members[i] = decodeNumbers(f.t, b)
		}
	}
	out, _ := json.Marshal(m)
	return out
}

// decodeNumbers decodes JSON keeping numbers as written, so that edits and
// re-encoding do not change how many decimals the BMC "printed".
func decodeNumbers(t testing.TB, b []byte) map[string]any {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Errorf("mockup JSON: %v", err)
	}
	return m
}

func redfishError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `{"error": {"code": "Base.1.8.GeneralError", "message": %q, "@Message.ExtendedInfo": []}}`, msg)
}
