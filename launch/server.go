package launch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Waits that follow a stop: how long the kernel may take to remove a
// SIGKILLed group, and how long the log copier may take to reach the end
// of the server's output once the group is gone.
const (
	killWait  = 10 * time.Second
	drainWait = 2 * time.Second
	groupPoll = 50 * time.Millisecond
)

// Server is a running server process and its process group.
type Server struct {
	o    Options
	name string // argv[0]'s base name, for messages
	cmd  *exec.Cmd
	log  *logSink
	// guard ends the server's group should aienergy die without Stop.
	guard *guard

	started time.Time
	ready   time.Time

	exited     chan struct{} // closed when the server process has exited
	copied     chan struct{} // closed when its output reached EOF
	stopped    chan struct{} // closed when Stop has finished
	waitErr    error         // cmd.Wait's result; set before exited closes
	exitedAt   time.Time     // set before exited closes
	unexpected bool          // it exited without Stop; set before exited closes

	stopping atomic.Bool
	stopOnce sync.Once
	stopErr  error
}

// Start runs the server and returns once its health URL answers 200. It
// fails, leaving nothing running, if the server exits first (the error
// gives its exit status and last output), is not ready within
// StartTimeout, or ctx ends. ctx governs the server's whole life: when it
// ends the server is stopped, as by Stop.
func Start(ctx context.Context, o Options) (*Server, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("launch: not starting %q: %w", o.Argv[0], err)
	}
	if err := checkPortFree(o.HealthURL); err != nil {
		return nil, err
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("launch: making a pipe for the server's output: %w", err)
	}
	cmd := exec.Command(o.Argv[0], o.Argv[1:]...)
	cmd.Dir = o.Dir
	// One *os.File for both streams: the child writes to it directly, in
	// order, and cmd.Wait does not wait for workers that inherited it.
	cmd.Stdout, cmd.Stderr = pw, pw
	if o.Env != nil {
		cmd.Env = append(os.Environ(), o.Env...)
	}
	cmd.SysProcAttr = sysProcAttr()
	s := &Server{
		o: o, name: filepath.Base(o.Argv[0]), cmd: cmd, log: &logSink{w: o.Log},
		exited: make(chan struct{}), copied: make(chan struct{}), stopped: make(chan struct{}),
	}
	go s.copyLog(pr)
	startErr := make(chan error, 1)
	go s.run(pw, startErr)
	if err := <-startErr; err != nil {
		<-s.copied
		hint := ""
		if errors.Is(err, exec.ErrNotFound) {
			hint = "; is it installed and on PATH? (or give its full path)"
		}
		return nil, fmt.Errorf("launch: cannot start %q: %w%s", o.Argv[0], err, hint)
	}
	if s.guard, err = startGuard(s.cmd.Process.Pid, o.StopTimeout); err != nil {
		s.log.note(fmt.Sprintf("no guard for the server's process group (%v): should aienergy be killed outright, processes the server forked may outlive it", err))
	}
	go s.watch(ctx)

	outcome, last := s.waitHealthy(ctx, newProber(o.HealthURL))
	if outcome == healthy {
		return s, nil
	}
	return nil, s.startFailure(ctx, outcome, last)
}

// startFailure stops a server that did not become ready and says why,
// with its last output.
func (s *Server) startFailure(ctx context.Context, outcome outcome, lastCheck error) error {
	if ctx.Err() != nil {
		// The server may have exited because ctx's end stopped it; the
		// cancellation is the cause worth reporting.
		outcome = canceled
	}
	stopErr := s.Stop() // before reading the tail: Stop drains the output
	var err error
	switch outcome {
	case exitedEarly:
		err = fmt.Errorf("launch: %s exited before it was ready (%s, %.1f s after start); its last output:\n%s",
			s.name, s.exitStatus(), s.exitedAt.Sub(s.started).Seconds(), s.log.tail())
	case timedOut:
		err = fmt.Errorf("launch: %s was not ready within %v (last health check: %v); if the model is still loading, raise the start timeout; its last output:\n%s",
			s.name, s.o.StartTimeout, lastCheck, s.log.tail())
	default:
		err = fmt.Errorf("launch: stopped %s while waiting for it to be ready: %w", s.name, context.Cause(ctx))
	}
	return errors.Join(err, stopErr)
}

