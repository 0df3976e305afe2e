//go:build unix && !linux

package launch

import "syscall"

// setDeathSignal: only Linux has a parent-death signal; elsewhere a server
// outlives an aienergy that is killed outright.
func setDeathSignal(*syscall.SysProcAttr) {}
