package load

import (
	"context"
	"runtime"
	"time"
)

// spinWindow is how long before a due time the pacer stops sleeping on a
// timer and polls the clock instead. Go's timers on Linux wake through
// epoll with millisecond resolution and can be up to about a millisecond
// late, which alone would break a 2 ms p99 send-lag target once the
// scheduler adds its own delay; polling the last stretch costs a fraction
// of one core (spinWindow × rate) and yields the processor between polls
// so the request goroutines still run. BenchmarkRatePacing measures the
// lag for several windows; a variable so that it can.
var spinWindow = time.Millisecond

// waiter sleeps until absolute times, reusing one timer.
type waiter struct{ t *time.Timer }

// until returns at or just after due, or false as soon as ctx is done.
func (w *waiter) until(ctx context.Context, due time.Time) bool {
	if d := time.Until(due) - spinWindow; d > 0 {
		if w.t == nil {
			w.t = time.NewTimer(d)
		} else {
			w.t.Reset(d) // safe on a fired timer since Go 1.23: no stale tick
		}
		select {
		case <-ctx.Done():
			return false
		case <-w.t.C:
		}
	}
	for time.Now().Before(due) {
		if ctx.Err() != nil {
			return false
		}
		runtime.Gosched()
	}
	return ctx.Err() == nil
}

func (w *waiter) stop() {
	if w.t != nil {
		w.t.Stop()
	}
}
