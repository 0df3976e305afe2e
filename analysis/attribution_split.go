package analysis

// splitChannel shares each of a channel's intervals among the requests
// whose work falls in it, adding every request's shares into rows (and
// marking it touched), and describes the split. work(i) is request i's.
func splitChannel(iv intervals, baselineW *float64, work func(i int) []workSpan, rows []RequestEnergy, touched []bool) ChannelAttribution {
	n := len(iv.joules)
	c := ChannelAttribution{Method: iv.method, Intervals: n, BaselineWatts: baselineW}
	base := 0.0
	if baselineW != nil {
		base = *baselineW
	}
	// net[k] is the interval's energy above the baseline.
	net := make([]float64, n)
	for k, j := range iv.joules {
		c.EnergyJ += j
		net[k] = j - base*(iv.bounds[k+1]-iv.bounds[k])
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
	c.PrefillWeight, c.PrefillWeightSource = prefillWeight(prompt, decode, net, len(rows), work)
	alpha := c.PrefillWeight

	total := make([]float64, n) // work in decode tokens
	for k := range n {
		total[k] = alpha*prompt[k] + decode[k]
		if total[k] > 0 {
			c.IdleJ += iv.joules[k] - net[k]
		} else {
			c.UnattributedJ += iv.joules[k]
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
				r.PrefillJoules += p * iv.joules[k]
				r.DecodeJoules += d * iv.joules[k]
				r.NetPrefillJoules += p * net[k]
				r.NetDecodeJoules += d * net[k]
			})
		}
	}
	return c
}
