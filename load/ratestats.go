package load

import (
	"math"
	"slices"
	"time"
)

// Send records when one request of an open-loop run was due and when it
// went out. Started − Scheduled splits into Queue (waiting for a free
// slot under MaxConcurrency) and Lag (everything else: timer wake-up and
// hand-over to a goroutine), so a pacer problem and a saturated cap are
// told apart.
type Send struct {
	Index     int
	Scheduled time.Time // due time: run start + sum of gaps
	Released  time.Time // the pacer handed it over
	Started   time.Time // do was called
	Done      time.Time // do returned
	Queued    bool      // no free slot at release: it waited in the queue
}

// Queue is the time spent waiting for a concurrency slot; zero for a
// request that found one.
func (s Send) Queue() time.Duration {
	if !s.Queued {
		return 0
	}
	return s.Started.Sub(s.Released)
}

// Lag is the client's own lateness: Started − Scheduled less Queue.
func (s Send) Lag() time.Duration { return s.Started.Sub(s.Scheduled) - s.Queue() }

// RateResult is what an open-loop run did, request by request.
type RateResult struct {
	RequestedRPS   float64
	MaxConcurrency int       // the cap in flight; 0: none
	Start          time.Time // schedule origin: request 0 is due here
	Sends          []Send    // started requests, in index order
	Unsent         int       // scheduled but dropped because ctx ended first
}

// RateStats summarises a RateResult for the report. Rates are (n−1) over
// the span from the first to the last send, which is unbiased for both
// constant and Poisson arrivals.
type RateStats struct {
	Requests int `json:"requests"`
	Unsent   int `json:"unsent"`
	Queued   int `json:"queued"` // requests that waited for a slot
	// MaxConcurrency is the cap in flight that queued requests waited
	// under; 0: none.
	MaxConcurrency int     `json:"max_concurrency"`
	RequestedRPS   float64 `json:"requested_rps"`
	// ScheduledRPS is the rate of the drawn schedule itself: a random
	// schedule of n requests is off the requested rate by about 1/√n
	// (2.2 % for 2000 Poisson arrivals) before any sending happens.
	ScheduledRPS *float64 `json:"scheduled_rps"`
	AchievedRPS  *float64 `json:"achieved_rps"` // of the actual send times
	LagMs        Spread   `json:"send_lag_ms"`
	QueueMs      Spread   `json:"client_queue_ms"`
}

// Spread gives nearest-rank percentiles in milliseconds.
type Spread struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// Stats summarises the run; rates are nil (JSON null) with fewer than
// two sends, or when they all fell on one instant, as no rate can be
// measured.
func (r RateResult) Stats() RateStats {
	st := RateStats{Requests: len(r.Sends), Unsent: r.Unsent, RequestedRPS: r.RequestedRPS, MaxConcurrency: r.MaxConcurrency}
	lag := make([]float64, len(r.Sends))
	queue := make([]float64, len(r.Sends))
	for i, s := range r.Sends {
		lag[i] = ms(s.Lag())
		queue[i] = ms(s.Queue())
		if s.Queued {
			st.Queued++
		}
	}
	st.LagMs, st.QueueMs = spread(lag), spread(queue)
	if n := len(r.Sends); n >= 2 {
		first, last := r.Sends[0], r.Sends[n-1]
		st.ScheduledRPS = perSecond(n-1, last.Scheduled.Sub(first.Scheduled))
		lo, hi := first.Started, last.Started
		for _, s := range r.Sends { // a queued request can start out of order
			if s.Started.Before(lo) {
				lo = s.Started
			}
			if s.Started.After(hi) {
				hi = s.Started
			}
		}
		st.AchievedRPS = perSecond(n-1, hi.Sub(lo))
	}
	return st
}

// perSecond is n events over span as a rate, nil over no time at all.
func perSecond(n int, span time.Duration) *float64 {
	if span <= 0 {
		return nil
	}
	r := float64(n) / span.Seconds()
	return &r
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func spread(v []float64) Spread {
	if len(v) == 0 {
		return Spread{}
	}
	s := slices.Clone(v)
	slices.Sort(s)
	rank := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return s[max(i, 0)]
	}
	var sum float64
	for _, x := range s {
		sum += x
	}
	return Spread{P50: rank(0.50), P90: rank(0.90), P99: rank(0.99), Max: s[len(s)-1], Mean: sum / float64(len(s))}
}
