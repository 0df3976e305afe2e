//go:build unix

package launch

import (
	"errors"
	"os"
	"syscall"
)

// sysProcAttr puts the server in a process group of its own, led by it,
// so one signal reaches the workers it forks (vLLM's engine core, tensor-
// parallel workers) and the terminal's Ctrl-C does not.
func sysProcAttr() *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	setDeathSignal(a)
	return a
}

func terminate(p *os.Process) error { return signalGroup(p.Pid, syscall.SIGTERM) }
func kill(p *os.Process) error      { return signalGroup(p.Pid, syscall.SIGKILL) }

// signalGroup signals the group the server leads. The group's id is the
// leader's pid and stays reserved while any member lives, so signalling it
// after the leader has exited still reaches only our workers.
func signalGroup(pgid int, sig syscall.Signal) error {
	err := syscall.Kill(-pgid, sig)
	if errors.Is(err, syscall.ESRCH) { // nobody left: already stopped
		return nil
	}
	return err
}

// groupAlive reports whether any process of the group is left. EPERM
// means one is, running as another user (it could not be signalled).
func groupAlive(pgid int) bool {
	err := syscall.Kill(-pgid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
