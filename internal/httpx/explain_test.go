package httpx

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestExplain(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		reason Reason
		cause  string
	}{
		{"DNS not found", &net.DNSError{Err: "no such host", Name: "gpu-box.invalid", IsNotFound: true}, HostNotFound, `host "gpu-box.invalid" not found`},
		{"DNS failure", &net.DNSError{Err: "server misbehaving", Name: "gpu-box"}, Resolve, `cannot resolve host "gpu-box": server misbehaving`},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, Refused, "connection refused"},
		{"host unreachable", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.EHOSTUNREACH}, HostUnreachable, "host unreachable"},
		{"network unreachable", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ENETUNREACH}, NetUnreachable, "network unreachable"},
		{"dial timeout", &net.OpError{Op: "dial", Net: "tcp", Err: timeoutErr{}}, ConnectTimeout, "connection timed out"},
		{"other dial error", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("too many open files")}, Dial, "too many open files"},
		{"deadline", context.DeadlineExceeded, Timeout, "no answer in time"},
		{"read timeout", &net.OpError{Op: "read", Net: "tcp", Err: timeoutErr{}}, Timeout, "no answer in time"},
		{"canceled", context.Canceled, Canceled, "canceled"},
		{"unknown authority", x509.UnknownAuthorityError{}, UnknownAuthority, "not signed by an authority this machine trusts"},
		{"wrong host", x509.HostnameError{Host: "bmc", Certificate: &x509.Certificate{DNSNames: []string{"a", "b"}}}, WrongHost, `not valid for "bmc" (it names a, b)`},
		{"expired", x509.CertificateInvalidError{Reason: x509.Expired, Detail: "in 2020"}, BadCertificate, "the TLS certificate is invalid (x509: certificate has expired"},
		{"plain HTTP", errors.New("http: server gave HTTP response to HTTPS client"), NotTLS, "does not speak TLS"},
		{"reset after connecting", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, Other, "read tcp: connection reset by peer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Wrapped as net/http wraps it, whose prefix is dropped.
			f := Explain(fmt.Errorf("checking: %w", &url.Error{Op: "Post", URL: "http://gpu-box/v1", Err: tt.err}))
			if f.Reason != tt.reason || !strings.Contains(f.Cause, tt.cause) {
				t.Errorf("got %d %q; want %d with %q", f.Reason, f.Cause, tt.reason, tt.cause)
			}
			if f.Err != tt.err {
				t.Errorf("Err is %v, want %v", f.Err, tt.err)
			}
		})
	}
	if f := Explain(nil); f.Reason != Other || f.Cause != "" {
		t.Errorf("nil explained as %+v", f)
	}
}

func TestFailureGroups(t *testing.T) {
	for r := Other; r <= NotTLS; r++ {
		f := Failure{Reason: r}
		wantReach := r >= HostNotFound && r <= Dial
		wantTLS := r == UnknownAuthority || r == WrongHost || r == BadCertificate || r == NotTLS
		if f.Unreachable() != wantReach || f.TLS() != wantTLS {
			t.Errorf("reason %d: Unreachable %v, TLS %v", r, f.Unreachable(), f.TLS())
		}
	}
}

// Real failures, as a client meets them on loopback.
func TestExplainReal(t *testing.T) {
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	secure := httptest.NewTLSServer(http.NotFoundHandler())
	defer secure.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	trusting := secure.Client() // trusts the test certificate, made for 127.0.0.1 and example.com
	tests := []struct {
		name   string
		client *http.Client
		url    string
		reason Reason
	}{
		{"refused", http.DefaultClient, "http://" + closed, Refused},
		{"self-signed", &http.Client{}, secure.URL, UnknownAuthority},
		{"wrong name", trusting, strings.Replace(secure.URL, "127.0.0.1", "localhost", 1), WrongHost},
		{"https to plain HTTP", http.DefaultClient, strings.Replace(plain.URL, "http:", "https:", 1), NotTLS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, tt.url, nil)
			resp, err := tt.client.Do(req)
			if err == nil {
				resp.Body.Close()
				t.Fatal("request succeeded")
			}
			f := Explain(err)
			if f.Reason != tt.reason || strings.Contains(f.Err.Error(), tt.url) {
				t.Errorf("got %d (%s), err %v; want %d without the URL", f.Reason, f.Cause, f.Err, tt.reason)
			}
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }
