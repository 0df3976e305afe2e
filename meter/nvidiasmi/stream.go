package nvidiasmi

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Restart backoff after nvidia-smi exits: it doubles up to the maximum and
// starts over once a process has produced samples. Variables so that tests
// need not wait a second.
var (
	restartBackoff    = time.Second
	maxRestartBackoff = 30 * time.Second
)

// stream runs one nvidia-smi -lms process at a time and keeps the latest
// sample of each GPU it prints.
type stream struct {
	path    string
	args    []string
	instant bool // the query includes power.draw.instant
	now     func() time.Time
	silence time.Duration // a process quiet this long is killed

	mu      sync.Mutex
	latest  map[int]sample
	exited  string // why the last process ended, "" while none has
	starts  int
	updated chan struct{} // gets a token after each sample or exit, for waiters

	cancel context.CancelFunc
	done   chan struct{}
	close  sync.Once
}

func startStream(path string, args []string, instant bool, now func() time.Time, silence time.Duration) *stream {
	ctx, cancel := context.WithCancel(context.Background())
	s := &stream{
		path: path, args: args, instant: instant, now: now, silence: silence,
		latest:  map[int]sample{},
		updated: make(chan struct{}, 1),
		cancel:  cancel,
		done:    make(chan struct{}),
	}
	go s.supervise(ctx)
	return s
}

// supervise keeps one nvidia-smi running until ctx ends.
func (s *stream) supervise(ctx context.Context) {
	defer close(s.done)
	backoff := restartBackoff
	for {
		s.mu.Lock()
		s.starts++
		s.mu.Unlock()
		lines, why := s.runProcess(ctx)
		if ctx.Err() != nil {
			return
		}
		if lines > 0 {
			backoff = restartBackoff // it worked for a while: retry soon
		}
		s.mu.Lock()
		s.exited = fmt.Sprintf("%s; restarting it in %s", why, backoff)
		s.mu.Unlock()
		s.notify()
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, maxRestartBackoff)
	}
}

// runProcess runs nvidia-smi once, storing every sample it prints, and
// says why it ended. A process that stops printing without exiting (a
// hung driver call) is killed, so that the supervisor starts a new one.
func (s *stream) runProcess(parent context.Context) (lines int, why string) {
	cmdline := s.path + " " + strings.Join(s.args, " ")
	ctx, kill := context.WithCancel(parent)
	defer kill()
	var hung atomic.Bool
	// The first line may take longer: the driver initialises.
	watchdog := time.AfterFunc(startTimeout+s.silence, func() { hung.Store(true); kill() })
	defer watchdog.Stop()
	// stdout is a plain pipe rather than cmd.StdoutPipe so that closing our
	// end (when ctx ends) unblocks the reader even if some child of the
	// program still holds the other end.
	r, w, err := os.Pipe()
	if err != nil {
		return 0, fmt.Sprintf("cannot start %s: %v", cmdline, err)
	}
	defer r.Close()
	var stderr tail
	cmd := exec.CommandContext(ctx, s.path, s.args...)
	cmd.Stdout = w
	cmd.Stderr = &stderr
	cmd.WaitDelay = time.Second
	err = cmd.Start()
	w.Close()
	if err != nil {
		return 0, fmt.Sprintf("cannot start %s: %v", cmdline, err)
	}
	stop := context.AfterFunc(ctx, func() { r.Close() })
	defer stop()

	var other []string // lines that are not samples: nvidia-smi's messages
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		smp, err := parseLine(line, s.instant)
		if err != nil {
			if len(other) < 3 {
				other = append(other, strings.TrimSpace(line))
			}
			continue
		}
		smp.at = s.now()
		s.store(smp)
		lines++
		watchdog.Reset(s.silence)
	}
	r.Close()
	err = cmd.Wait()
	said := strings.TrimSpace(strings.Join(other, " ") + " " + summary(stderr.buf.String()))
	if err == nil {
		err = fmt.Errorf("exit status 0")
	}
	why = fmt.Sprintf("nvidia-smi exited (%v) after %d lines", err, lines)
	if hung.Load() {
		why = fmt.Sprintf("nvidia-smi printed nothing for %s after %d lines and was killed", s.silence, lines)
	}
	if said != "" {
		why += ": " + said
	}
	return lines, why
}

func (s *stream) store(smp sample) {
	s.mu.Lock()
	s.latest[smp.index] = smp
	s.mu.Unlock()
	s.notify()
}

// notify wakes a waiter after a sample or an exit.
func (s *stream) notify() {
	select {
	case s.updated <- struct{}{}:
	default:
	}
}

// snapshot returns the latest sample of each GPU, why the last process
// ended ("" if none has) and how many processes have been started.
func (s *stream) snapshot() (map[int]sample, string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int]sample, len(s.latest))
	for k, v := range s.latest {
		out[k] = v
	}
	return out, s.exited, s.starts
}

// waitFor waits until every GPU in want has a sample (it returns true),
// until the deadline or the first process's exit (false), or until ctx
// ends (ctx's error).
func (s *stream) waitFor(ctx context.Context, want []int, timeout time.Duration) (bool, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		latest, exited, _ := s.snapshot()
		all := true
		for _, i := range want {
			if _, ok := latest[i]; !ok {
				all = false
			}
		}
		if all {
			return true, nil
		}
		if exited != "" {
			return false, nil
		}
		select {
		case <-s.updated:
		case <-deadline.C:
			return false, nil
		case <-ctx.Done():
			return false, ctx.Err()
		case <-s.done:
			return false, nil
		}
	}
}

// stop ends the process and waits for the supervisor to return.
func (s *stream) stop() {
	s.close.Do(func() {
		s.cancel()
		<-s.done
	})
}
