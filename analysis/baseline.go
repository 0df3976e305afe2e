package analysis

import (
	"errors"
	"fmt"
	"math"

	"github.com/aienergy/aienergy/trace"
)

// Baseline disagreement limits: idle power before and after a model that
// differ by more than both are reported, since the net figures then rest
// on a baseline that moved (thermal drift, a background job).
const (
	baselineRelTolerance = 0.10 // of the mean of the two
	baselineAbsTolerance = 5.0  // watts
)

// baseline is a channel's idle power around a model.
type baseline struct {
	watts, before, after *float64
	// uncertaintyW bounds the error of watts: the idle windows' energy
	// uncertainties over their time, plus half the gap between before and
	// after when both exist (the baseline moved; which value held during
	// the measured phase is unknown).
	uncertaintyW float64
	warnings     []string
}

// minBaselineUpdates is how many changes of a meter's value an idle
// window needs before its average means something: with fewer, the
// window sees one or two refreshes of a slow meter, and their timing
// decides the figure.
const minBaselineUpdates = 3

// guardedIdleWindow trims an idle phase at both ends by two sample
// spacings (or two counter updates, if longer), at most a quarter of the
// phase each side. Energy at a window edge is interpolated between the
// samples around it, so without the guard the idle window would take a
// share of the load's power from the sample interval that straddles the
// start or end of the load — inflating the baseline most when idle phases
// are short.
func guardedIdleWindow(s *Series, p *trace.Phase) (from, to float64) {
	g := 2 * s.SampleSpacing()
	if u := max(s.CounterUpdateInterval(), s.PowerUpdateInterval()); 2*u > g {
		g = 2 * u
	}
	if limit := (p.End - p.Start) / 4; !(g <= limit) { // also catches NaN
		g = max(limit, 0)
	}
	return p.Start + g, p.End - g
}

// channelBaseline measures the channel's idle power over the model's
// idle_before and idle_after phases (either may be missing). The combined
// figure is total idle energy over total idle time, so a longer idle phase
// weighs more.
func channelBaseline(s *Series, before, after *trace.Phase) (baseline, error) {
	var (
		b                            baseline
		joules, covered, uncertainty float64
	)
	measure := func(p *trace.Phase) (*float64, error) {
		if p == nil {
			return nil, nil
		}
		from, to := guardedIdleWindow(s, p)
		e, err := s.Energy(from, to)
		if errors.Is(err, ErrNoData) {
			b.warnings = append(b.warnings, fmt.Sprintf("%s: no samples, left out of the baseline", p.Name))
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		for _, w := range e.Warnings {
			b.warnings = append(b.warnings, p.Name+": "+w)
		}
		if e.Updates < minBaselineUpdates {
			b.warnings = append(b.warnings, fmt.Sprintf("%s: the meter changed value only %d time(s) in the %.3g s baseline window (%s): the idle power rests on too few readings; lengthen the idle phases", p.Name, e.Updates, to-from, refreshNote(s)))
		}
		joules += e.Joules
		covered += e.CoveredS
		uncertainty += e.UncertaintyJ
		w := e.Joules / e.CoveredS
		return &w, nil
	}
	var err error
	if b.before, err = measure(before); err != nil {
		return b, err
	}
	if b.after, err = measure(after); err != nil {
		return b, err
	}
	if covered > 0 {
		w := joules / covered
		b.watts = &w
		b.uncertaintyW = uncertainty / covered
	}
	if b.before != nil && b.after != nil {
		x, y := *b.before, *b.after
		b.uncertaintyW += math.Abs(x-y) / 2
		if diff := math.Abs(x - y); diff > baselineAbsTolerance && diff > baselineRelTolerance*(x+y)/2 {
			b.warnings = append(b.warnings, fmt.Sprintf("idle power before (%.1f W) and after (%.1f W) disagree by %.1f W: the baseline moved, and net figures, which use the time-weighted mean, are uncertain by up to that much power over the measured phase", x, y, diff))
		}
	}
	if b.watts == nil {
		b.warnings = append(b.warnings, "no idle phase with samples: no baseline, net figures omitted")
	}
	return b, nil
}

// refreshNote says how often the channel's meter changes value.
func refreshNote(s *Series) string {
	if u := s.CounterUpdateInterval(); u > 0 {
		return fmt.Sprintf("its counter changes every %.3g s", u)
	}
	return fmt.Sprintf("sampled every %.3g s", s.SampleSpacing())
}
