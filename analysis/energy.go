package analysis

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Energy methods, recorded with every figure.
const (
	MethodCounter     = "counter"     // delta of a cumulative energy counter
	MethodIntegration = "integration" // trapezoidal integration of power samples
	MethodMixed       = "mixed"       // a sum over channels that used both
	// MethodEstimate marks a channel whose meter models power (from CPU
	// utilization and a TDP, say) instead of measuring it. It wins over
	// the integration method that produced the number, and any sum that
	// includes it is MethodMixedEstimate, so an estimate is never hidden.
	MethodEstimate      = "estimate"
	MethodMixedEstimate = "mixed, includes estimate"
)

// ErrNoData says a channel has no samples that cover a window.
var ErrNoData = errors.New("no samples cover the window")

// WindowEnergy is one channel's energy over one window, with what the
// figure rests on.
type WindowEnergy struct {
	Joules  float64 `json:"joules"`
	Method  string  `json:"method"`
	Samples int     `json:"samples"` // samples inside the window
	// CoveredS is the part of the window the figure covers: the span of
	// the samples, widened at each end by the gap threshold. Joules is the
	// energy over those seconds, never scaled up to the whole window.
	CoveredS float64 `json:"covered_s"`
	Coverage float64 `json:"coverage"` // CoveredS / window length
	MaxGapS  float64 `json:"max_gap_s"`
	Gaps     int     `json:"gaps"` // stretches without samples longer than the gap threshold
	Resets   int     `json:"resets"`
	Wraps    int     `json:"wraps"`
	// EdgeUncertaintyJ bounds the error of a counter delta at the window
	// edges: the largest counter step near each edge, summed. Counters that
	// update in steps (NVML every ~100 ms) leave each edge uncertain by one
	// step. Nil for integrated power.
	EdgeUncertaintyJ *float64 `json:"edge_uncertainty_j,omitempty"`
	AvgWatts         *float64 `json:"avg_watts"`
	PeakWatts        *float64 `json:"peak_watts"`
	Warnings         []string `json:"warnings,omitempty"`
}

// Energy returns the channel's energy over [from, to] (seconds since run
// start). A channel with a counter gives the counter delta, with the
// counter linearly interpolated at the window edges; otherwise power
// samples are integrated with the trapezoidal rule over their real
// timestamps, with power interpolated at the edges. Within the gap
// threshold (gapFactor × the median spacing) beyond the first or last
// sample, power is held at its edge value (a counter runs on at the power
// of its nearest interval); farther out the window counts as uncovered:
// Coverage says how much is covered and Joules is never scaled up. Average
// and peak watts come from power samples when the channel has them, else
// from the counter. It returns ErrNoData when no samples cover the window.
func (s *Series) Energy(from, to float64) (WindowEnergy, error) {
	if math.IsNaN(from) || math.IsNaN(to) || math.IsInf(from, 0) || math.IsInf(to, 0) || !(to > from) {
		return WindowEnergy{}, fmt.Errorf("window [%v, %v]: want finite times with end after start", from, to)
	}
	var (
		e   WindowEnergy
		err error
	)
	switch {
	case s.HasCounter():
		e, err = s.counterEnergy(from, to)
	case s.HasPower():
		e, err = s.integratedEnergy(from, to)
	default:
		return WindowEnergy{}, fmt.Errorf("%w: channel %s has fewer than 2 readings", ErrNoData, s.Key())
	}
	if err != nil {
		return WindowEnergy{}, err
	}
	s.setWatts(&e, from, to)
	return e, nil
}

// integratedEnergy integrates power samples over the covered window.
func (s *Series) integratedEnergy(from, to float64) (WindowEnergy, error) {
	threshold := gapFactor * s.powerSpacing
	lo, hi, ok := coveredRange(s.powerT, from, to, threshold)
	if !ok {
		return WindowEnergy{}, fmt.Errorf("%w: channel %s has power samples in [%v, %v] only", ErrNoData, s.Key(), s.powerT[0], s.powerT[len(s.powerT)-1])
	}
	j, _ := trapezoid(s.powerT, s.powerW, lo, hi)
	e := WindowEnergy{Joules: j, Method: MethodIntegration}
	s.describeCoverage(&e, s.powerT, from, to, lo, hi, threshold)
	return e, nil
}

