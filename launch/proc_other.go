//go:build !unix

package launch

import (
	"os"
	"syscall"
)

// Without Unix process groups only the server process itself can be
// stopped, and it is killed at once: there is no SIGTERM to send.
func sysProcAttr() *syscall.SysProcAttr { return nil }
func terminate(p *os.Process) error     { return p.Kill() }
func kill(p *os.Process) error          { return p.Kill() }
func groupAlive(int) bool               { return false }
