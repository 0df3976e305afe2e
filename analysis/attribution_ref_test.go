package analysis

import (
	"fmt"
	"slices"

	"github.com/aienergy/aienergy/trace"
)

// The attribution as it was before it streamed: every request held, one
// row each, the distributions sorted from all rows and the fit by
// Gram–Schmidt over them. Kept as the reference the streamed figures must
// equal on runs small enough to hold.

// refAttribution is the old Attribution: the rows and the totals.
type refAttribution struct {
	Channels                                                   []ChannelAttribution
	Rows                                                       []RequestEnergy
	HasNet                                                     bool
	EnergyJ, AttributedJ, NetAttributedJ, IdleJ, UnattributedJ float64
}

func refAttribute(channels []AttributionChannel, requests []trace.Request, from, to float64) (*refAttribution, error) {
	a := &refAttribution{HasNet: len(channels) > 0}
	work := func(i int) []workSpan { return requestWork(requests[i]) }
	rows := make([]RequestEnergy, len(requests))
	touched := make([]bool, len(requests))
	for _, ch := range channels {
		iv, err := channelIntervals(ch.Series, from, to)
		if err != nil {
			return nil, fmt.Errorf("attribution: channel %s: %w", ch.Series.Key(), err)
		}
		c := refSplitChannel(iv, ch.BaselineWatts, work, rows, touched)
		c.Key = ch.Series.Key()
		a.Channels = append(a.Channels, c)
		a.HasNet = a.HasNet && ch.BaselineWatts != nil
		a.EnergyJ += c.EnergyJ
	}
	for _, c := range a.Channels {
		a.IdleJ += c.IdleJ
		a.UnattributedJ += c.UnattributedJ
	}
	for i, r := range requests {
		if !touched[i] {
			continue
		}
		row := &rows[i]
		row.ID, row.Model, row.Phase = r.ID, r.Model, r.Phase
		row.InputTokens, row.OutputTokens, row.OK = r.InputTokens, r.OutputTokens, r.OK()
		row.Partial = r.Start < from-timeSlack || r.End > to+timeSlack
		row.Joules = row.PrefillJoules + row.DecodeJoules
		row.NetJoules = row.NetPrefillJoules + row.NetDecodeJoules
		if !a.HasNet {
			row.NetJoules, row.NetPrefillJoules, row.NetDecodeJoules = 0, 0, 0
		}
		a.AttributedJ += row.Joules
		a.NetAttributedJ += row.NetJoules
		a.Rows = append(a.Rows, *row)
	}
	if !a.HasNet {
		a.IdleJ = 0
	}
	return a, nil
}

func refSplitChannel(iv intervals, baselineW *float64, work func(i int) []workSpan, rows []RequestEnergy, touched []bool) ChannelAttribution {
	n := len(iv.bounds) - 1
	c := ChannelAttribution{Method: iv.method, Intervals: n, BaselineWatts: baselineW}
	base := 0.0
	if baselineW != nil {
		base = *baselineW
	}
	joules, net := make([]float64, n), make([]float64, n)
	for k := range n {
		joules[k] = iv.piece(iv.bounds[k], iv.bounds[k+1])
		c.EnergyJ += joules[k]
		net[k] = joules[k] - base*(iv.bounds[k+1]-iv.bounds[k])
	}
	prompt, decode := make([]float64, n), make([]float64, n)
	for i := range rows {
		for _, s := range work(i) {
			spread(iv.bounds, s.t0, s.t1, func(k int, f float64) {
				prompt[k] += s.prompt * f
				decode[k] += s.decode * f
			})
		}
	}
	c.PrefillWeight, c.PrefillWeightSource = refPrefillWeight(prompt, decode, net, len(rows), work)
	alpha := c.PrefillWeight
	total := make([]float64, n)
	for k := range n {
		total[k] = alpha*prompt[k] + decode[k]
		if total[k] > 0 {
			c.IdleJ += joules[k] - net[k]
		} else {
			c.UnattributedJ += joules[k]
		}
	}
	for i := range rows {
		r := &rows[i]
		for _, s := range work(i) {
			spread(iv.bounds, s.t0, s.t1, func(k int, f float64) {
				if total[k] <= 0 {
					return
				}
				p, d := alpha*s.prompt*f/total[k], s.decode*f/total[k]
				if p+d <= 0 {
					return
				}
				touched[i] = true
				r.PrefillJoules += p * joules[k]
				r.DecodeJoules += d * joules[k]
				r.NetPrefillJoules += p * net[k]
				r.NetDecodeJoules += d * net[k]
			})
		}
	}
	return c
}

func refPrefillWeight(prompt, decode, energy []float64, requests int, work func(i int) []workSpan) (float64, string) {
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
		return 1, WeightEqualRates
	}
	slices.Sort(promptRates)
	slices.Sort(decodeRates)
	return percentileSorted(decodeRates, 50) / percentileSorted(promptRates, 50), WeightEqualRates
}

// refSummary is the old Summary, from every row.
func refSummary(a *refAttribution) AttributionSummary {
	s := AttributionSummary{
		Channels: []string{}, Requests: len(a.Rows),
		EnergyJ: a.EnergyJ, AttributedJ: a.AttributedJ, UnattributedJ: a.UnattributedJ,
		Basis: "gross", PrefillWeights: []PrefillWeight{},
	}
	for _, c := range a.Channels {
		s.Channels = append(s.Channels, c.Key)
		s.PrefillWeights = append(s.PrefillWeights, PrefillWeight{Channel: c.Key, Weight: c.PrefillWeight, Source: c.PrefillWeightSource})
	}
	if a.HasNet {
		net, idle := a.NetAttributedJ, a.IdleJ
		s.NetAttributedJ, s.IdleJ, s.Basis = &net, &idle, "net"
	}
	var gross, netJ, prompt, output, basis []float64
	var prefill, total float64
	for _, r := range a.Rows {
		p, t := r.PrefillJoules, r.Joules
		if a.HasNet {
			p, t = r.NetPrefillJoules, r.NetJoules
		}
		prefill, total = prefill+p, total+t
		if !r.OK || r.Partial {
			continue
		}
		gross = append(gross, r.Joules)
		netJ = append(netJ, r.NetJoules)
		prompt = append(prompt, float64(r.InputTokens))
		output = append(output, float64(r.OutputTokens))
		basis = append(basis, t)
	}
	s.JoulesPerRequest = summarizeInPlace(gross)
	if a.HasNet {
		s.NetJoulesPerRequest = summarizeInPlace(netJ)
	}
	s.Fit = fitEnergy(prompt, output, basis)
	if total > 0 {
		ps, ds := prefill/total, 1-prefill/total
		s.PrefillShare, s.DecodeShare = &ps, &ds
	}
	return s
}
