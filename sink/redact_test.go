package sink

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/internal/redact"
)

// A password in a sink's url is sent as Basic credentials and never shown:
// not in the sink's name, not in an error, not in a server's answer that
// echoes the request's headers.
func TestURLPasswordIsCredentialsNotText(t *testing.T) {
	const pass = "ch-PASS-0123456789"
	basic := redact.BasicAuth("writer", pass)
	var gotUser, gotPass string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUser, gotPass, _ = r.BasicAuth()
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte("Code: 516. DB::Exception: header Authorization: " + r.Header.Get("Authorization") + " password " + pass))
	}))
	defer srv.Close()
	url := strings.Replace(srv.URL, "http://", "http://writer:"+pass+"@", 1)
	r := finishedRun(t, "run-two-models")

	s, err := NewClickHouse(map[string]any{"url": url})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(testCtx(t), r.dir, r.sum, r.raw)
	if err == nil {
		t.Fatal("Send succeeded against a failing server")
	}
	if gotUser != "writer" || gotPass != pass {
		t.Errorf("server got user %q password %q, want the url's", gotUser, gotPass)
	}
	for _, text := range []string{s.Name(), err.Error()} {
		if strings.Contains(text, pass) || strings.Contains(text, basic) {
			t.Errorf("shows the password: %s", text)
		}
	}
	for _, kind := range []string{"clickhouse", "influxdb", "mlflow"} { // the kinds with a url
		opts := map[string]any{"url": url, "database": "db"}
		if kind == "mlflow" {
			delete(opts, "database")
		}
		if s, err := Open(testCtx(t), kind, opts); err != nil || strings.Contains(s.Name(), pass) {
			t.Errorf("%s: %v %v", kind, s, err)
		}
	}
	if _, err := NewClickHouse(map[string]any{"url": "ftp://u:" + pass + "@h"}); err == nil || strings.Contains(err.Error(), pass) {
		t.Errorf("bad url error shows the password: %v", err)
	}
}

// A server that echoes the bearer token right where the quote of its
// answer is cut must not leave the token's first characters in the
// error: the token is masked before the cut.
func TestTokenAtTheCutIsMasked(t *testing.T) {
	const token = "Zq9w-TOKEN-abcdef0123456789"
	t.Setenv("SINK_TEST_TOKEN", token)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		pad := strings.Repeat("x", maxErrorBody-6)
		w.Write([]byte(pad + " " + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")))
	}))
	defer srv.Close()
	r := finishedRun(t, "run-two-models")
	s, err := NewMLflow(map[string]any{"url": srv.URL, "token_env": "SINK_TEST_TOKEN"})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(testCtx(t), r.dir, r.sum, r.raw)
	if err == nil {
		t.Fatal("Send succeeded against a failing server")
	}
	if strings.Contains(err.Error(), token[:5]) {
		t.Errorf("the error shows the start of the token: …%s", err.Error()[max(0, len(err.Error())-80):])
	}
}
