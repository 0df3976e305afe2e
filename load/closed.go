// Package load decides when requests are sent: the arrival schedule.
package load

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Closed is a closed-loop load: a fixed number of workers, each sending
// its next request as soon as the previous one finishes. Concurrency 1 is
// the sequential, single-stream load of the seeds.
type Closed struct {
	Concurrency int           // workers; at least 1
	Requests    int           // stop after this many requests; 0: no limit
	Duration    time.Duration // start no request after this long; 0: no limit
}

// Run calls do once per request index, from Concurrency goroutines, until
// Requests have been started, Duration has passed or ctx is done. It
// returns when every started request has returned. Requests already in
// flight when the duration ends are allowed to finish, so that no work is
// cut off mid-generation and counted half.
func (c Closed) Run(ctx context.Context, do func(ctx context.Context, index int)) {
	workers := max(c.Concurrency, 1)
	if c.Requests > 0 {
		workers = min(workers, c.Requests)
	}
	var deadline time.Time
	if c.Duration > 0 {
		deadline = time.Now().Add(c.Duration)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if !deadline.IsZero() && !time.Now().Before(deadline) {
					return
				}
				i := int(next.Add(1) - 1)
				if c.Requests > 0 && i >= c.Requests {
					return
				}
				do(ctx, i)
			}
		}()
	}
	wg.Wait()
}