// run starts the server and waits for it, on one locked OS thread: Linux
// sends the parent-death signal when the thread that forked the child
// ends, and a locked thread is not handed to other goroutines (one that
// exits locked would take the thread, and the server, with it).
func (s *Server) run(pw *os.File, startErr chan<- error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	s.started = time.Now()
	err := s.cmd.Start()
	pw.Close() // the child has its own copy; ours would keep the pipe open
	startErr <- err
	if err != nil {
		return
	}
	s.waitErr = s.cmd.Wait()
	s.exitedAt = time.Now()
	s.unexpected = !s.stopping.Load()
	close(s.exited)
}

// copyLog copies the server's output, redacted, to the log until every
// process holding the pipe has closed it.
func (s *Server) copyLog(pr *os.File) {
	w := s.o.Redact.Writer(s.log)
	_, _ = io.Copy(w, pr)
	_ = w.Flush() // the last line, should it lack its end
	pr.Close()
	close(s.copied)
}

// watch stops the server when ctx ends.
func (s *Server) watch(ctx context.Context) {
	select {
	case <-ctx.Done():
		s.log.note(fmt.Sprintf("stopping the server: %v", context.Cause(ctx)))
		_ = s.Stop()
	case <-s.stopped:
	}
}

// Started is when the server process was started: the start of the
// start-up phase.
func (s *Server) Started() time.Time { return s.started }

// Ready is when the health URL first answered 200: the end of the start-up
// phase (at most about a second after the server was in fact ready).
func (s *Server) Ready() time.Time { return s.ready }

// Pid is the server's process id, which is also its process group's id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Exited is closed when the server process exits, whether by Stop or not;
// a run watches it to notice a server that dies under load.
func (s *Server) Exited() <-chan struct{} { return s.exited }

// Err says why the server died when it exited without being stopped
// (exit status and last output); nil while it runs, and after Stop.
func (s *Server) Err() error {
	select {
	case <-s.exited:
	default:
		return nil
	}
	if !s.unexpected {
		return nil
	}
	select { // let the last output reach the tail
	case <-s.copied:
	case <-time.After(drainWait):
	}
	return fmt.Errorf("launch: %s exited during the run (%s, %.1f s after it was ready); its last output:\n%s",
		s.name, s.exitStatus(), s.exitedAt.Sub(s.ready).Seconds(), s.log.tail())
}

// Stop sends SIGTERM to the server's process group, waits up to
// StopTimeout for the whole group to exit, then sends SIGKILL. It returns
// once the server's output has reached Log, so the caller may close it.
// It is safe to call more than once and from several goroutines; later
// calls wait for the first and return its result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		s.stopErr = s.stop()
		close(s.stopped)
	})
	return s.stopErr
}

func (s *Server) stop() error {
	s.stopping.Store(true)
	p := s.cmd.Process
	if s.alive() {
		s.log.note(fmt.Sprintf("stopping the server: SIGTERM to process group %d", p.Pid))
		if err := terminate(p); err != nil {
			s.log.note(fmt.Sprintf("SIGTERM failed: %v", err))
		}
	}
	var err error
	if !s.waitGone(time.Now().Add(s.o.StopTimeout)) {
		s.log.note(fmt.Sprintf("the server's processes did not all exit within %v of SIGTERM; sending SIGKILL", s.o.StopTimeout))
		if kerr := kill(p); kerr != nil {
			s.log.note(fmt.Sprintf("SIGKILL failed: %v", kerr))
		}
		if !s.waitGone(time.Now().Add(killWait)) {
			err = fmt.Errorf("launch: %s's process group %d still has processes %v after SIGKILL; see them with: ps -o pid,stat,cmd -g %d", s.name, p.Pid, killWait, p.Pid)
		}
	}
	s.guard.release() // the group is gone, or beyond what SIGKILL can do
	select {
	case <-s.copied:
	case <-time.After(drainWait):
		s.log.note("a process outside the server's group still holds its output; the log may be cut short")
	}
	if werr := s.log.err(); werr != nil && err == nil {
		err = fmt.Errorf("launch: writing %s's output to its log: %w", s.name, werr)
	}
	return err
}

// alive reports whether the server or any process of its group is left.
func (s *Server) alive() bool {
	select {
	case <-s.exited:
		return groupAlive(s.cmd.Process.Pid)
	default:
		return true
	}
}

// waitGone waits until the server and every process of its group have
// exited, or until the deadline.
func (s *Server) waitGone(deadline time.Time) bool {
	exited := s.exited
	for s.alive() {
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		select {
		case <-exited: // the leader is gone; poll for the rest of the group
			exited = nil
		case <-time.After(min(groupPoll, left)):
		}
	}
	return true
}

func (s *Server) exitStatus() string {
	if st := s.cmd.ProcessState; st != nil {
		return st.String() // "exit status 3", "signal: killed"
	}
	return fmt.Sprint(s.waitErr)
}
