package backend_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/backend/backendtest"
)

func newClient(t *testing.T, raw string, o backend.HTTPOptions) *backend.HTTPClient {
	t.Helper()
	base, err := backend.ParseBaseURL("test", raw, "http://localhost:1")
	if err != nil {
		t.Fatal(err)
	}
	o.Kind, o.Server, o.Base = "test", "Test", base
	h, err := backend.NewHTTPClient(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Close() })
	return h
}

// post sends "{" + "}" as two parts, as KServe sends its shared tensors.
func post(h *backend.HTTPClient, ctx context.Context, endpoint string) (*http.Response, backend.Record) {
	var rec backend.Record
	resp := h.Post(ctx, ctx, endpoint, [][]byte{[]byte("{"), []byte("}")}, "application/x-test", &rec)
	return resp, rec
}

func TestParseBaseURL(t *testing.T) {
	tests := []struct{ raw, want, err string }{
		{" http://h:1/prefix/ ", "http://h:1/prefix", ""},
		{"https://u:pw@h", "https://u:pw@h", ""},
		{"", "", "test backend: base URL is empty; set it to the server's address, e.g. http://localhost:1"},
		{"h:1", "", "must start with http:// or https://"},
		{"ftp://u:secret-pw@h", "", `"ftp://u:xxxxx@h" must start with http://`},
		{"http://", "", "has no host"},
		{"http://h/?x=1", "", "must not have a query or fragment"},
		{"http://h/#f", "", "must not have a query or fragment"},
		{"http://h/%zz", "", "is not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			u, err := backend.ParseBaseURL("test", tt.raw, "http://localhost:1")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "secret-pw") {
					t.Fatalf("got %v, want an error with %q", err, tt.err)
				}
				return
			}
			if err != nil || u.String() != tt.want {
				t.Errorf("got %v, %v; want %s", u, err, tt.want)
			}
		})
	}
}

func TestNewHTTPClientOptions(t *testing.T) {
	base, _ := url.Parse("http://h")
	tests := []struct {
		o    backend.HTTPOptions
		want string
	}{
		{backend.HTTPOptions{Kind: "k"}, "k backend: no base URL"},
		{backend.HTTPOptions{Kind: "k", Base: base, Timeout: -time.Second}, "k backend: timeout -1s is negative"},
		{backend.HTTPOptions{Kind: "k", Base: base, MaxConns: -1}, "k backend: max connections -1 is negative"},
		{backend.HTTPOptions{Kind: "k", Base: base, Headers: map[string]string{"Bad Name": "x"}}, `k backend: header name "Bad Name" is not valid`},
	}
	for _, tt := range tests {
		if _, err := backend.NewHTTPClient(tt.o); err == nil || err.Error() != tt.want {
			t.Errorf("%+v: got %v, want %q", tt.o, err, tt.want)
		}
	}
}

// Post sends the parts as one body with the headers every kind sends, and
// takes Start when the request has its connection.
func TestPost(t *testing.T) {
	type seen struct {
		req  *http.Request
		body []byte
	}
	requests := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		requests <- seen{r, body}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	var ticks int
	clock := func() time.Time { ticks++; return time.Unix(int64(ticks), 0) }
	h := newClient(t, srv.URL, backend.HTTPOptions{APIKey: backendtest.Key, Clock: clock,
		Headers: map[string]string{"X-Team": "a", "Host": "model.example.com"}})
	resp, rec := post(h, context.Background(), srv.URL+"/x")
	if resp == nil {
		t.Fatalf("no response: %+v", rec)
	}
	resp.Body.Close()
	s := <-requests
	got, body := s.req, s.body
	if string(body) != "{}" || got.ContentLength != 2 || got.Host != "model.example.com" {
		t.Errorf("body %q, length %d, host %q", body, got.ContentLength, got.Host)
	}
	for name, want := range map[string]string{"Authorization": "Bearer " + backendtest.Key, "X-Team": "a",
		"Accept": "application/x-test", "Content-Type": "application/json", "User-Agent": "aienergy"} {
		if got.Header.Get(name) != want {
			t.Errorf("%s: %q, want %q", name, got.Header.Get(name), want)
		}
	}
	// The clock is read before sending (1) and at the connection (2).
	if rec.Start != time.Unix(2, 0) || rec.ErrorClass != "" {
		t.Errorf("Start %v, error %q; want the connection's time", rec.Start, rec.Error)
	}
}

