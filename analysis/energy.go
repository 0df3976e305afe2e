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

// goodEnoughCounter is the relative uncertainty under which a counter is
// used even where integrated power claims a smaller one: a counter sums
// every joule the meter saw, while power readings may be averages over a
// second (NVML on Ampere) that the integration bound cannot know about.
const goodEnoughCounter = 0.01

// agreement is how closely two readings of one quantity by different
// means (a counter and power readings) are expected to agree beyond their
// stated uncertainties: meters round and calibrate apart.
const agreement = 0.001

// UncertaintyWarnFraction is the relative uncertainty past which a figure
// is warned about.
const UncertaintyWarnFraction = 0.02

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
	// UncertaintyJ bounds the error of Joules from the method. Counter:
	// at each window edge, the counter step (between the changes around
	// the edge, at least its resolution) the interpolated value lies in.
	// Integration: at each edge, the power change across the sample
	// interval holding it times that interval (a load that switches
	// anywhere inside it); inside, sqrt(Σ(|ΔP|·Δt)²/3), about 95 % for
	// changes at random moments; plus half the power resolution over the
	// covered time.
	UncertaintyJ float64 `json:"uncertainty_j"`
	// Updates counts the meter's changes of value inside the window: a
	// figure resting on few of them says little about what happened.
	Updates      int                `json:"updates"`
	MethodReason string             `json:"method_reason,omitempty"`
	Alternative  *MethodAlternative `json:"alternative,omitempty"`
	AvgWatts     *float64           `json:"avg_watts"`
	PeakWatts    *float64           `json:"peak_watts"`
	Warnings     []string           `json:"warnings,omitempty"`
}

// Energy returns the channel's energy over [from, to] (seconds since run
// start), from its energy counter or by integrating its power, whichever
// is better for this window, with the other kept as Alternative. A
// counter gives the delta between its values at the edges, interpolated
// between the readings where it changed; power is integrated with the
// trapezoidal rule over the real sample times, interpolated at the edges.
// Within the gap threshold (gapFactor × the median spacing) beyond the
// first or last sample the edge value is held; farther out the window
// counts as uncovered: Coverage says how much is covered and Joules is
// never scaled up. It returns ErrNoData when no samples cover the window.
func (s *Series) Energy(from, to float64) (WindowEnergy, error) {
	if math.IsNaN(from) || math.IsNaN(to) || math.IsInf(from, 0) || math.IsInf(to, 0) || !(to > from) {
		return WindowEnergy{}, fmt.Errorf("window [%v, %v]: want finite times with end after start", from, to)
	}
	if !s.HasCounter() && !s.HasPower() {
		return WindowEnergy{}, fmt.Errorf("%w: channel %s has fewer than 2 usable readings", ErrNoData, s.Key())
	}
	var (
		c, p       WindowEnergy
		cErr, pErr = ErrNoData, ErrNoData
	)
	if s.HasCounter() {
		c, cErr = s.counterEnergy(from, to)
	}
	if s.HasPower() {
		p, pErr = s.integratedEnergy(from, to)
	}
	var e WindowEnergy
	switch {
	case cErr != nil && pErr != nil:
		if !s.HasPower() {
			return WindowEnergy{}, cErr // says why the counter could not serve
		}
		return WindowEnergy{}, pErr
	case pErr != nil:
		e = c
		e.MethodReason = "energy counter: the channel has no power readings for this window"
	case cErr != nil:
		e = p
		e.MethodReason = "integrated power: the channel has no energy counter"
		if s.HasCounter() {
			e.MethodReason = "integrated power: the energy counter is unusable here (" + cErr.Error() + ")"
		}
	case c.UncertaintyJ <= p.UncertaintyJ || c.UncertaintyJ <= goodEnoughCounter*math.Abs(c.Joules):
		e = c
		e.MethodReason = fmt.Sprintf("energy counter: ±%.4g J from its steps at the window edges, against ±%.4g J for integrated power", c.UncertaintyJ, p.UncertaintyJ)
		e.Alternative = alternative(p, c)
	default:
		e = p
		e.MethodReason = fmt.Sprintf("integrated power: the energy counter (%s) is good to ±%.4g J over this window, integrated power to ±%.4g J; the counter is kept as a cross-check", s.describeCounter(), c.UncertaintyJ, p.UncertaintyJ)
		e.Alternative = alternative(c, p)
	}
	if a := e.Alternative; a != nil && math.Abs(a.EnergyJ-e.Joules) > a.UncertaintyJ+e.UncertaintyJ+agreement*math.Abs(e.Joules) {
		e.Warnings = append(e.Warnings, fmt.Sprintf("the %s gives %.6g J and the %s %.6g J: they differ by more than their uncertainties (±%.4g J, ±%.4g J) — a meter is off, or its power readings are averaged or delayed", methodNoun(e.Method), e.Joules, methodNoun(a.Method), a.EnergyJ, e.UncertaintyJ, a.UncertaintyJ))
	}
	s.setWatts(&e, from, to)
	return e, nil
}