// counterEnergy takes the counter delta over the covered window.
func (s *Series) counterEnergy(from, to float64) (WindowEnergy, error) {
	t, c := s.counterT, s.counterC
	threshold := gapFactor * s.counterSpacing
	lo, hi, ok := coveredRange(t, from, to, threshold)
	if !ok {
		return WindowEnergy{}, fmt.Errorf("%w: channel %s has counter readings in [%v, %v] only", ErrNoData, s.Key(), t[0], t[len(t)-1])
	}
	e := WindowEnergy{Joules: counterAt(t, c, hi) - counterAt(t, c, lo), Method: MethodCounter}
	for i := 1; i < len(t); i++ {
		if t[i] <= lo || t[i-1] >= hi {
			continue
		}
		switch s.counterEvent[i] {
		case counterReset:
			e.Resets++
		case counterWrap:
			e.Wraps++
		}
	}
	u := stepNear(t, c, lo) + stepNear(t, c, hi)
	e.EdgeUncertaintyJ = &u
	s.describeCoverage(&e, t, from, to, lo, hi, threshold)
	if e.Resets > 0 {
		e.Warnings = append(e.Warnings, fmt.Sprintf("counter reset %d time(s) in the window: energy since each reset counted, energy between the last reading and the reset lost", e.Resets))
	}
	return e, nil
}

// describeCoverage fills the sample count, coverage and gap figures and
// warns when the figure is built on a gap or covers too little.
func (s *Series) describeCoverage(e *WindowEnergy, t []float64, from, to, lo, hi, threshold float64) {
	e.CoveredS = hi - lo
	e.Coverage = e.CoveredS / (to - from)
	e.MaxGapS, e.Gaps, e.Samples = gapStats(t, from, to, threshold)
	if e.Gaps > 0 {
		e.Warnings = append(e.Warnings, fmt.Sprintf("figure built on a gap: %d stretch(es) without samples longer than %.3g s (%d× the median spacing), longest %.3g s", e.Gaps, threshold, gapFactor, e.MaxGapS))
	}
	if e.Coverage < minCoverage {
		e.Warnings = append(e.Warnings, fmt.Sprintf("samples cover only %.1f%% of the window (%.3g of %.3g s)", 100*e.Coverage, e.CoveredS, to-from))
	}
}

// minCoverage is the covered fraction below which a figure is flagged.
const minCoverage = 0.99

// setWatts fills average and peak watts. The average is the window's
// energy over its covered time, so that average × duration is the energy
// figure itself, whichever method made it (a 1 s-averaged power reading
// and an energy counter can disagree, and the counter is the better
// measure). The peak is the highest power sample when the meter reports
// power, else the highest power between counter changes.
func (s *Series) setWatts(e *WindowEnergy, from, to float64) {
	if e.CoveredS > 0 {
		avg := e.Joules / e.CoveredS
		e.AvgWatts = &avg
	}
	if s.HasPower() {
		lo, hi, ok := coveredRange(s.powerT, from, to, gapFactor*s.powerSpacing)
		if ok {
			_, peak := trapezoid(s.powerT, s.powerW, lo, hi)
			e.PeakWatts = &peak
		}
		return
	}
	if peak, ok := maxStepPower(s.stepT, s.stepW, from, to); ok {
		e.PeakWatts = &peak
	}
}

// coveredRange is the part of [from, to] the samples at times t cover:
// their span widened by tol at each end. ok is false when that part is
// empty.
func coveredRange(t []float64, from, to, tol float64) (lo, hi float64, ok bool) {
	lo = math.Max(from, t[0]-tol)
	hi = math.Min(to, t[len(t)-1]+tol)
	return lo, hi, hi > lo
}

// gapStats measures the stretches of [from, to] without samples: the
// longest, how many exceed threshold, and how many samples fall inside.
func gapStats(t []float64, from, to, threshold float64) (maxGap float64, gaps, samples int) {
	prev := from
	for i := sort.SearchFloat64s(t, from); i < len(t) && t[i] <= to; i++ {
		d := t[i] - prev
		maxGap = math.Max(maxGap, d)
		if d > threshold {
			gaps++
		}
		prev = t[i]
		samples++
	}
	d := to - prev
	maxGap = math.Max(maxGap, d)
	if d > threshold {
		gaps++
	}
	return maxGap, gaps, samples
}

