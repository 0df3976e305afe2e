package launch

import "syscall"

// setDeathSignal has the kernel kill the server if aienergy itself dies
// without stopping it (SIGKILL, crash), so no server is left holding the
// GPU. The signal follows the thread that forked the server: run keeps
// that thread locked for the server's whole life.
func setDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
