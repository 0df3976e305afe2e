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
}

func (o openLoop) Run(ctx context.Context, do func(ctx context.Context, index int)) {
	res, _ := o.rate.Run(ctx, func(ctx context.Context, i int, _ time.Time) { do(ctx, i) })
	// The plan was validated, so an error here can only be a cancelled
	// run; what was sent is still worth its statistics.
	o.stats(res.Stats())
}
