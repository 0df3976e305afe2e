// Command aienergy measures what AI inference costs in energy and carbon.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/aienergy/aienergy/internal/cli"
)

func main() {
	// The first Ctrl-C cancels the context: the run stops cleanly and its
	// directory is finalized and marked interrupted. A second one kills.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	os.Exit(cli.Execute(ctx, os.Args[1:], os.Stdout, os.Stderr))
}
