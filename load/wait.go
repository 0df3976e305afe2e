package load

import (
	"context"
	"runtime"
	"time"
)

// The pacer waits for a due time in three stretches:
//
//   - until fineWindow before it, on a Go timer, which ctx interrupts. A
//     Go timer is coarse: the runtime sleeps in epoll_wait, whose timeout
//     is in milliseconds, so a timer fires up to about a millisecond
//     late, and a shorter wait rounds up to one;
//   - until the spin window before it, on a fineTimer: a kernel timer the
//     runtime's poller wakes for when it fires (a timerfd on Linux);
//   - the rest, polling the clock and yielding the processor in between,
//     which covers the tens of microseconds the wake-up itself takes.
//
// The spin is what costs CPU, up to its window per request, so it is
// bounded by a share of the mean gap (see spinFor): the pacer used to
// spin for the last millisecond, 0.86–0.94 of a core at 1000 req/s, for
// a better median but no better tail on a loaded machine.
// BenchmarkRatePacing measures the lag and the CPU of several settings;
// these are variables so that it can.
var (
	fineWindow = 2 * time.Millisecond
	spinWindow = 50 * time.Microsecond
	// spinShare bounds the spin to this share of the mean gap between
	// requests, so that it takes at most that share of one core at any
	// rate: the full spinWindow at 1000 req/s, 10 µs at 5000.
	spinShare = 0.05
)

// spinFor is the spin window at a mean rate of rps requests per second.
func spinFor(rps float64) time.Duration {
	return min(spinWindow, time.Duration(spinShare*float64(time.Second)/rps))
}

// waiter sleeps until absolute times, reusing one timer of each kind.
type waiter struct {
	spin time.Duration // see spinFor
	t    *time.Timer
	fine *fineTimer
}

// until returns at or just after due, or false as soon as ctx is done
// (a fine sleep, at most fineWindow long, runs to its end first).
func (w *waiter) until(ctx context.Context, due time.Time) bool {
	if d := time.Until(due) - fineWindow; d > 0 {
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
	if d := time.Until(due) - w.spin; d > 0 {
		if w.fine == nil {
			w.fine = newFineTimer()
		}
		w.fine.sleep(d)
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
	w.fine.close()
}
