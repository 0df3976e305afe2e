package html

import (
	"math"
	"slices"

	"github.com/aienergy/aienergy/trace"
)

// gapFactor matches the analysis: a stretch without samples longer than
// this many median spacings is a gap, drawn as a break in the line.
const gapFactor = 3

// channelPower is the power a channel drew over time, in watts: the
// meter's own power readings when it has any, else the average power
// between successive changes of its energy counter. samples are one
// channel's, in time order; maxRange is where its counter wraps (0:
// unknown, a decrease is a reset and starts the line afresh).
func channelPower(samples []trace.Sample, maxRange float64) (l line, fromCounter bool) {
	for _, s := range samples {
		if !math.IsNaN(s.Watts) {
			l.T, l.V = append(l.T, s.T), append(l.V, s.Watts)
		}
	}
	if len(l.T) == 0 {
		l, fromCounter = counterPower(samples, maxRange), true
	}
	return markGaps(l), fromCounter
}

// counterPower differentiates an energy counter. It works between
// changes of the counter, not between samples: a counter that refreshes
// every 100 ms read every 20 ms would otherwise show four zeros and a
// spike five times too high. Each point, at the end of its interval, is
// the interval's average power; a line drawn stepwise shows it exactly.
func counterPower(samples []trace.Sample, maxRange float64) line {
	var l line
	last := -1 // index of the last counter change
	for i, s := range samples {
		if math.IsNaN(s.Joules) {
			continue
		}
		if last < 0 {
			last = i
			continue
		}
		prev := samples[last]
		d := s.Joules - prev.Joules
		switch {
		case d == 0 || s.T <= prev.T:
			continue
		case d < 0 && maxRange > 0:
			d += maxRange
		case d < 0:
			// A reset: the energy since the previous reading is unknown.
			l.T, l.V = append(l.T, s.T), append(l.V, math.NaN())
			last = i
			continue
		}
		l.T, l.V = append(l.T, s.T), append(l.V, d/(s.T-prev.T))
		last = i
	}
	return l
}

// markGaps inserts a NaN between two points further apart than gapFactor
// median spacings.
func markGaps(l line) line {
	if len(l.T) < 3 {
		return l
	}
	d := make([]float64, len(l.T)-1)
	for i := 1; i < len(l.T); i++ {
		d[i-1] = l.T[i] - l.T[i-1]
	}
	slices.Sort(d)
	limit := gapFactor * d[len(d)/2]
	if !(limit > 0) {
		return l
	}
	out := line{T: make([]float64, 0, len(l.T)), V: make([]float64, 0, len(l.V))}
	for i := range l.T {
		if i > 0 && l.T[i]-l.T[i-1] > limit && !math.IsNaN(l.V[i]) && !math.IsNaN(l.V[i-1]) {
			out.T, out.V = append(out.T, (l.T[i]+l.T[i-1])/2), append(out.V, math.NaN())
		}
		out.T, out.V = append(out.T, l.T[i]), append(out.V, l.V[i])
	}
	return out
}
