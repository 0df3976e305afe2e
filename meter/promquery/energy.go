package promquery

import (
	"math"
	"sort"
)

// gapFactor × the median sample spacing is how far a figure may reach
// beyond its first or last sample, and the length of a stretch without
// samples that counts as a gap: the rule the analysis package applies to
// sampled readings, so both kinds of figure mean the same.
const gapFactor = 3

// A span is one timeline's energy over the part of a window its samples
// cover. Times are Unix seconds.
type span struct {
	joules  float64
	lo, hi  float64 // covered part of the window
	samples int     // samples inside [from, to]
	resets  int     // counter resets inside the covered part
	maxGap  float64 // longest stretch of the window without a sample
	gaps    int     // stretches longer than the gap threshold
}

// counterSpan is the increase of a cumulative counter over [from, to].
// A drop means the counter restarted at zero (Prometheus' rule in
// increase()): the interval holding it adds the value after the drop, and
// the energy between the last sample before it and the restart is lost.
// At each edge the unwrapped counter is interpolated linearly between the
// samples around it, and beyond the first or last sample extended at the
// rate of the nearest interval, by at most the gap threshold. ok is false
// when fewer than two samples exist or none comes near the window.
func counterSpan(p []point, from, to float64) (s span, ok bool) {
	n := len(p)
	if n < 2 {
		return span{}, false
	}
	c := make([]float64, n) // unwrapped counter, 0 at the first sample
	reset := make([]bool, n)
	for i := 1; i < n; i++ {
		d := p[i].v - p[i-1].v
		if d < 0 {
			d, reset[i] = p[i].v, true
		}
		c[i] = c[i-1] + d
	}
	tol := gapFactor * medianSpacing(p)
	s.lo, s.hi = math.Max(from, p[0].t-tol), math.Min(to, p[n-1].t+tol)
	if !(s.hi > s.lo) {
		return span{}, false
	}
	s.joules = counterAt(p, c, s.hi) - counterAt(p, c, s.lo)
	for i := 1; i < n; i++ {
		if reset[i] && p[i].t > s.lo && p[i-1].t < s.hi {
			s.resets++
		}
	}
	s.measureGaps(p, from, to, tol)
	return s, true
}

// counterAt is the unwrapped counter c at time x: linear between samples,
// extended beyond them at the rate of the first or last interval.
func counterAt(p []point, c []float64, x float64) float64 {
	n := len(p)
	switch {
	case x <= p[0].t:
		return c[0] - (c[1]-c[0])/(p[1].t-p[0].t)*(p[0].t-x)
	case x >= p[n-1].t:
		return c[n-1] + (c[n-1]-c[n-2])/(p[n-1].t-p[n-2].t)*(x-p[n-1].t)
	}
	i := sort.Search(n, func(i int) bool { return p[i].t >= x }) // p[i-1].t < x <= p[i].t
	return c[i-1] + (c[i]-c[i-1])*(x-p[i-1].t)/(p[i].t-p[i-1].t)
}

// gaugeSpan integrates power samples over [from, to] with the trapezoidal
// rule on their real timestamps, power interpolated linearly at the edges
// and held at the first or last value beyond them, by at most the gap
// threshold. ok is false as for counterSpan.
func gaugeSpan(p []point, from, to float64) (s span, ok bool) {
	n := len(p)
	if n < 2 {
		return span{}, false
	}
	tol := gapFactor * medianSpacing(p)
	s.lo, s.hi = math.Max(from, p[0].t-tol), math.Min(to, p[n-1].t+tol)
	if !(s.hi > s.lo) {
		return span{}, false
	}
	x0, w0 := s.lo, powerAt(p, s.lo)
	for i := sort.Search(n, func(i int) bool { return p[i].t > s.lo }); i < n && p[i].t < s.hi; i++ {
		s.joules += (w0 + p[i].v) / 2 * (p[i].t - x0)
		x0, w0 = p[i].t, p[i].v
	}
	s.joules += (w0 + powerAt(p, s.hi)) / 2 * (s.hi - x0)
	s.measureGaps(p, from, to, tol)
	return s, true
}

// powerAt is the power at x: linear between samples, held beyond them.
func powerAt(p []point, x float64) float64 {
	n := len(p)
	switch {
	case x <= p[0].t:
		return p[0].v
	case x >= p[n-1].t:
		return p[n-1].v
	}
	i := sort.Search(n, func(i int) bool { return p[i].t >= x })
	return p[i-1].v + (p[i].v-p[i-1].v)*(x-p[i-1].t)/(p[i].t-p[i-1].t)
}

// medianSpacing is the median interval between consecutive samples, the
// scrape interval in practice.
func medianSpacing(p []point) float64 {
	d := make([]float64, 0, len(p)-1)
	for i := 1; i < len(p); i++ {
		d = append(d, p[i].t-p[i-1].t)
	}
	sort.Float64s(d)
	return d[len(d)/2]
}

// measureGaps counts the samples inside [from, to] and the stretches of
// the window without one.
func (s *span) measureGaps(p []point, from, to, threshold float64) {
	prev := from
	for i := sort.Search(len(p), func(i int) bool { return p[i].t >= from }); i < len(p) && p[i].t <= to; i++ {
		s.gap(p[i].t-prev, threshold)
		prev = p[i].t
		s.samples++
	}
	s.gap(to-prev, threshold)
}

func (s *span) gap(d, threshold float64) {
	s.maxGap = math.Max(s.maxGap, d)
	if d > threshold {
		s.gaps++
	}
}

// plus combines the spans of series that are added up (parts of one
// device): energies add, and the covered part is what all of them cover.
func (s span) plus(o span) span {
	return span{
		joules:  s.joules + o.joules,
		lo:      math.Max(s.lo, o.lo),
		hi:      math.Min(s.hi, o.hi),
		samples: s.samples + o.samples,
		resets:  s.resets + o.resets,
		maxGap:  math.Max(s.maxGap, o.maxGap),
		gaps:    max(s.gaps, o.gaps),
	}
}
