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
	for _, kind := range Kinds {
		opts := map[string]any{"url": url, "database": "db"}
		if kind == "mlflow" {
			delete(opts, "database")
		}
		if s, err := New(kind, opts); err != nil || strings.Contains(s.Name(), pass) {
			t.Errorf("%s: %v %v", kind, s, err)
		}
	}
	if _, err := NewClickHouse(map[string]any{"url": "ftp://u:" + pass + "@h"}); err == nil || strings.Contains(err.Error(), pass) {
		t.Errorf("bad url error shows the password: %v", err)
	}
}
