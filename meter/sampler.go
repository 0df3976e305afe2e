package meter

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// DefaultInterval is the polling interval a Sampler uses when given none.
const DefaultInterval = 100 * time.Millisecond

// MinReadTimeout is the shortest time a Read may take before the sampler
// cancels it. A read may outlive its interval (ticks are skipped meanwhile)
// because a 100 ms interval must not doom an exporter scrape that takes
// 150 ms; a read still going after max(interval, MinReadTimeout) is hung.
const MinReadTimeout = time.Second

// sinkBuffer is how many batches may wait for a slow sink before meter
// goroutines block on it. Blocking, never dropping: raw data must survive.
const sinkBuffer = 256

// A Sampler polls every meter on its own goroutine at a fixed interval and
// stamps every reading on one monotonic clock.
//
// Meters are independent: a slow or hung meter delays only itself. While a
// meter's read is in flight its ticks are skipped, not queued, so reads
// never pile up; skipped ticks are counted in Stats.Skipped and show as
// gaps. All meters tick on the same grid (start + k·interval).
//
// Readings go to the sink in batches, one batch per successful read, from a
// single goroutine: the sink is never called concurrently and needs no lock,
// and a slow sink (a disk write) does not delay the reads. The sink owns
// each batch and may keep it.
type Sampler struct {
	meters   []Meter
	interval time.Duration
	sink     func([]Reading)

	mu      sync.Mutex // guards the lifecycle fields below
	started bool
	cancel  context.CancelFunc
	start   time.Time
	stats   []Stats // set by the first Stop

	trackers []*tracker
	batches  chan []Reading
	meterWG  sync.WaitGroup
	sinkDone chan struct{}

	latestMu sync.RWMutex
	latest   map[channelKey]Reading
}

// channelKey identifies a channel without building a "meter/channel"
// string on every reading.
type channelKey struct{ meter, channel string }

// NewSampler returns a sampler for meters that polls every interval (a
// non-positive interval means DefaultInterval) and hands readings to sink
// (which may be nil when only Latest is wanted). Meter names should be
// unique: stats and Latest are keyed by them.
func NewSampler(meters []Meter, interval time.Duration, sink func([]Reading)) *Sampler {
	if interval <= 0 {
		interval = DefaultInterval
	}
	s := &Sampler{
		meters:   meters,
		interval: interval,
		sink:     sink,
		latest:   map[channelKey]Reading{},
	}
	for _, m := range meters {
		every, timeout := pacing(m, interval)
		t := newTracker(m.Name(), every)
		t.every, t.readTimeout = every, timeout
		s.trackers = append(s.trackers, t)
	}
	return s
}

// A Paced meter cannot usefully be read faster than MinInterval (a BMC
// refreshes its sensors every few seconds). The sampler reads it on every
// k-th tick of the shared grid, k the smallest with k·interval ≥
// MinInterval.
type Paced interface {
	MinInterval() time.Duration
}

// A ReadTimeouter is a meter whose reads may take longer than the
// sampler's default read timeout (its own configured timeout, a BMC that
// answers in seconds). The sampler gives each of its reads that long.
type ReadTimeouter interface {
	ReadTimeout() time.Duration
}

// pacing is a meter's read interval and read timeout. It asks with As, so
// that a renamed meter keeps its own.
func pacing(m Meter, interval time.Duration) (every, timeout time.Duration) {
	every, timeout = interval, max(interval, MinReadTimeout)
	if p, ok := As[Paced](m); ok {
		if mi := p.MinInterval(); mi > interval {
			k := (mi + interval - 1) / interval
			every = k * interval
		}
		timeout = max(timeout, every)
	}
	if rt, ok := As[ReadTimeouter](m); ok {
		timeout = max(timeout, rt.ReadTimeout())
	}
	return every, timeout
}

// Start begins polling, one goroutine per meter; the first read of every
// meter happens at once. Cancelling ctx stops polling too, but Stop must
// still be called to flush the sink and collect the stats. Start has no
// effect on a sampler already started or stopped.
func (s *Sampler) Start(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.stats != nil {
		return
	}
	s.started = true
	ctx, s.cancel = context.WithCancel(ctx)
	s.start = time.Now()
	s.batches = make(chan []Reading, sinkBuffer)
	s.sinkDone = make(chan struct{})
	go s.feedSink()
	for i := range s.meters {
		s.meterWG.Add(1)
		go func() {
			defer s.meterWG.Done()
			s.poll(ctx, s.meters[i], s.trackers[i])
		}()
	}
}