func methodNoun(m string) string {
	if m == MethodCounter {
		return "energy counter"
	}
	return "integrated power"
}

// alternative describes the method not chosen.
func alternative(alt, chosen WindowEnergy) *MethodAlternative {
	a := &MethodAlternative{Method: alt.Method, EnergyJ: alt.Joules, UncertaintyJ: alt.UncertaintyJ}
	if chosen.Joules != 0 {
		d := (alt.Joules - chosen.Joules) / chosen.Joules * 100
		a.DifferencePct = &d
	}
	return a
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
	e.UncertaintyJ = integrationUncertainty(s.powerT, s.powerW, lo, hi, s.powerUpdate, s.floorW) + s.powerRes/2*(hi-lo)
	e.Updates = changesIn(s.powerT, s.powerW, from, to)
	s.describeCoverage(&e, s.powerT, from, to, lo, hi, threshold)
	return e, nil
}

// integrationUncertainty bounds the trapezoid's error over [lo, hi]. The
// power between two samples is unknown, and a meter that refreshes every
// `update` seconds, reporting the average over that time, shows a change
// up to 1.5 refreshes late (one refresh to be seen, half a refresh for
// the average's centre). So at each window edge the true energy may differ
// from the trapezoid's by the swing of power around the edge (within two
// refreshes either side) times 1.5 refresh intervals; that
// error has the same sign every time (a benchmark starts its load at the
// window start), so each edge counts in full. Inside, the moments power
// changed are independent, so their errors add in quadrature:
// sqrt(Σ(|ΔP|·h)²/3) is two standard deviations of a uniform moment,
// h the longer of the sample interval and the refresh interval.
func integrationUncertainty(t, w []float64, lo, hi, update, floor float64) float64 {
	n := len(t)
	h := func(k int) float64 { return math.Max(t[k]-t[k-1], update) }
	term := func(k int) float64 { // interval [t[k-1], t[k]]
		return math.Abs(w[k]-w[k-1]) * h(k)
	}
	// The intervals holding each edge, clamped to the first and last.
	kLo := min(max(sort.SearchFloat64s(t, lo), 1), n-1)
	for kLo < n-1 && t[kLo] <= lo {
		kLo++
	}
	kHi := min(max(sort.SearchFloat64s(t, hi), 1), n-1)
	edge := func(x float64, k int) float64 {
		span := h(k)
		// Beyond the samples the edge value is held for a while.
		span += math.Max(t[0]-x, 0) + math.Max(x-t[n-1], 0)
		lo, hi := rangeOf(t, w, x-2*span, x+2*span)
		swing := math.Max(hi-math.Min(lo, floor), 0)
		return math.Max(swing, math.Abs(w[k]-w[k-1])) * 1.5 * span
	}
	edges := edge(lo, kLo)
	if kHi != kLo {
		edges += edge(hi, kHi)
	}
	sq := 0.0
	for k := kLo + 1; k < kHi; k++ {
		sq += term(k) * term(k)
	}
	return edges + math.Sqrt(sq/3)
}

