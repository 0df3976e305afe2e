package sim

import (
	"math"
	"sort"
	"time"
)

// powerModel turns the number of running sequences into watts.
type powerModel struct {
	idle, perSeq, max float64 // per GPU
	gpus              int
	gpu               *gpuControl // power limits and locked clocks (settings.go); nil: none
}

// perGPU is the draw of one GPU; every GPU carries every sequence, at
// the speed its power limit and clock allow (see settings.go).
func (m powerModel) perGPU(running int) float64 {
	full := math.Min(m.max, m.idle+m.perSeq*float64(running))
	if s := m.speed(running); s < 1 {
		return m.idle + (full-m.idle)*s*s
	}
	return full
}

// total is the draw of all GPUs together.
func (m powerModel) total(running int) float64 {
	return float64(m.gpus) * m.perGPU(running)
}

// defaultMaxSteps bounds the energy log: 1<<22 steps of 24 bytes is 96 MiB,
// several times the ~1e6 power changes of a long benchmark run.
const defaultMaxSteps = 1 << 22

// A powerStep starts a stretch of constant power.
type powerStep struct {
	at     time.Duration // offset from the log's origin where the stretch begins
	watts  float64       // total watts from at until the next step
	joules float64       // energy accumulated from the origin up to at
}

// energyLog records power as a step function of time so that the energy over
// any window is an exact integral. Not safe for concurrent use.
type energyLog struct {
	origin    time.Time
	steps     []powerStep
	maxSteps  int
	truncated bool // the oldest steps were dropped to bound memory
}

func newEnergyLog(origin time.Time, watts float64) *energyLog {
	return &energyLog{
		origin:   origin,
		steps:    []powerStep{{at: 0, watts: watts}},
		maxSteps: defaultMaxSteps,
	}
}

// set records that power became watts at time t. Times must not go
// backwards; a t before the last step is treated as the last step's time.
func (l *energyLog) set(t time.Time, watts float64) {
	last := &l.steps[len(l.steps)-1]
	if watts == last.watts {
		return
	}
	at := max(t.Sub(l.origin), last.at)
	if at == last.at {
		// Several changes in one instant: only the last level lasts.
		last.watts = watts
		return
	}
	l.steps = append(l.steps, powerStep{
		at:     at,
		watts:  watts,
		joules: last.joules + last.watts*(at-last.at).Seconds(),
	})
	if len(l.steps) > l.maxSteps {
		// Drop the older half; the kept steps carry their cumulative
		// joules, so totals stay exact and only old windows are lost.
		n := copy(l.steps, l.steps[len(l.steps)/2:])
		l.steps = l.steps[:n]
		l.truncated = true
	}
}

// joulesAt is the energy used from the origin up to t. The future is not
// known yet, so t is clamped to now; before the origin nothing was drawn.
// It is NaN when t falls before the oldest step kept.
func (l *energyLog) joulesAt(t, now time.Time) float64 {
	at := min(t.Sub(l.origin), now.Sub(l.origin))
	if at < l.steps[0].at {
		if l.truncated {
			return math.NaN()
		}
		return 0
	}
	i := sort.Search(len(l.steps), func(i int) bool { return l.steps[i].at > at }) - 1
	s := l.steps[i]
	return s.joules + s.watts*(at-s.at).Seconds()
}
