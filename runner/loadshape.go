package runner

import (
	"context"
	"time"

	"github.com/aienergy/aienergy/load"
)

// A loadShape sends a phase's requests: closed loop (a fixed number of
// workers) or open loop (an arrival schedule).
type loadShape interface {
	Run(ctx context.Context, do func(ctx context.Context, index int))
}

// openLoop adapts load.Rate and hands its send-lag and client-queue
// statistics to stats when the phase ends.
type openLoop struct {
	rate  load.Rate
	stats func(load.RateStats)
	warn  func(format string, args ...any)
}

func (o openLoop) Run(ctx context.Context, do func(ctx context.Context, index int)) {
	res, err := o.rate.Run(ctx, func(ctx context.Context, i int, _ time.Time) { do(ctx, i) })
	if err != nil && ctx.Err() == nil {
		o.warn("open-loop load at %g req/s did not run: %v", o.rate.RPS, err)
	}
	// A cancelled run still sent some requests: their statistics count.
	st := res.Stats()
	if st.Queued > 0 {
		o.warn("%d of %d requests waited for a free slot under load.max_concurrency %d: the server fell behind %g req/s",
			st.Queued, st.Requests, st.MaxConcurrency, o.rate.RPS)
	}
	o.stats(st)
}
