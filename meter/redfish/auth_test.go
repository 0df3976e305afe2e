package redfish

import (
	"strings"
	"testing"
)

const (
	pwEnv    = "AIENERGY_TEST_BMC_PASSWORD"
	user     = "monitor"
	password = "s3cret-Pa55"
)

func credentials(extra map[string]any) map[string]any {
	o := map[string]any{"username": user, "password_env": pwEnv}
	for k, v := range extra {
		o[k] = v
	}
	return o
}

// Every request but the (unauthenticated) service root carries basic auth
// that the BMC accepts.
func TestBasicAuth(t *testing.T) {
	t.Setenv(pwEnv, password)
	f := newFakeBMC(t, "public-rackmount1")
	f.requireAuth(user, password, true)
	m := mustOpen(t, f, credentials(nil))
	check(t, read(t, m), map[string]want{"bmc-1U": {374, nan}})
	for _, l := range f.requests() {
		if !strings.HasSuffix(l, " basic") {
			t.Errorf("request without accepted basic auth: %s", l)
		}
	}
	if logins, _, _ := f.counts(); logins != 0 {
		t.Errorf("basic auth opened %d sessions", logins)
	}
}

func TestRejectedCredentials(t *testing.T) {
	const wrong = "not-the-Pa55word"
	tests := []struct {
		name string
		opts map[string]any
		env  string
		want []string
	}{
		{"basic auth, wrong password", credentials(nil), wrong,
			[]string{"401 Unauthorized", `the BMC rejected user "monitor"`, "$" + pwEnv, "authentication required"}},
		{"session login, wrong password", credentials(map[string]any{"session": true}), wrong,
			[]string{"POST https://", "401 Unauthorized", `the BMC rejected user "monitor"`, "invalid credentials"}},
		{"no credentials configured", nil, "",
			[]string{"401 Unauthorized", "set username and password_env"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(pwEnv, tc.env)
			f := newFakeBMC(t, "public-rackmount1")
			f.requireAuth(user, password, true)
			_, err := open(t, f, tc.opts)
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%v\nlacks %q", err, s)
				}
			}
			if strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), password) {
				t.Errorf("the message shows a password: %v", err)
			}
		})
	}
}

// A session: one login, the token on every request (no basic auth, which
// this BMC refuses), a new login when the BMC drops the session, and the
// session deleted on Close.
func TestSessionFlow(t *testing.T) {
	t.Setenv(pwEnv, password)
	f := newFakeBMC(t, "public-rackmount1")
	f.requireAuth(user, password, false)
	m := mustOpen(t, f, credentials(map[string]any{"session": true}))
	check(t, read(t, m), map[string]want{"bmc-1U": {374, nan}})
	log := f.requests()
	if log[0] != "GET /redfish/v1/ none" || log[1] != "POST "+sessionsPath+" none" {
		t.Errorf("want the service root, then the login; got %v", log[:2])
	}
	for _, l := range log[2:] {
		if !strings.HasSuffix(l, " token") {
			t.Errorf("request without the session token: %s", l)
		}
	}
	if logins, _, open := f.counts(); logins != 1 || open != 1 {
		t.Fatalf("%d logins, %d open sessions; want 1 and 1", logins, open)
	}

	f.expireSessions()
	check(t, read(t, m), map[string]want{"bmc-1U": {374, nan}})
	if logins, _, open := f.counts(); logins != 2 || open != 1 {
		t.Fatalf("after expiry: %d logins, %d open sessions; want 2 and 1", logins, open)
	}
	if log := f.requests(); len(log) != 3 || log[0] != "GET "+env1U+" bad-token" || log[1] != "POST "+sessionsPath+" none" {
		t.Errorf("after expiry: %v; want the refused GET, a login, the GET again", log)
	}

	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, logouts, open := f.counts(); logouts != 1 || open != 0 {
		t.Errorf("after Close: %d logouts, %d open sessions; want 1 and 0", logouts, open)
	}
	if log := f.requests(); len(log) != 1 || log[0] != "DELETE "+sessionsPath+"/2 token" {
		t.Errorf("Close sent %v, want one DELETE of session 2", log)
	}
}

// A meter that fails at start must not leave its session behind: BMCs
// have few session slots.
func TestSessionClosedWhenStartFails(t *testing.T) {
	t.Setenv(pwEnv, password)
	f := newFakeBMC(t, "public-bladed") // no power data: unavailable
	f.requireAuth(user, password, false)
	if _, err := open(t, f, credentials(map[string]any{"session": true})); err == nil {
		t.Fatal("no error")
	}
	if logins, logouts, open := f.counts(); logins != 1 || logouts != 1 || open != 0 {
		t.Errorf("%d logins, %d logouts, %d open; want 1, 1, 0", logins, logouts, open)
	}
}

func TestForbidden(t *testing.T) {
	f := newFakeBMC(t, "public-rackmount1")
	f.setStatus(env1U, 403)
	_, err := open(t, f, nil)
	if err == nil || !strings.Contains(err.Error(), "403 Forbidden") || !strings.Contains(err.Error(), "privilege") {
		t.Errorf("error %v, want a 403 that mentions privileges", err)
	}
}
