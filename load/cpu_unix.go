//go:build unix

package load

import (
	"syscall"
	"time"
)

// processCPU is the CPU time of the whole process, every thread, from
// getrusage.
func processCPU() (user, system time.Duration, ok bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, 0, false
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano()), true
}
