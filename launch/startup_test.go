package launch

import (
	"errors"
	"net"
	"net/url"
	"syscall"
	"testing"
)

func TestExplainCheck(t *testing.T) {
	refused := &url.Error{Op: "Get", URL: "http://127.0.0.1:8000/health",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"no answer", refused, "GET http://127.0.0.1:8000/health: connection refused"},
		{"an answer, already worded", errors.New("GET http://h/health: 503 Service Unavailable"), "GET http://h/health: 503 Service Unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := explainCheck(tt.err).Error(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
