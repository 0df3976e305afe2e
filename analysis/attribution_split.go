package analysis

// A channelSplit is one channel's part of an Attributor: its intervals
// and, per interval, the work done in it. Three numbers an interval,
// whatever the requests: its bound, and during the first pass its prompt
// and decode tokens, then its work in decode tokens and its energy.
type channelSplit struct {
	intervals
	base        float64 // the baseline in W, 0 without one
	attribution ChannelAttribution

	// First pass: the prompt and decode tokens of interval k.
	prompt, decode []float64
	// Second pass: interval k's work in decode tokens (prompt tokens
	// weighed) and its energy. They take the first pass's arrays over.
	total, joules []float64
}

func newChannelSplit(s *Series, baselineW *float64, from, to float64) (*channelSplit, error) {
	iv, err := channelIntervals(s, from, to)
	if err != nil {
		return nil, err
	}
	n := len(iv.bounds) - 1
	c := &channelSplit{
		intervals:   iv,
		attribution: ChannelAttribution{Key: s.Key(), Method: iv.method, Intervals: n, BaselineWatts: baselineW},
		prompt:      make([]float64, n),
		decode:      make([]float64, n),
	}
	if baselineW != nil {
		c.base = *baselineW
	}
	return c, nil
}

// net is interval k's energy j less the baseline.
func (c *channelSplit) net(k int, j float64) float64 {
	return j - c.base*(c.bounds[k+1]-c.bounds[k])
}

// observe adds a request's work to the intervals it falls in, and reports
// whether any did.
func (c *channelSplit) observe(spans []workSpan) bool {
	worked := false
	for _, s := range spans {
		spread(c.bounds, s.t0, s.t1, func(k int, f float64) {
			p, d := s.prompt*f, s.decode*f
			c.prompt[k] += p
			c.decode[k] += d
			worked = worked || p > 0 || d > 0
		})
	}
	return worked
}

// settle finds the channel's prefill weight from the first pass's sums
// (equalRates gives the fallback's, when asked), and describes the split:
// energy, idle baseline under work, energy without work.
func (c *channelSplit) settle(equalRates func() float64) {
	a := &c.attribution
	var sums weightSums
	for k := range c.prompt {
		j := c.piece(c.bounds[k], c.bounds[k+1])
		a.EnergyJ += j
		sums.add(c.prompt[k], c.decode[k], c.net(k, j))
	}
	a.PrefillWeight, a.PrefillWeightSource = sums.weight(equalRates)
	alpha := a.PrefillWeight
	for k := range c.prompt {
		j := c.piece(c.bounds[k], c.bounds[k+1])
		total := alpha*c.prompt[k] + c.decode[k]
		if total > 0 {
			a.IdleJ += j - c.net(k, j)
		} else {
			a.UnattributedJ += j
		}
		c.prompt[k], c.decode[k] = total, j
	}
	c.total, c.joules = c.prompt, c.decode
	c.prompt, c.decode = nil, nil
}

// share adds a request's shares of the intervals its work falls in to
// row, and reports whether it had any.
func (c *channelSplit) share(spans []workSpan, row *RequestEnergy) bool {
	alpha := c.attribution.PrefillWeight
	touched := false
	for _, s := range spans {
		spread(c.bounds, s.t0, s.t1, func(k int, f float64) {
			total := c.total[k]
			if total <= 0 {
				return
			}
			p, d := alpha*s.prompt*f/total, s.decode*f/total
			if p+d <= 0 {
				return
			}
			touched = true
			j := c.joules[k]
			net := c.net(k, j)
			row.PrefillJoules += p * j
			row.DecodeJoules += d * j
			row.NetPrefillJoules += p * net
			row.NetDecodeJoules += d * net
		})
	}
	return touched
}
