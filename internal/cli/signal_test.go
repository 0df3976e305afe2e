package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A run a signal stopped exits with 128 + the signal's number and says
// which signal; a plain cancellation (the tests' own) is Ctrl-C's 130.
func TestSignalExitCodes(t *testing.T) {
	for _, tt := range []struct {
		cause error
		code  int
		msg   string
	}{
		{&signalError{syscall.SIGHUP}, 129, "aienergy: interrupted by SIGHUP"},
		{&signalError{syscall.SIGTERM}, 143, "aienergy: interrupted by SIGTERM"},
		{context.Canceled, exitInterrupted, "aienergy: interrupted"},
	} {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(tt.cause)
		var stdout, stderr bytes.Buffer
		code := Execute(ctx, []string{"run", "--output", filepath.Join(t.TempDir(), "run")}, &stdout, &stderr)
		if code != tt.code || strings.TrimSpace(stderr.String()) != tt.msg {
			t.Errorf("cause %v: exit %d, stderr %q; want %d, %q", tt.cause, code, stderr.String(), tt.code, tt.msg)
		}
	}
}