// rangeOf is the lowest and highest sample within [from, to] (+Inf and
// -Inf when there is none).
func rangeOf(t, w []float64, from, to float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for i := sort.SearchFloat64s(t, from); i < len(t) && t[i] <= to; i++ {
		lo, hi = math.Min(lo, w[i]), math.Max(hi, w[i])
	}
	return lo, hi
}

// changesIn counts the readings in [from, to] whose value differs from the
// reading before.
func changesIn(t, v []float64, from, to float64) int {
	n := 0
	for i := max(sort.SearchFloat64s(t, from), 1); i < len(t) && t[i] <= to; i++ {
		if v[i] != v[i-1] {
			n++
		}
	}
	return n
}

// counterEnergy takes the counter delta over the covered window,
// interpolated between change points.
func (s *Series) counterEnergy(from, to float64) (WindowEnergy, error) {
	t := s.counterT
	threshold := gapFactor * s.counterSpacing
	lo, hi, ok := coveredRange(t, from, to, threshold)
	if !ok {
		return WindowEnergy{}, fmt.Errorf("%w: channel %s has counter readings in [%v, %v] only", ErrNoData, s.Key(), t[0], t[len(t)-1])
	}
	if len(s.chgT) < 2 {
		if s.counterRes == 0 {
			return WindowEnergy{}, fmt.Errorf("%w: the energy counter of %s did not move during the run and its resolution is unknown: the meter is too coarse for a run this short", ErrNoData, s.Key())
		}
		// Fewer than two changes: no rate to interpolate with. The delta
		// between the readings is off by up to one step at each edge.
		e := WindowEnergy{Joules: counterAt(t, s.counterC, hi) - counterAt(t, s.counterC, lo), Method: MethodCounter}
		e.UncertaintyJ = 2 * s.counterRes
		s.finishCounter(&e, from, to, lo, hi, threshold)
		return e, nil
	}
	e := WindowEnergy{Joules: counterAt(s.chgT, s.chgC, hi) - counterAt(s.chgT, s.chgC, lo), Method: MethodCounter}
	e.UncertaintyJ = s.counterEdgeUncertainty(lo, hi)
	s.finishCounter(&e, from, to, lo, hi, threshold)
	return e, nil
}

func (s *Series) finishCounter(e *WindowEnergy, from, to, lo, hi, threshold float64) {
	t := s.counterT
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
	e.Updates = changesIn(t, s.counterC, from, to)
	s.describeCoverage(e, t, from, to, lo, hi, threshold)
	if e.Resets > 0 {
		e.Warnings = append(e.Warnings, fmt.Sprintf("counter reset %d time(s) in the window: energy since each reset counted, energy between the last reading and the reset lost", e.Resets))
	}
}

// counterEdgeUncertainty is how far the interpolated counter values at lo
// and hi can be off. Between two change points a and b the counter rose by
// one step Δ, and at an edge a fraction f of the way from a to b the
// straight line says f·Δ. With power never negative the truth lies in
// [0, Δ], so the error is at most max(f, 1−f)·Δ; with power within a
// swing S across the step (power readings inside it, or else the
// neighbouring steps' average power), at most f(1−f)·S·(b−a) — the
// deviation of the integral of any power within S from its chord. The
// tighter of the two counts, plus the meter's declared resolution, plus,
// for a counter refreshed more slowly than it is read, the energy of half
// a read spacing (when in that spacing it changed is unknown). Beyond the
// last change point, the energy the last rate would add since then if
// larger. When both edges fall on one step, the larger edge bound covers
// the delta.
func (s *Series) counterEdgeUncertainty(lo, hi float64) float64 {
	ct, cc := s.chgT, s.chgC
	n := len(ct)
	segment := func(x float64) int { // k: ct[k-1] <= x < ct[k], clamped to [1, n-1]
		k := sort.SearchFloat64s(ct, x)
		for k < n && ct[k] <= x {
			k++
		}
		return min(max(k, 1), n-1)
	}
	edge := func(x float64, k int) float64 {
		step, dt := cc[k]-cc[k-1], ct[k]-ct[k-1]
		f := 0.5
		if dt > 0 {
			f = min(max((x-ct[k-1])/dt, 0), 1)
		}
		u := math.Min(math.Max(f, 1-f)*step, f*(1-f)*s.powerSwing(k)*dt) + s.declaredCounterRes
		if s.staleCounter && dt > 0 {
			u += step / dt * s.counterSpacing / 2
		}
		if x > ct[n-1] {
			u = math.Max(u, edgeRate(ct, cc, n-1, -1)*(x-ct[n-1]))
		}
		if x < ct[0] {
			u = math.Max(u, edgeRate(ct, cc, 0, 1)*(ct[0]-x))
		}
		return u
	}
	kLo, kHi := segment(lo), segment(hi)
	if kLo == kHi {
		return math.Max(edge(lo, kLo), edge(hi, kHi))
	}
	return edge(lo, kLo) + edge(hi, kHi)
}

