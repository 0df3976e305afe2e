package cli

import (
	"os"
	"testing"
)

// helperArg makes the test binary act as the aienergy command, so that a
// test can launch "aienergy sim" as a real child process (backend.launch),
// or run aienergy itself as a process to signal and kill.
const helperArg = "aienergy-cli-helper"

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == helperArg {
		os.Exit(Main(os.Args[2:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
