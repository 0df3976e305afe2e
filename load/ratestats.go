package load

import (
	"sync"
	"time"

	"github.com/aienergy/aienergy/quantile"
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

// RateResult is what an open-loop run did.
type RateResult struct {
	RequestedRPS   float64
	MaxConcurrency int       // the cap in flight; 0: none
	Start          time.Time // schedule origin: request 0 is due here
	// Sends are the started requests, in index order: kept only with
	// Rate.KeepSends (or set by hand, for Stats to summarise).
	Sends  []Send
	Unsent int // scheduled but dropped because ctx ended first

	tally *sendTally // what Run counted as requests finished; nil: use Sends
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

// Spread gives nearest-rank percentiles in milliseconds: exact up to
// 262 144 requests, within 0.1 % past them (package quantile).
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
	t := r.tally
	if t == nil {
		t = &sendTally{}
		for _, s := range r.Sends {
			t.add(s)
		}
	}
	return t.stats(r)
}

// sendTally summarises sends as they finish, in memory that does not grow
// with the run.
type sendTally struct {
	mu         sync.Mutex
	n, queued  int
	lag, queue quantile.Sketch // ms
	// The sends of the lowest and highest index, and the earliest and
	// latest start (a queued request can start out of order).
	firstIdx, lastIdx     int
	firstSched, lastSched time.Time
	lo, hi                time.Time
}

// add counts s; a dropped send (never started) is not a send.
func (t *sendTally) add(s Send) {
	if s.Started.IsZero() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lag.Add(ms(s.Lag()))
	t.queue.Add(ms(s.Queue()))
	if s.Queued {
		t.queued++
	}
	if t.n == 0 {
		t.firstIdx, t.lastIdx, t.firstSched, t.lastSched, t.lo, t.hi = s.Index, s.Index, s.Scheduled, s.Scheduled, s.Started, s.Started
	}
	t.n++
	if s.Index < t.firstIdx {
		t.firstIdx, t.firstSched = s.Index, s.Scheduled
	}
	if s.Index > t.lastIdx {
		t.lastIdx, t.lastSched = s.Index, s.Scheduled
	}
	if s.Started.Before(t.lo) {
		t.lo = s.Started
	}
	if s.Started.After(t.hi) {
		t.hi = s.Started
	}
}

func (t *sendTally) stats(r RateResult) RateStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := RateStats{Requests: t.n, Unsent: r.Unsent, Queued: t.queued, RequestedRPS: r.RequestedRPS, MaxConcurrency: r.MaxConcurrency}
	st.LagMs, st.QueueMs = spread(&t.lag), spread(&t.queue)
	if t.n >= 2 {
		st.ScheduledRPS = perSecond(t.n-1, t.lastSched.Sub(t.firstSched))
		st.AchievedRPS = perSecond(t.n-1, t.hi.Sub(t.lo))
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

func spread(s *quantile.Sketch) Spread {
	if s.Count() == 0 {
		return Spread{}
	}
	return Spread{P50: s.NearestRank(50), P90: s.NearestRank(90), P99: s.NearestRank(99), Max: s.Max(), Mean: s.Mean()}
}