// powerAt is the power at x: linear between samples, held at the first and
// last value beyond them.
func powerAt(t, w []float64, x float64) float64 {
	n := len(t)
	if x <= t[0] {
		return w[0]
	}
	if x >= t[n-1] {
		return w[n-1]
	}
	i := sort.SearchFloat64s(t, x) // t[i-1] < x <= t[i]
	if t[i] == x {
		return w[i]
	}
	return w[i-1] + (w[i]-w[i-1])*(x-t[i-1])/(t[i]-t[i-1])
}

// trapezoid integrates power over [lo, hi] with the trapezoidal rule on
// the real sample times, the edges interpolated by powerAt; it is exact
// for the piecewise-linear power that powerAt describes. It also returns
// the highest power among the samples inside and the edge values.
func trapezoid(t, w []float64, lo, hi float64) (joules, peak float64) {
	x0, w0 := lo, powerAt(t, w, lo)
	peak = w0
	for i := sort.SearchFloat64s(t, lo); i < len(t) && t[i] < hi; i++ {
		joules += (w0 + w[i]) / 2 * (t[i] - x0)
		x0, w0 = t[i], w[i]
		peak = math.Max(peak, w0)
	}
	wEnd := powerAt(t, w, hi)
	joules += (w0 + wEnd) / 2 * (hi - x0)
	return joules, math.Max(peak, wEnd)
}

// counterAt is the unwrapped counter at x: linear between readings and,
// beyond the first or last reading, extended at the power of the nearest
// interval (callers stay within the gap threshold of a reading).
func counterAt(t, c []float64, x float64) float64 {
	n := len(t)
	switch {
	case x < t[0]:
		return c[0] - edgeRate(t, c, 0, 1)*(t[0]-x)
	case x > t[n-1]:
		return c[n-1] + edgeRate(t, c, n-1, -1)*(x-t[n-1])
	}
	i := sort.SearchFloat64s(t, x)
	if t[i] == x {
		// Among readings that share a time, the last is the latest state.
		for i+1 < n && t[i+1] == x {
			i++
		}
		return c[i]
	}
	return c[i-1] + (c[i]-c[i-1])*(x-t[i-1])/(t[i]-t[i-1])
}

// edgeRate is the counter's power over the first interval of positive
// length next to reading i, walking in direction dir.
func edgeRate(t, c []float64, i, dir int) float64 {
	for j := i + dir; j >= 0 && j < len(t); j += dir {
		if dt := (t[j] - t[i]) * float64(dir); dt > 0 {
			return (c[j] - c[i]) * float64(dir) / dt
		}
	}
	return 0
}

// stepNear is the largest counter increment among the intervals around x
// (the one holding x and two on each side): the size of one counter update
// there, which bounds how far an interpolated value at x can be off.
func stepNear(t, c []float64, x float64) float64 {
	i := sort.SearchFloat64s(t, x)
	step := 0.0
	for j := i - 2; j <= i+2; j++ {
		if j >= 1 && j < len(t) {
			step = math.Max(step, c[j]-c[j-1])
		}
	}
	return step
}

// stepPowerAt is the power derived from counter changes at x: the average
// power of the stretch between the changes around x, held beyond them.
func stepPowerAt(stepT, stepW []float64, x float64) float64 {
	i := sort.SearchFloat64s(stepT, x) // stretch i ends at stepT[i] >= x
	return stepW[min(i, len(stepW)-1)]
}

// maxStepPower is the highest power between counter changes among the
// stretches that end inside [from, to] or hold to.
func maxStepPower(stepT, stepW []float64, from, to float64) (float64, bool) {
	if len(stepT) == 0 {
		return 0, false
	}
	peak, found := math.Inf(-1), false
	for i := sort.SearchFloat64s(stepT, from); i < len(stepT); i++ {
		peak, found = math.Max(peak, stepW[i]), true
		if stepT[i] >= to {
			break
		}
	}
	return peak, found
}
