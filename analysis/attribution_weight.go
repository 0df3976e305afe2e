package analysis

import "slices"

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

// prefillWeight is what a prompt token weighs against a decode token on a
// channel, and how it was found. prompt[k], decode[k] and energy[k] are
// interval k's tokens and energy (net of the baseline when known);
// work(i) places request i's work, for i below requests.
//
// The fit is energy[k] ≈ a·prompt[k] + b·decode[k] by least squares,
// without intercept (the baseline is already off, or, without one, the
// idle draw is shared like the rest); a/b is the weight. When the window
// cannot separate a from b, or gives one of them ≤ 0, a prefilling
// request is taken to draw what a decoding one does: the weight makes the
// median prompt rate (prompt tokens over the time to first token) equal
// the median decode rate.
func prefillWeight(prompt, decode, energy []float64, requests int, work func(i int) []workSpan) (float64, string) {
	var spp, sdd, spd, spy, sdy float64
	var withP, withD int
	for k := range prompt {
		p, d, y := prompt[k], decode[k], energy[k]
		if p+d <= 0 {
			continue
		}
		if p > 0 {
			withP++
		}
		if d > 0 {
			withD++
		}
		spp, sdd, spd = spp+p*p, sdd+d*d, spd+p*d
		spy, sdy = spy+p*y, sdy+d*y
	}
	switch {
	case withP == 0 && withD == 0:
		return 1, WeightNoWork
	case withP == 0 || withD == 0:
		return 1, WeightOneKindOnly
	}
	if det := spp*sdd - spd*spd; withP >= minFitIntervals && withD >= minFitIntervals && det > minIndependence*spp*sdd {
		a := (sdd*spy - spd*sdy) / det
		b := (spp*sdy - spd*spy) / det
		if a > 0 && b > 0 {
			return a / b, WeightFit
		}
	}
	return equalRateWeight(requests, work), WeightEqualRates
}

// equalRateWeight is the weight that makes the median request's prompt
// rate over its prefill equal the median request's decode rate; 1 when
// either rate was never observed.
func equalRateWeight(requests int, work func(i int) []workSpan) float64 {
	var promptRates, decodeRates []float64
	for i := range requests {
		var tokens, secs float64
		for _, s := range work(i) {
			switch d := s.t1 - s.t0; {
			case d <= 0:
			case s.prompt > 0 && s.decode == 0:
				promptRates = append(promptRates, s.prompt/d)
			case s.prompt == 0 && s.decode > 0:
				tokens, secs = tokens+s.decode, secs+d
			}
		}
		if secs > 0 {
			decodeRates = append(decodeRates, tokens/secs)
		}
	}
	if len(promptRates) == 0 || len(decodeRates) == 0 {
		return 1
	}
	slices.Sort(promptRates)
	slices.Sort(decodeRates)
	return percentileSorted(decodeRates, 50) / percentileSorted(promptRates, 50)
}
