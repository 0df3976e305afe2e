// Command aienergy measures what AI inference costs in energy and carbon.
package main

import (
	"os"

	"github.com/aienergy/aienergy/internal/cli"
)

// The first Ctrl-C, SIGTERM or SIGHUP stops the run cleanly: its
// directory is finalized and marked interrupted (see cli.Main).
func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
