package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/aienergy/aienergy/load"
)

// A shard is one load generator's share of a load sent from several
// machines (load.shard, recorded as run.json's shard): arrival k of the
// common schedule, or request k of a closed loop, is this shard's when
// k mod count = index. Its request indexes are the whole schedule's, so
// that ids are unique across shards and each request gets the prompt it
// would get from one process.
type shard struct{ index, count int }

func (s shard) on() bool { return s.count > 1 }

// owns reports whether request or arrival k is this shard's.
func (s shard) owns(k int) bool { return !s.on() || k%s.count == s.index }

// share is this shard's part of n workers or requests, split as evenly as
// possible (10 over 4 shards: 3, 3, 2, 2): exactly the number of k < n
// that it owns.
func (s shard) share(n int) int {
	if !s.on() {
		return n
	}
	q := n / s.count
	if s.index < n%s.count {
		q++
	}
	return q
}

// shardOf is the run's shard; count 0 when it sends the whole load.
func (r *run) shardOf() shard {
	if s := r.meta.Shard; s != nil {
		return shard{index: s.Index, count: s.Count}
	}
	return shard{}
}

// shardShape narrows a phase's load to the run's shard. A load it does
// not know is sent whole.
func (r *run) shardShape(l loadShape) loadShape {
	s := r.shardOf()
	if !s.on() {
		return l
	}
	switch l := l.(type) {
	case load.Closed:
		return closedShard{load: l, shard: s}
	case openLoop:
		l.shard = s
		return l
	}
	return l
}

// closedShard runs a shard's share of a closed loop: its share of the
// workers (at least one when it has requests to send) and of the
// requests; its j-th request is request j·count + index of the whole.
type closedShard struct {
	load  load.Closed
	shard shard
}

func (c closedShard) Run(ctx context.Context, do func(ctx context.Context, index int)) {
	l := c.load
	if l.Requests > 0 {
		if l.Requests = c.shard.share(l.Requests); l.Requests == 0 {
			return // fewer requests than shards: none is this one's
		}
	}
	l.Concurrency = max(c.shard.share(l.Concurrency), 1)
	l.Run(ctx, func(ctx context.Context, j int) { do(ctx, j*c.shard.count+c.shard.index) })
}

// maxShardLate is how late after load.shard.start_at a shard may begin
// its measured phase: later, its load would be offset from the others'
// by more than a request's worth, and the run fails instead.
const maxShardLate = time.Second

// awaitShardStart holds a shard's first measured phase until
// load.shard.start_at, so that every shard's begins at the same instant
// (as far as the machines' clocks agree), and records how late it began.
// Later measured phases (more models, sweep points) follow on this
// machine's own timing.
func (r *run) awaitShardStart(ctx context.Context, label string) error {
	s := r.meta.Shard
	if s == nil || s.LateS != nil {
		return nil
	}
	wait := time.Until(s.StartAt)
	if -wait > maxShardLate {
		return fmt.Errorf("shard %d of %d reached its measured phase %s after load.shard.start_at (%s): its load would not line up with the other shards'; set start_at later, after every shard has started and finished its idle phase and warmup",
			s.Index, s.Count, (-wait).Round(time.Millisecond), s.StartAt.Format(time.RFC3339))
	}
	if wait > 0 {
		r.plan.Log.Info(fmt.Sprintf("%s: shard %d of %d waits %s for load.shard.start_at %s", label, s.Index, s.Count,
			wait.Round(time.Millisecond), s.StartAt.Format(time.RFC3339)))
		r.setPhase(label, "waiting for load.shard.start_at", 0, wait)
		sleep(ctx, wait)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	late := max(time.Since(s.StartAt), 0).Seconds()
	if late > 0.1 {
		r.warnf("%s: shard %d of %d began its measured phase %.3f s after load.shard.start_at", label, s.Index, s.Count, late)
	}
	sh := *s // the plan's copy stays as given
	sh.LateS = &late
	r.meta.Shard = &sh
	return nil
}

// shardStats is a shard's open-loop record with the requested rate its
// share: load.Rate kept only the shard's arrivals (Keep), so its sends
// and unsent are already the shard's own.
func shardStats(res load.RateResult, s shard) load.RateResult {
	res.RequestedRPS /= float64(s.count)
	return res
}
