// Package live serves a run's progress as Prometheus metrics while it runs
// (aienergy run --metrics-addr): the power of every meter channel, energy
// counters, requests, tokens and the phase, so that a Grafana dashboard
// can follow a run. The figures of record stay those of the run directory;
// these are a live view.
//
// The exposition is built as client_model families and encoded by
// prometheus/common/expfmt, which the module already uses: no
// client_golang registry is needed for a fixed set of metrics that the
// exporter owns outright.
package live

import (
	"sync"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/meter"
)

// An Exporter holds the latest state of a run for scrapes. Its update
// methods are safe for concurrent use and cheap (a map update under a
// lock); a nil *Exporter ignores them, so the runner can call them
// whether or not --metrics-addr was given.
type Exporter struct {
	mu sync.Mutex

	runSet         bool
	runName, runID string

	maxRange map[string]float64 // keyed "meter/channel"
	channels map[chanKey]*channel

	current    modelPhase
	hasCurrent bool

	requests     map[requestKey]uint64
	outputTokens map[modelPhase]uint64
	inputTokens  map[modelPhase]uint64
	inFlight     map[string]int
}

type chanKey struct{ meter, channel string }

type modelPhase struct{ model, phase string }

type requestKey struct {
	modelPhase
	outcome string
}

// New returns an exporter with nothing to show yet.
func New() *Exporter {
	return &Exporter{
		maxRange:     map[string]float64{},
		channels:     map[chanKey]*channel{},
		requests:     map[requestKey]uint64{},
		outputTokens: map[modelPhase]uint64{},
		inputTokens:  map[modelPhase]uint64{},
		inFlight:     map[string]int{},
	}
}

// Run names the run: aienergy_run_info{name,run_id} = 1.
func (e *Exporter) Run(name, runID string) {
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.runSet, e.runName, e.runID = true, name, runID
}

// MaxRanges gives, keyed "meter/channel" like meter.CounterRanger, the
// value in joules at which a channel's energy counter wraps to zero. A
// decrease of such a counter is a wrap (the range is added), not a reset.
// Call it before the first Readings.
func (e *Exporter) MaxRanges(ranges map[string]float64) {
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, v := range ranges {
		e.maxRange[k] = v
	}
}

// Readings takes a batch of meter readings, as the sampler hands them to
// its sink, in time order per channel.
func (e *Exporter) Readings(rs []meter.Reading) {
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range rs {
		k := chanKey{r.Meter, r.Channel}
		c := e.channels[k]
		if c == nil {
			c = newChannel()
			e.channels[k] = c
		}
		c.add(r, e.maxRange[r.Meter+"/"+r.Channel])
	}
}

// Phase marks phase of model as the one running now; every phase before
// it reads 0. An empty phase marks that none runs (the run is over).
func (e *Exporter) Phase(model, phase string) {
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	// An info metric is 1 while it holds: the phase before is dropped,
	// and goes stale in Prometheus, rather than kept at 0.
	e.hasCurrent = phase != ""
	e.current = modelPhase{model, phase}
}

// Request counts one finished request of model in phase, and its tokens.
// A failed request's tokens count too: the server generated them.
func (e *Exporter) Request(model, phase string, rec backend.Record) {
	if e == nil {
		return
	}
	outcome := OutcomeOK
	if !rec.OK() {
		outcome = OutcomeError
	}
	mp := modelPhase{model, phase}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.requests[requestKey{mp, outcome}]++
	// Token series exist from the first request on, zero or not, so that
	// rate() has a starting point.
	e.outputTokens[mp] += uint64(max(rec.OutputTokens, 0))
	e.inputTokens[mp] += uint64(max(rec.InputTokens, 0))
}

// InFlight changes the number of requests of model in flight by delta:
// +1 when one is sent, -1 when it finishes.
func (e *Exporter) InFlight(model string, delta int) {
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.inFlight[model] += delta
}
