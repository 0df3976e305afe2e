package analysis

import (
	"math"

	"github.com/aienergy/aienergy/quantile"
)

// Limits of the prefill-weight fit.
const (
	// minFitIntervals: intervals with prefill work, and with decode work,
	// needed before a fit is believed.
	minFitIntervals = 10
	// minIndependence is 1 − r² of the prompt and decode token counts
	// across intervals below which the two cannot be told apart (a
	// closed-loop run whose mix never changes).
	minIndependence = 0.01
)

// weightSums gather, interval by interval, what the prefill weight's fit
// needs: the sums of the normal equations of energy ≈ a·prompt + b·decode.
type weightSums struct {
	spp, sdd, spd, spy, sdy float64
	withP, withD            int
}

// add counts an interval's prompt and decode tokens and its energy (net
// of the baseline when known).
func (w *weightSums) add(p, d, y float64) {
	if p+d <= 0 {
		return
	}
	if p > 0 {
		w.withP++
	}
	if d > 0 {
		w.withD++
	}
	w.spp, w.sdd, w.spd = w.spp+p*p, w.sdd+d*d, w.spd+p*d
	w.spy, w.sdy = w.spy+p*y, w.sdy+d*y
}

// weight is what a prompt token weighs against a decode token on a
// channel, and how it was found.
//
// The fit is energy[k] ≈ a·prompt[k] + b·decode[k] by least squares over
// the intervals, without intercept (the baseline is already off, or,
// without one, the idle draw is shared like the rest); a/b is the weight.
// When the window cannot separate a from b, or gives one of them ≤ 0, a
// prefilling request is taken to draw what a decoding one does: the
// weight makes the median prompt rate (prompt tokens over the time to
// first token) equal the median decode rate, which equalRates gives.
func (w weightSums) weight(equalRates func() float64) (float64, string) {
	switch {
	case w.withP == 0 && w.withD == 0:
		return 1, WeightNoWork
	case w.withP == 0 || w.withD == 0:
		return 1, WeightOneKindOnly
	}
	if det := w.spp*w.sdd - w.spd*w.spd; w.withP >= minFitIntervals && w.withD >= minFitIntervals && det > minIndependence*w.spp*w.sdd {
		a := (w.sdd*w.spy - w.spd*w.sdy) / det
		b := (w.spp*w.sdy - w.spd*w.spy) / det
		if a > 0 && b > 0 {
			return a / b, WeightFit
		}
	}
	return equalRates(), WeightEqualRates
}

// rateTally gathers, request by request, the rates the equal-rates weight
// compares: each prefill's prompt tokens per second, and each request's
// decode tokens per second of decoding.
type rateTally struct{ prompt, decode *quantile.Sketch }

// newRateTally keeps up to exact rates of each kind exactly.
func newRateTally(exact int) *rateTally {
	return &rateTally{prompt: newSketch(exact), decode: newSketch(exact)}
}

// add counts the rates of one request's work.
func (t *rateTally) add(spans []workSpan) {
	var tokens, secs float64
	for _, s := range spans {
		switch d := s.t1 - s.t0; {
		case d <= 0:
		case s.prompt > 0 && s.decode == 0:
			t.prompt.Add(s.prompt / d)
		case s.prompt == 0 && s.decode > 0:
			tokens, secs = tokens+s.decode, secs+d
		}
	}
	if secs > 0 {
		t.decode.Add(tokens / secs)
	}
}

// weight is the weight that makes the median request's prompt rate over
// its prefill equal the median request's decode rate; 1 when either rate
// was never observed (or a sketch's median says nothing usable).
func (t *rateTally) weight() float64 {
	if t.prompt.Count() == 0 || t.decode.Count() == 0 {
		return 1
	}
	w := t.decode.Quantiles(50)[0] / t.prompt.Quantiles(50)[0]
	if !(w > 0) || math.IsInf(w, 0) {
		return 1
	}
	return w
}

// newSketch is a sketch that keeps up to exact values exactly, then is
// within quantile.DefaultRelativeError.
func newSketch(exact int) *quantile.Sketch {
	s, err := quantile.New(exact, quantile.DefaultRelativeError)
	if err != nil {
		panic(err) // exact ≥ 0 and the default error are always valid
	}
	return s
}