// powerSwing is how much power may have varied across the counter's step k
// (between change points k-1 and k), which holds a window edge: from the
// channel's lowest power in the run up to the highest of the step's and
// its neighbours' average power — the step's own average lies between the
// extremes inside it — and, where the channel also reads power, of the
// power readings over the step widened by one refresh of the reading (a
// reading refreshed once a second and averaged over it shows one value
// for the whole second). The floor is the run's lowest power because a
// window edge is a phase boundary: one phase's requests end and the next
// one's start, and in between the load may fall to idle, unseen by
// readings on either side (the simulator shows exactly that).
func (s *Series) powerSwing(k int) float64 {
	rate := func(j int) (float64, bool) {
		if j < 1 || j >= len(s.chgT) || !(s.chgT[j] > s.chgT[j-1]) {
			return 0, false
		}
		return (s.chgC[j] - s.chgC[j-1]) / (s.chgT[j] - s.chgT[j-1]), true
	}
	hi, known := math.Inf(-1), false
	if p, ok := rate(k); ok {
		hi = p
		for _, j := range []int{k - 1, k + 1} {
			if q, ok := rate(j); ok {
				hi, known = math.Max(hi, q), true
			}
		}
	}
	if s.HasPower() {
		widen := math.Max(s.powerUpdate, s.powerSpacing)
		a, b := s.chgT[k-1]-widen, s.chgT[k]+widen
		if i := sort.SearchFloat64s(s.powerT, a); i+1 < len(s.powerT) && s.powerT[i+1] <= b {
			_, top := rangeOf(s.powerT, s.powerW, a, b)
			hi, known = math.Max(hi, top), true
		}
	}
	if !known {
		return math.Inf(1) // one step alone: nothing says power held still
	}
	return math.Max(hi-s.floorW, 0)
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
	} else if peak, ok := maxStepPower(s.stepT, s.stepW, from, to); ok {
		e.PeakWatts = &peak
	}
	// An average above the peak cannot be: the energy and the power
	// readings disagree (a counter step landing in a short window, or
	// power readings that lag).
	if a, p := e.AvgWatts, e.PeakWatts; a != nil && p != nil && *a > *p*(1+agreement) {
		e.Warnings = append(e.Warnings, fmt.Sprintf("average power %.4g W exceeds the peak %.4g W: the energy figure and the power readings disagree; trust neither without checking the meter", *a, *p))
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

// describeCounter says how coarse and how slow the counter is.
func (s *Series) describeCounter() string {
	if len(s.chgT) < 2 {
		changes := changesIn(s.counterT, s.counterC, math.Inf(-1), math.Inf(1))
		return fmt.Sprintf("steps of %.4g J, changed %d time(s) in the whole run", s.counterRes, changes)
	}
	return fmt.Sprintf("steps of %.4g J or more, changing every %.3g s", s.counterRes, s.counterUpdate)
}
