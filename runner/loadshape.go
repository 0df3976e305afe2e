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
	// shard, when on, sends only the shard's arrivals of the schedule
	// every shard draws alike, under its share of the cap in flight.
	shard shard
}

func (o openLoop) Run(ctx context.Context, do func(ctx context.Context, index int)) {
	rate := o.rate
	capName := "load.max_concurrency"
	if o.shard.on() {
		rate.Keep = o.shard.owns // every shard draws the whole schedule, waits for its own
		if rate.MaxConcurrency > 0 {
			rate.MaxConcurrency = max(o.shard.share(rate.MaxConcurrency), 1)
			capName = "this shard's share of load.max_concurrency,"
		}
	}
	res, err := rate.Run(ctx, func(ctx context.Context, i int, _ time.Time) { do(ctx, i) })
	if err != nil && ctx.Err() == nil {
		o.warn("open-loop load at %g req/s did not run: %v", rate.RPS, err)
	}
	rps := rate.RPS
	if o.shard.on() {
		res = shardStats(res, o.shard)
		rps = res.RequestedRPS
	}
	// A cancelled run still sent some requests: their statistics count.
	st := res.Stats()
	if st.Queued > 0 {
		o.warn("%d of %d requests waited for a free slot under %s %d: the server fell behind %g req/s",
			st.Queued, st.Requests, capName, st.MaxConcurrency, rps)
	}
	o.stats(st)
}
