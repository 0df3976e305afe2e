package load

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestClientCPU(t *testing.T) {
	mark := MarkCPU()
	for start := time.Now(); time.Since(start) < 30*time.Millisecond; {
		// Use some CPU to be counted.
	}
	c := mark.Since(10)
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		if c != nil {
			t.Fatalf("got %+v where no CPU time is read", c)
		}
		return
	}
	if c == nil || c.UserS+c.SystemS <= 0 || c.Cores <= 0 || c.Requests != 10 || c.PerRequestUs == nil {
		t.Fatalf("got %+v", c)
	}
	if want := (c.UserS + c.SystemS) * 1e6 / 10; *c.PerRequestUs != want {
		t.Errorf("per request %v µs, want %v", *c.PerRequestUs, want)
	}
	data, err := json.Marshal(mark.Since(0))
	if err != nil || !strings.Contains(string(data), `"per_request_us":null`) || !strings.Contains(string(data), `"user_s":`) {
		t.Errorf("no requests: %s (%v)", data, err)
	}
}
