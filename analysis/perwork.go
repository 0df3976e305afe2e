package analysis

// workFigures relate an energy to the work done with it.
type workFigures struct {
	perOutputToken   *float64 // J per output token
	perToken         *float64 // J per token, input and output
	whPer1000Queries *float64 // Wh per 1000 completed requests, the AIEnergyScore unit
	tokensPerJoule   *float64 // output tokens per J
}

// perWork divides energy by the work in n. A figure is nil when the energy
// is missing or not positive (a net energy at or below zero means the idle
// baseline swallowed the load, and per-work figures from it would
// mislead), or when its divisor is zero.
func perWork(joules *float64, n RequestCounts) workFigures {
	var w workFigures
	if joules == nil || !(*joules > 0) {
		return w
	}
	j := *joules
	ratio := func(num, den float64) *float64 {
		if den == 0 {
			return nil
		}
		r := num / den
		return &r
	}
	w.perOutputToken = ratio(j, float64(n.OutputTokens))
	w.perToken = ratio(j, float64(n.InputTokens)+float64(n.OutputTokens)) // in float: no int overflow
	// J per query / 3600 J/Wh × 1000 queries = J per query / 3.6.
	w.whPer1000Queries = ratio(j/3.6, float64(n.Completed))
	w.tokensPerJoule = ratio(float64(n.OutputTokens), j)
	return w
}

// carbonFigures converts an energy to emissions, total and per 1000
// completed requests.
func carbonFigures(c Carbon, joules *float64, completed int) (total, per1000 *float64) {
	if joules == nil {
		return nil, nil
	}
	g := c.GramsCO2eq(*joules)
	total = &g
	if completed > 0 {
		p := g / float64(completed) * 1000
		per1000 = &p
	}
	return total, per1000
}

// Totals adds models' figures up as a run's totals are: a report uses it
// for the main workload alone, leaving variants out.
func Totals(models []ModelResult, c Carbon) RunTotals { return runTotals(models, c) }
