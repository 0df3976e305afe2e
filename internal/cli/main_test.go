package cli

import (
	"context"
	"os"
	"testing"
)

// helperArg makes the test binary act as the aienergy command, so that a
// test can launch "aienergy sim" as a real child process (backend.launch).
const helperArg = "aienergy-cli-helper"

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == helperArg {
		ctx, stop := signalContext()
		defer stop()
		os.Exit(Execute(ctx, os.Args[2:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func signalContext() (context.Context, context.CancelFunc) {
	return signalNotify(context.Background())
}
