//go:build !unix

package load

import "time"

// processCPU is not read on this platform.
func processCPU() (user, system time.Duration, ok bool) { return 0, 0, false }