// Stop cancels reads in flight, waits for every meter goroutine and for the
// sink to receive every batch, and returns one Stats per meter in the order
// given to NewSampler. Later calls return the same stats. A meter whose Read
// ignores its context delays Stop until that Read returns.
func (s *Sampler) Stop() []Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stats != nil {
		return s.stats
	}
	var runFor time.Duration
	if s.started {
		runFor = time.Since(s.start)
		s.cancel()
		s.meterWG.Wait()
		close(s.batches)
		<-s.sinkDone
	}
	s.stats = make([]Stats, len(s.trackers))
	for i, t := range s.trackers {
		s.stats[i] = t.finish(runFor)
	}
	return s.stats
}

// Latest returns the most recent reading of every channel, keyed
// "meter/channel", for live progress displays. The map is a copy.
func (s *Sampler) Latest() map[string]Reading {
	s.latestMu.RLock()
	defer s.latestMu.RUnlock()
	out := make(map[string]Reading, len(s.latest))
	for k, r := range s.latest {
		out[k.meter+"/"+k.channel] = r
	}
	return out
}

// poll reads m at every tick of the shared grid until ctx ends.
func (s *Sampler) poll(ctx context.Context, m Meter, t *tracker) {
	next := s.start
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		s.readOnce(ctx, m, t)

		next = next.Add(t.every)
		now := time.Now()
		if !next.After(now) {
			// The read outlived one or more ticks: skip them rather than
			// firing back to back, and say so in the stats.
			missed := int(now.Sub(next)/t.every) + 1
			t.stats.Skipped += missed
			next = next.Add(time.Duration(missed) * t.every)
		}
		timer.Reset(next.Sub(now))
	}
}

// readOnce performs one Read, stamps its readings and passes them on.
func (s *Sampler) readOnce(ctx context.Context, m Meter, t *tracker) {
	readCtx, cancel := context.WithTimeout(ctx, t.readTimeout)
	call := time.Now()
	readings, err := safeRead(readCtx, m)
	ret := time.Now()
	timedOut := readCtx.Err() == context.DeadlineExceeded
	cancel()

	if err != nil {
		if ctx.Err() != nil {
			return // cancelled by Stop: neither a success nor a failure
		}
		if timedOut {
			err = &readTimeoutError{after: t.readTimeout, err: err}
		}
		t.failure(err)
		return
	}
	if len(readings) == 0 {
		t.failure(errNoReadings)
		return
	}

	ts := stampTime(call, ret)
	name := m.Name()
	for i := range readings {
		readings[i].Time = ts
		if readings[i].Meter == "" {
			readings[i].Meter = name
		}
	}
	t.success(ts, ret.Sub(call), readings)

	s.latestMu.Lock()
	for _, r := range readings {
		s.latest[channelKey{r.Meter, r.Channel}] = r
	}
	s.latestMu.Unlock()

	s.batches <- readings // never closed before every poll goroutine has returned
}

// safeRead calls m.Read, turning a panic into an error: a bug in one meter
// must not end a long benchmark run and lose the other meters' data.
func safeRead(ctx context.Context, m Meter) (readings []Reading, err error) {
	defer func() {
		if p := recover(); p != nil {
			readings, err = nil, fmt.Errorf("meter panicked: %v", p)
		}
	}()
	return m.Read(ctx)
}

// stampTime is the instant a reading is attributed to: the midpoint of the
// Read call. The meter sampled its hardware at some unknown instant between
// call and return; the midpoint is wrong by at most half the round trip,
// whichever instant it was, and keeps the monotonic clock reading of both
// ends, so every meter's readings share one clock that wall-clock jumps
// (NTP) cannot bend.
func stampTime(call, ret time.Time) time.Time {
	return call.Add(ret.Sub(call) / 2)
}

// feedSink delivers batches to the sink one at a time until Stop closes
// the channel.
func (s *Sampler) feedSink() {
	defer close(s.sinkDone)
	for batch := range s.batches {
		if s.sink != nil {
			s.sink(batch)
		}
	}
}

var errNoReadings = errors.New("read returned no readings")

type readTimeoutError struct {
	after time.Duration
	err   error
}

func (e *readTimeoutError) Error() string {
	return "read cancelled after " + e.after.String() + " without an answer: " + e.err.Error()
}

func (e *readTimeoutError) Unwrap() error { return e.err }
