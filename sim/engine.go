package sim

import (
	"context"
	"maps"
	"sync"
	"time"
)

// engine is the simulated inference engine: a fixed number of sequence
// slots with a FIFO queue in front, the power those slots draw, and the
// per-model counters vLLM exports. One mutex guards it all so that a scrape
// sees queue, power and energy at the same instant.
type engine struct {
	now     func() time.Time
	power   powerModel
	refresh time.Duration // of the DCGM metrics; 0: every scrape

	mu      sync.Mutex
	slots   int
	running int
	queue   []*waiter // FIFO; waiters that gave up are removed
	log     *energyLog
	models  map[string]*modelStats // fixed at construction
	shares  seqShares              // energy due to each running sequence
	truth   *requestLog            // finished requests' share of it
}

// modelStats mirrors the vllm:* metrics for one served model.
type modelStats struct {
	running, waiting int
	promptTokens     int64
	generationTokens int64
	finished         map[string]int64 // by finish reason; finishAbort for disconnects
}

// A waiter is a request queued for a slot.
type waiter struct {
	model   string
	ready   chan struct{} // closed when a slot is handed over
	granted bool          // guarded by engine.mu
	mark    seqMark       // at the handover; guarded by engine.mu
}

func newEngine(cfg Config, now func() time.Time) *engine {
	e := &engine{
		now: now,
		power: powerModel{
			idle: cfg.IdleWatts, perSeq: cfg.WattsPerSeq, max: cfg.MaxWatts, gpus: cfg.GPUs,
			gpu: newGPUControl(cfg),
		},
		refresh: cfg.MetricsRefresh,
		slots:   cfg.MaxNumSeqs,
		models:  make(map[string]*modelStats, len(cfg.Models)),
		truth:   newRequestLog(),
	}
	for _, m := range cfg.Models {
		e.models[m] = &modelStats{finished: map[string]int64{}}
	}
	e.log = newEnergyLog(now(), e.power.total(0))
	e.shares.last.at = e.log.origin
	return e
}

// acquire waits for a free slot in FIFO order. queued is called, outside the
// lock, when the request has to wait. On error no slot is held.
func (e *engine) acquire(ctx context.Context, model string, queued func()) error {
	_, err := e.acquireSeq(ctx, model, queued)
	return err
}

// acquireSeq is acquire that also returns the per-sequence energy mark at
// the moment the slot was handed over.
func (e *engine) acquireSeq(ctx context.Context, model string, queued func()) (seqMark, error) {
	e.mu.Lock()
	if e.running < e.slots && len(e.queue) == 0 {
		m := e.admitLocked(model)
		e.mu.Unlock()
		return m, nil
	}
	w := &waiter{model: model, ready: make(chan struct{})}
	e.queue = append(e.queue, w)
	e.models[model].waiting++
	e.mu.Unlock()
	if queued != nil {
		queued()
	}

	select {
	case <-w.ready:
		e.mu.Lock()
		defer e.mu.Unlock()
		return w.mark, nil
	case <-ctx.Done():
	}
	e.mu.Lock()
	if w.granted {
		// The slot arrived as the client left: pass it on.
		e.mu.Unlock()
		e.release(model)
		return seqMark{}, ctx.Err()
	}
	for i, q := range e.queue {
		if q == w {
			e.queue = append(e.queue[:i], e.queue[i+1:]...)
			break
		}
	}
	e.models[model].waiting--
	e.mu.Unlock()
	return seqMark{}, ctx.Err()
}

// release frees a slot, handing it straight to the head of the queue.
func (e *engine) release(model string) { e.releaseSeq(model) }

// releaseSeq is release that also returns the per-sequence energy mark
// at the moment the slot was freed.
func (e *engine) releaseSeq(model string) seqMark {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	mark := e.shares.advance(now, e.running, e.power)
	e.models[model].running--
	e.running--
	if len(e.queue) > 0 {
		w := e.queue[0]
		e.queue[0] = nil
		e.queue = e.queue[1:]
		e.models[w.model].waiting--
		w.granted = true
		w.mark = e.admitLocked(w.model)
		close(w.ready)
		return mark
	}
	e.log.set(now, e.power.total(e.running))
	return mark
}

// admitLocked gives model a slot and returns the per-sequence energy mark
// as it starts to run.
func (e *engine) admitLocked(model string) seqMark {
	now := e.now()
	mark := e.shares.advance(now, e.running, e.power)
	e.running++
	e.models[model].running++
	e.log.set(now, e.power.total(e.running))
	return mark
}

// countPrompt counts a prompt once its prefill is done and returns the
// per-sequence energy mark at that moment, where prefill ends.
func (e *engine) countPrompt(model string, tokens int) seqMark {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.models[model].promptTokens += int64(tokens)
	return e.shares.advance(e.now(), e.running, e.power)
}

// recordTruth keeps a finished request's share of the energy.
func (e *engine) recordTruth(t RequestTruth) {
	e.mu.Lock()
	e.truth.add(t)
	e.mu.Unlock()
}

func (e *engine) countGenerated(model string) {
	e.mu.Lock()
	e.models[model].generationTokens++
	e.mu.Unlock()
}

// countFinished records how a request ended: its finish reason, or
// finishAbort when the client went away first.
func (e *engine) countFinished(model, reason string) {
	e.mu.Lock()
	e.models[model].finished[reason]++
	e.mu.Unlock()
}

// energy is the exact modeled energy in joules between from and to.
func (e *engine) energy(from, to time.Time) float64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	return e.log.joulesAt(to, now) - e.log.joulesAt(from, now)
}

// A snapshot is the engine's state at one instant.
type snapshot struct {
	at      time.Time
	running int
	waiting int
	watts   float64 // all GPUs
	joules  float64 // since the origin, all GPUs
	models  map[string]modelStats

	// meterWatts and meterJoules are what the DCGM metrics show, all
	// GPUs: watts and joules now, or, with a refresh interval, the energy
	// at the last refresh instant and the average power over the interval
	// that ended there, as NVML reports a trailing average.
	meterWatts, meterJoules float64
}

func (e *engine) snapshot() snapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	s := snapshot{
		at:      now,
		running: e.running,
		waiting: len(e.queue),
		watts:   e.power.total(e.running),
		joules:  e.log.joulesAt(now, now),
		models:  make(map[string]modelStats, len(e.models)),
	}
	s.meterWatts, s.meterJoules = s.watts, s.joules
	if e.refresh > 0 {
		s.meterWatts, s.meterJoules = e.refreshedLocked(now)
	}
	for name, m := range e.models {
		c := *m
		c.finished = maps.Clone(m.finished)
		s.models[name] = c
	}
	return s
}

// refreshedLocked is the power and energy of a meter that refreshes at
// origin + k × e.refresh, as seen at now: the energy at the last refresh
// and the average power over the interval that ended there. Before the
// first refresh it shows the idle draw, the level at the origin.
func (e *engine) refreshedLocked(now time.Time) (watts, joules float64) {
	since := now.Sub(e.log.origin)
	last := e.log.origin.Add(since - since%e.refresh)
	joules = e.log.joulesAt(last, now)
	if !last.After(e.log.origin) {
		return e.power.total(0), joules
	}
	return (joules - e.log.joulesAt(last.Add(-e.refresh), now)) / e.refresh.Seconds(), joules
}
