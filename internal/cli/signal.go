package cli

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// stopSignals end a run cleanly — in-flight requests cancelled, the run
// directory finalised and marked interrupted — and make aienergy exit
// with 128 + the signal's number: Ctrl-C (SIGINT, 130), kill's default
// (SIGTERM, 143), and the terminal going away (SIGHUP, 129).
var stopSignals = map[os.Signal]string{os.Interrupt: "SIGINT", syscall.SIGTERM: "SIGTERM", syscall.SIGHUP: "SIGHUP"}

// Main runs aienergy as a program: args without the program name, the
// process's own signals. It returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signalContext(withOwnProcess(context.Background()))
	defer stop()
	return Execute(ctx, args, stdout, stderr)
}

// signalContext returns a context cancelled by the first stop signal,
// with a *signalError as its cause. A second Ctrl-C or SIGTERM kills at
// once; further SIGHUPs are ignored, since a closing terminal sends one
// to the process group and the shell may send another.
func signalContext(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 1)
	for s := range stopSignals {
		signal.Notify(sigs, s)
	}
	// A closed terminal can take a pipe's reader (tee) with it. Writing to
	// that pipe must then fail rather than kill aienergy before the run
	// directory is finalised; unlike signal.Ignore, Notify is not
	// inherited by the commands aienergy starts.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			cancel(&signalError{s})
			signal.Reset(os.Interrupt, syscall.SIGTERM)
		case <-done:
		}
	}()
	return ctx, func() {
		close(done)
		signal.Stop(sigs)
		cancel(context.Canceled)
	}
}

// signalError is the cause of a context a signal cancelled.
type signalError struct{ sig os.Signal }

func (e *signalError) Error() string { return "interrupted by " + stopSignals[e.sig] }

// exitCode is the shell's convention for a process a signal ended.
func (e *signalError) exitCode() int {
	if s, ok := e.sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return exitInterrupted
}
