//go:build !linux

package load

import "time"

// A fineTimer is the runtime's sleep where there is no timerfd: coarser,
// and made up for by the pacer's clock poll.
type fineTimer struct{}

func newFineTimer() *fineTimer { return nil }

func (*fineTimer) sleep(d time.Duration) { time.Sleep(d) }

func (*fineTimer) close() {}
