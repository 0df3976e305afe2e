// Package cli implements aienergy's commands, one file per command.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	_ "github.com/aienergy/aienergy/backend/all" // every backend kind
	_ "github.com/aienergy/aienergy/meter/all"   // every meter kind
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
	// exitTooManyFailures: the run finished and its figures are written,
	// but more of its requests failed than load.max_failure_ratio allows,
	// so a script must not take them at face value.
	exitTooManyFailures = 3
	exitInterrupted     = 130 // as for SIGINT; a signal gives 128 + its number
)

// Execute runs the command line args and returns the process exit code.
func Execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		var sig *signalError
		if errors.As(context.Cause(ctx), &sig) {
			fmt.Fprintf(stderr, "aienergy: %v\n", sig)
			return sig.exitCode()
		}
		fmt.Fprintln(stderr, "aienergy: interrupted")
		return exitInterrupted
	case errors.As(err, new(exitCodeError)):
		var e exitCodeError
		errors.As(err, &e)
		fmt.Fprintf(stderr, "aienergy: %v\n", err)
		return e.Code
	case errors.As(err, new(tooManyFailuresError)):
		fmt.Fprintf(stderr, "aienergy: %v\n", err)
		return exitTooManyFailures
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "aienergy: %v\n", err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "aienergy: %v\n", err)
		return exitError
	}
}

type usageError struct{ error }

// tooManyFailuresError ends a run whose figures are written but rest on
// too few successful requests (report.Summary.TooManyFailures).
type tooManyFailuresError struct{ models []string }

func (e tooManyFailuresError) Error() string {
	return strings.Join(e.models, "; ") + " (the run directory holds every figure; exit status 3)"
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "aienergy",
		Short: "Measure the energy and carbon cost of AI inference",
		Long: `aienergy drives a realistic load against a model server, samples every power
meter it can find on one clock, and reports joules per token, Wh per 1000
queries and grams of CO2eq, with latency and throughput, in a run directory
from which every figure can be recomputed.

Start with "aienergy run": with no config it benchmarks the built-in
simulated server in about 30 seconds.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newRunCmd(), newMeasureCmd(), newSimCmd(), newReportCmd(), newCompareCmd(), newMetersCmd(), newRestoreGPUCmd(), newMergeCmd())
	return root
}

// isTerminal reports whether w is a terminal, for live progress drawing.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
