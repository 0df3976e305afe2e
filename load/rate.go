package load

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Rate is an open-loop load: requests go out on a schedule drawn in
// advance, whether or not earlier ones have finished, the way traffic
// from many independent users arrives. Request i is due at an absolute
// time, start + the sum of the first i gaps, so a late send never pushes
// the later ones back (no drift).
type Rate struct {
	RPS        float64 // mean requests per second; above 0
	Arrival    Arrival // gap distribution; "" is poisson
	Burstiness float64 // gamma shape for ArrivalGamma; 1 = Poisson, below 1 burstier
	Seed       int64   // the same seed gives the same schedule
	Requests   int     // schedule this many; 0: no limit
	Duration   time.Duration
	// MaxConcurrency caps requests in flight; 0 is unbounded, which a
	// stalled server answers with a connection per arrival. A request due
	// while the cap is reached waits in a client-side queue, and that wait
	// is reported as queue time, not as send lag.
	MaxConcurrency int
	// Keep, when set, sends only the arrivals it keeps: the others are
	// drawn, so that the schedule is the one every caller with this seed
	// draws, but neither waited for nor sent — one load generator's share
	// of a schedule split among several (load.shard). Their indexes stay
	// the whole schedule's.
	Keep func(index int) bool
	// KeepSends keeps every request's Send in RateResult.Sends, for a
	// benchmark or test that looks at each one. A run does not: a day at
	// 200 req/s would hold 17 million; its Stats are tallied as requests
	// finish.
	KeepSends bool
}

// Run calls do once per scheduled request, each at its due time, until
// Requests have been scheduled, no request is due before Duration, or ctx
// is done; it returns when every started request has returned. Requests
// still queued when ctx ends are not sent and are counted in Unsent.
// With neither Requests nor Duration set, only ctx ends the run.
//
// scheduled is the request's due time, for the caller's own records.
// Run fails only on settings that describe no schedule, before sending.
func (r Rate) Run(ctx context.Context, do func(ctx context.Context, index int, scheduled time.Time)) (RateResult, error) {
	if err := r.validate(); err != nil {
		return RateResult{}, err
	}
	sched := r.newSchedule()
	res := RateResult{RequestedRPS: r.RPS, MaxConcurrency: r.MaxConcurrency, Start: time.Now(), tally: &sendTally{}}
	var mu sync.Mutex // guards res.Sends and res.Unsent
	done := func(s *Send) {
		res.tally.add(*s)
		mu.Lock()
		defer mu.Unlock()
		if s.Started.IsZero() {
			res.Unsent++
		} else if r.KeepSends {
			res.Sends = append(res.Sends, *s)
		}
	}
	p := newPool(ctx, r.MaxConcurrency, do, done)
	w := waiter{spin: spinFor(r.RPS)}
	defer w.stop()

	for i := 0; ; i++ {
		off, ok := sched.next()
		if !ok {
			break
		}
		if r.Keep != nil && !r.Keep(i) {
			continue // another generator's arrival: no wake-up for it
		}
		due := res.Start.Add(off)
		if !w.until(ctx, due) {
			break
		}
		p.submit(&Send{Index: i, Scheduled: due, Released: time.Now()})
	}
	p.close()
	slices.SortFunc(res.Sends, func(a, b Send) int { return a.Index - b.Index })
	return res, nil
}
