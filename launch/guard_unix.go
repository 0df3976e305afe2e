//go:build unix

package launch

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

// guardEnv, set in a process's environment as "PGID STOP_TIMEOUT", makes
// it the guard of the launched server's process group PGID.
const guardEnv = "AIENERGY_LAUNCH_GUARD"

// The guard is aienergy's own binary run again, so it must take over
// before main (or a test binary's TestMain) does anything: hence init, in
// the package every binary that launches a server imports.
func init() {
	if v, ok := os.LookupEnv(guardEnv); ok {
		os.Exit(guardMain(v))
	}
}

// A guard ends a launched server's process group when aienergy dies
// without stopping it (SIGKILL, a crash). The parent-death signal reaches
// only the process aienergy started; what that process forked — vLLM's
// engine, the real server under "sh -c" — would live on, holding the GPU
// and the port. The guard is a process of its own that holds the read end
// of a pipe whose write end only aienergy has: however aienergy ends, the
// kernel closes that end and the guard reads EOF. A Stop that finished
// writes a byte first, and the guard leaves the group alone.
type guard struct {
	w   *os.File
	cmd *exec.Cmd
}

// startGuard starts the guard of process group pgid; it allows the group
// stopTimeout between SIGTERM and SIGKILL, as Stop does.
func startGuard(pgid int, stopTimeout time.Duration) (*guard, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	pr, pw, err := os.Pipe() // close-on-exec: no other child inherits pw
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d %s", guardEnv, pgid, stopTimeout))
	cmd.Stdin = pr
	// A group of its own: the terminal's Ctrl-C or hangup, which aienergy
	// answers by stopping the server itself, does not reach the guard.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	pr.Close()
	if err != nil {
		pw.Close()
		return nil, err
	}
	return &guard{w: pw, cmd: cmd}, nil
}

// release tells the guard that the group was stopped and waits for it to
// exit. It is a no-op on a nil guard.
func (g *guard) release() {
	if g == nil {
		return
	}
	_, _ = g.w.Write([]byte{1})
	g.w.Close()
	_ = g.cmd.Wait()
}

// guardMain is the guard process: it waits for the pipe from aienergy and,
// on EOF, stops the group as Stop would. The group's id cannot have been
// reused while any of its processes lives; only if all of them had exited
// by themselves before aienergy died, and the system had since gone
// through every process id, could the signal reach a stranger.
func guardMain(arg string) int {
	var pgid int
	var stopTimeout time.Duration
	var timeout string
	if _, err := fmt.Sscan(arg, &pgid, &timeout); err != nil || pgid <= 1 {
		fmt.Fprintf(os.Stderr, "%s=%q: want PGID STOP_TIMEOUT\n", guardEnv, arg)
		return 2
	}
	stopTimeout, _ = time.ParseDuration(timeout)
	signal.Ignore(syscall.SIGINT, syscall.SIGHUP) // the terminal's: aienergy handles them
	if n, _ := os.Stdin.Read(make([]byte, 1)); n > 0 {
		return 0 // released: the server was stopped
	}
	if err := signalGroup(pgid, syscall.SIGTERM); err != nil || !groupAlive(pgid) {
		return 0
	}
	for deadline := time.Now().Add(stopTimeout); groupAlive(pgid) && time.Now().Before(deadline); {
		time.Sleep(groupPoll)
	}
	_ = signalGroup(pgid, syscall.SIGKILL)
	return 0
}
