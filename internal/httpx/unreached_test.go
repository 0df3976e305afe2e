package httpx

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestUnreached(t *testing.T) {
	tests := []struct {
		f     Failure
		limit time.Duration
		want  string
		wraps error
	}{
		{Failure{Reason: Timeout}, 1500 * time.Millisecond,
			"no complete answer from Prometheus at http://p:9090 within 1.5s; is it overloaded, or the address wrong? (context deadline exceeded)", context.DeadlineExceeded},
		{Failure{Reason: Timeout}, 0,
			"no complete answer from Prometheus at http://p:9090; is it overloaded, or the address wrong? (context deadline exceeded)", context.DeadlineExceeded},
		{Failure{Reason: Canceled}, 0, "request to Prometheus at http://p:9090: context canceled", context.Canceled},
		{Failure{Reason: Refused, Cause: "connection refused"}, 0,
			"cannot reach Prometheus at http://p:9090: connection refused; is it running?", nil},
		{Failure{Reason: HostNotFound, Cause: `host "p" not found`}, 0,
			`cannot reach Prometheus at http://p:9090: host "p" not found`, nil},
	}
	for _, tc := range tests {
		err := Unreached(tc.f, "Prometheus", "http://p:9090", tc.limit, "is it running?")
		if err.Error() != tc.want {
			t.Errorf("got  %q\nwant %q", err, tc.want)
		}
		if tc.wraps != nil && !errors.Is(err, tc.wraps) {
			t.Errorf("%q does not wrap %v", err, tc.wraps)
		}
	}
}