// When no answer comes, the record says why, in the class the analysis
// counts, with advice and without secrets.
func TestPostFailures(t *testing.T) {
	tls := httptest.NewUnstartedServer(http.NotFoundHandler())
	tls.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake fails on purpose
	tls.StartTLS()
	defer tls.Close()
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // so that the server notices the hang-up
		backendtest.WaitForHangUp(r)
	}))
	defer hang.Close()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name, url string
		timeout   time.Duration
		ctx       context.Context
		class     string
		want      string
	}{
		{"refused", "http://user:pw-SECRET@" + backendtest.ClosedAddr(t), 0, context.Background(), backend.ErrorConnect,
			"Test server at http://user:xxxxx@127.0.0.1:"},
		{"refused, cause", "http://" + backendtest.ClosedAddr(t), 0, context.Background(), backend.ErrorConnect,
			"is not reachable (connection refused); check that it is running"},
		{"self-signed certificate", tls.URL, 0, context.Background(), backend.ErrorConnect,
			"no secure connection to Test server at https://127.0.0.1:"},
		{"timeout", hang.URL, 50 * time.Millisecond, context.Background(), backend.ErrorTimeout,
			"did not finish within the deadline (timeout 50ms)"},
		{"canceled", hang.URL, 0, canceled, backend.ErrorCanceled, "was canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newClient(t, tt.url, backend.HTTPOptions{Timeout: tt.timeout})
			ctx, cancel := h.WithTimeout(tt.ctx)
			defer cancel()
			resp, rec := post(h, ctx, tt.url+"/x")
			if resp != nil {
				resp.Body.Close()
				t.Fatal("got a response")
			}
			if rec.ErrorClass != tt.class || !strings.Contains(rec.Error, tt.want) || strings.Contains(rec.Error, "pw-SECRET") {
				t.Errorf("got %s: %q; want %s with %q", rec.ErrorClass, rec.Error, tt.class, tt.want)
			}
			if rec.Start.IsZero() || rec.End.Before(rec.Start) {
				t.Errorf("times %v .. %v", rec.Start, rec.End)
			}
		})
	}
}

// Every secret the client sends is masked in a quoted error answer before
// the answer is cut, so that not even a secret's start shows.
func TestFailStatusMasksSecrets(t *testing.T) {
	srv := backendtest.NewEchoServer(t)
	for _, tc := range backendtest.SecretCases(srv) {
		t.Run(tc.Name, func(t *testing.T) {
			srv.Echo(tc.Header)
			h := newClient(t, tc.URL, backend.HTTPOptions{APIKey: tc.APIKey, Headers: tc.Headers})
			resp, rec := post(h, context.Background(), tc.URL+"/x")
			if resp == nil {
				t.Fatalf("no response: %s", rec.Error)
			}
			defer resp.Body.Close()
			if !h.FailStatus(resp, tc.URL+"/x", &rec, nil) || rec.ErrorClass != backend.ErrorHTTP || !strings.HasSuffix(rec.Error, "…") {
				t.Fatalf("got %s: %q", rec.ErrorClass, rec.Error)
			}
			backendtest.CheckMasked(t, rec.Error, tc.Secret, backendtest.URLPassword)
			_, body, err := h.CheckGet(context.Background(), "/models", backend.CheckHints{})
			if err != nil {
				t.Fatal(err)
			}
			msg := h.StatusError("/models", http.StatusTeapot, body, backend.CheckHints{}).Error()
			backendtest.CheckMasked(t, msg, tc.Secret, backendtest.URLPassword)
		})
	}
}

func TestCheckGet(t *testing.T) {
	srv := backendtest.StatusServer(t, http.StatusNotFound, "text/plain", "404 page not found")
	hints := backend.CheckHints{Start: "start it with: testd", NotFound: "is this a test server?"}
	h := newClient(t, srv.URL, backend.HTTPOptions{})
	status, body, err := h.CheckGet(context.Background(), "/models", hints)
	if err != nil || status != http.StatusNotFound {
		t.Fatalf("got %d, %v", status, err)
	}
	want := "Test server at " + srv.URL + " has no /models (HTTP 404): is this a test server? (server said: 404 page not found)"
	if err := h.StatusError("/models", status, body, hints); err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}

	addr := backendtest.ClosedAddr(t)
	h = newClient(t, "http://"+addr, backend.HTTPOptions{})
	_, _, err = h.CheckGet(context.Background(), "/models", hints)
	want = "cannot reach Test server at http://" + addr + ": connection refused — is it running? (start it with: testd)"
	if err == nil || err.Error() != want || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("got  %v\nwant %s, wrapping ECONNREFUSED", err, want)
	}
}

func TestStatusErrorAccess(t *testing.T) {
	tests := []struct {
		key  string
		want string
	}{
		{"", "Test server at http://h refused access (HTTP 401): it needs an API key and none is set"},
		{backendtest.Key, "Test server at http://h refused access (HTTP 401): the API key is wrong or lacks permission"},
	}
	for _, tt := range tests {
		h := newClient(t, "http://h", backend.HTTPOptions{APIKey: tt.key})
		if err := h.StatusError("/models", http.StatusUnauthorized, nil, backend.CheckHints{}); !strings.Contains(err.Error(), tt.want) {
			t.Errorf("got %v, want %q", err, tt.want)
		}
	}
}

// A protocol failure that came because the deadline passed is a timeout.
func TestFail(t *testing.T) {
	h := newClient(t, "http://h", backend.HTTPOptions{APIKey: backendtest.Key})
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	tests := []struct {
		name       string
		ctx        context.Context
		class      string
		wantClass  string
		wantSubstr string
	}{
		{"protocol", context.Background(), backend.ErrorProtocol, backend.ErrorProtocol, "broke off"},
		{"protocol after the deadline", expired, backend.ErrorProtocol, backend.ErrorTimeout, "did not finish within the deadline"},
		{"http after the deadline", expired, backend.ErrorHTTP, backend.ErrorHTTP, "broke off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec backend.Record
			h.Fail(tt.ctx, &rec, "http://h/x", tt.class, "stream broke off, key "+backendtest.Key)
			if rec.ErrorClass != tt.wantClass || !strings.Contains(rec.Error, tt.wantSubstr) || strings.Contains(rec.Error, backendtest.Key) {
				t.Errorf("got %s: %q", rec.ErrorClass, rec.Error)
			}
		})
	}
}
