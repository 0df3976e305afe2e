package analysis

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/aienergy/aienergy/trace"
)

// Options tune Analyze.
type Options struct {
	// CarbonIntensity in gCO2eq/kWh overrides the country table; 0 looks
	// the country up, or uses the world average when no country is given.
	CarbonIntensity float64
	// CarbonName and CarbonSource describe where an explicit intensity
	// came from (a live grid-intensity service, say); empty: the user.
	CarbonName, CarbonSource string
	// CountryISO is an ISO 3166 alpha-3 or alpha-2 code (or "WORLD").
	CountryISO string
	// PUE is the data centre's power usage effectiveness; 0 means 1.
	PUE float64
	// RequestedConcurrency is what the load generator aimed at; 0 when it
	// ran at a rate or unbounded. Reported next to the achieved figure.
	RequestedConcurrency int
	// MaxRange gives, per "meter/channel", the value in joules at which
	// the channel's energy counter wraps to zero.
	MaxRange map[string]float64
	// CounterResolutionJ and PowerResolutionW give, per "meter/channel",
	// the steps the meter declares it reports in.
	CounterResolutionJ map[string]float64
	PowerResolutionW   map[string]float64
	// MeterOrder is the configured order of the meters: when two meters
	// measure one component, the first one's figures are used and the
	// other's are compared with them.
	MeterOrder []string
	// EstimatedMeters names the meters whose readings are modeled, not
	// measured; their figures carry the method "estimate".
	EstimatedMeters map[string]bool
	// Series, when set, are the samples' series as GroupSeries makes them
	// with this Options' declarations, for a caller that needs them too
	// (per-request attribution): a day of samples grouped twice is
	// hundreds of MB. Analyze then ignores its samples argument.
	Series []*Series
}

// Declared is the declarations of o that GroupSeries takes.
func (o Options) Declared() Declared {
	return Declared{MaxRangeJ: o.MaxRange, CounterResolutionJ: o.CounterResolutionJ, PowerResolutionW: o.PowerResolutionW}
}

// modelPhases are one model's phases; any may be missing.
type modelPhases struct {
	name                                    string
	idleBefore, warmup, measured, idleAfter *trace.Phase
	steady                                  *trace.Phase
}

// Analyze computes every figure of a run: per model (in the order their
// phases appear) energy per channel and component, idle baseline and net
// energy, per-work and carbon figures over the measured phase, latency
// and throughput; plus run totals. Bad input — times that are not finite,
// phases that end before they start, unknown components — gives an error.
// Missing data gives null figures and a warning, never a zero.
//
// The requests are gone through once (all.Each), none of them held: each
// model's figures gather in a requestTally whose memory does not grow
// with the records, so a day-long run's millions of requests cost what an
// hour's do. Latency percentiles are exact up to quantile.DefaultExactLimit
// values per distribution and within its relative error past that (each
// Distribution states which).
//
// Output token counts that a streamed request's own chunks contradict are
// taken as the chunk count and marked estimated, with a warning per model
// naming the first such request as it was reported (CheckUsage's check
// and wording). The records themselves are not changed: whatever the
// caller writes from them afterwards (per-request files, sinks) should
// read them through CorrectUsage to agree with the figures.
func Analyze(samples []trace.Sample, all trace.Requests, phases []trace.Phase, opts Options) (*Result, error) {
	if opts.RequestedConcurrency < 0 {
		return nil, fmt.Errorf("requested concurrency %d: want 0 or more", opts.RequestedConcurrency)
	}
	carbon, warnings, err := resolveCarbon(opts)
	if err != nil {
		return nil, err
	}
	series := opts.Series
	if series == nil {
		if series, err = GroupSeries(samples, opts.Declared()); err != nil {
			return nil, err
		}
	}
	models, err := groupPhases(phases)
	if err != nil {
		return nil, err
	}
	tallies := map[string]*requestTally{}
	for _, m := range models.ordered {
		switch {
		case m.measured == nil:
		case m.steady != nil:
			tallies[m.name] = newRequestTally(m.steady.Start, m.steady.End, true)
		default:
			tallies[m.name] = newRequestTally(m.measured.Start, m.measured.End, false)
		}
	}
	var usage usageCheck
	unknown := map[string]int{}
	bad, firstBad := 0, ""
	i := -1
	each := func(r trace.Request) error {
		i++
		usage.check(&r) // r is a copy: the caller's record stays as it was
		if err := checkRequest(r); err != nil {
			// One impossible record (a clock that jumped, a hand-edited
			// file) must not void the run: leave it out and say so.
			if bad++; firstBad == "" {
				firstBad = fmt.Sprintf("request %d (id %d, model %q): %v", i, r.ID, r.Model, err)
			}
			return nil
		}
		if _, ok := models.byName[r.Model]; !ok {
			unknown[r.Model]++
			return nil
		}
		if t := tallies[r.Model]; t != nil && r.Phase == trace.PhaseMeasured {
			t.add(r)
		}
		return nil
	}
	if all != nil {
		if err := all.Each(each); err != nil {
			return nil, err
		}
	}
	warnings = append(warnings, usage.warnings()...)
	if bad > 0 {
		warnings = append(warnings, fmt.Sprintf("%d request record(s) left out as impossible; the first: %s", bad, firstBad))
	}
	for _, m := range slices.Sorted(maps.Keys(unknown)) {
		warnings = append(warnings, fmt.Sprintf("%d request(s) for model %q, which has no phases, ignored", unknown[m], m))
	}
	if len(series) == 0 {
		warnings = append(warnings, "no meter samples in the run: energy and carbon figures omitted")
	}
	for _, s := range series {
		if len(s.Rejected) > 0 {
			warnings = append(warnings, fmt.Sprintf("%s: readings left out as impossible: %s; the figures rest on the others", s.Key(), describeCounts(s.Rejected)))
		}
	}

	res := &Result{Carbon: carbon, Models: []ModelResult{}}
	for _, m := range models.ordered {
		if m.measured == nil {
			warnings = append(warnings, fmt.Sprintf("model %q has no measured phase: left out", m.name))
			continue
		}
		mr, err := analyzeModel(m, series, tallies[m.name], opts, carbon)
		if err != nil {
			return nil, fmt.Errorf("model %q: %w", m.name, err)
		}
		res.Models = append(res.Models, mr)
	}
	res.Totals = runTotals(res.Models, carbon)
	res.Channels = summarizeChannels(series)
	res.Warnings = append([]string{}, warnings...)
	return res, nil
}

// phaseIndex is the run's models in order of first appearance.
type phaseIndex struct {
	ordered []*modelPhases
	byName  map[string]*modelPhases
}

func groupPhases(phases []trace.Phase) (phaseIndex, error) {
	idx := phaseIndex{byName: map[string]*modelPhases{}}
	for i := range phases {
		p := &phases[i]
		if math.IsNaN(p.Start) || math.IsNaN(p.End) || math.IsInf(p.Start, 0) || math.IsInf(p.End, 0) || !(p.End > p.Start) {
			return idx, fmt.Errorf("phase %d (%s of model %q): [%v, %v]: want finite times with end after start", i, p.Name, p.Model, p.Start, p.End)
		}
		m := idx.byName[p.Model]
		if m == nil {
			m = &modelPhases{name: p.Model}
			idx.byName[p.Model] = m
			idx.ordered = append(idx.ordered, m)
		}
		var slot **trace.Phase
		switch p.Name {
		case trace.PhaseIdleBefore:
			slot = &m.idleBefore
		case trace.PhaseWarmup:
			slot = &m.warmup
		case trace.PhaseMeasured:
			slot = &m.measured
		case trace.PhaseIdleAfter:
			slot = &m.idleAfter
		case trace.PhaseSteady:
			slot = &m.steady
		default:
			return idx, fmt.Errorf("phase %d of model %q: unknown phase %q", i, p.Model, p.Name)
		}
		if *slot != nil {
			return idx, fmt.Errorf("model %q has two %s phases", p.Model, p.Name)
		}
		*slot = p
	}
	return idx, nil
}

// analyzeModel computes one model's figures over its measured phase (or
// its steady-state window), its requests tallied in t.
func analyzeModel(m *modelPhases, series []*Series, t *requestTally, opts Options, carbon Carbon) (ModelResult, error) {
	from, to := t.from, t.to
	n := t.counts()
	mr := ModelResult{
		Model:         m.name,
		Window:        Window{StartS: from, EndS: to, DurationS: to - from},
		RequestCounts: n,
		DurationS:     to - from,
		EnergyBasis:   []string{},
		Latency:       t.latency.result(),
		Throughput:    throughput(n, t.busy, from, to, opts.RequestedConcurrency),
		Channels:      []ChannelResult{},
		Components:    map[string]ComponentResult{},
		Warnings:      []string{},
	}
	if m.steady != nil {
		mr.Warnings = append(mr.Warnings, fmt.Sprintf("figures cover the steady-state window %.2f–%.2f s of the measured phase %.2f–%.2f s; requests and tokens are apportioned to it", from, to, m.measured.Start, m.measured.End))
	}
	mr.Items = m.measured.Items + t.items
	mr.ReasoningTokens = t.reasoning
	if t.kept == 0 && mr.Items == 0 {
		mr.Warnings = append(mr.Warnings, "no measured requests")
	}
	if n.TokensEstimated {
		mr.Warnings = append(mr.Warnings, "some token counts are estimated, not reported by the server")
	}

	var chs []measuredChannel
	for _, s := range series {
		r, err := measureChannel(s, from, to, m)
		if err != nil {
			return mr, fmt.Errorf("channel %s: %w", s.Key(), err)
		}
		if opts.EstimatedMeters[s.Meter] && r.Method != "" {
			r.Method = MethodEstimate
			r.Warnings = append(r.Warnings, "an estimate: power modeled by the meter, not measured")
		}
		for _, w := range r.Warnings {
			mr.Warnings = append(mr.Warnings, r.Key+": "+w)
		}
		mr.Channels = append(mr.Channels, r)
		if s.Component == ComponentPart {
			continue // shown per channel, never summed
		}
		chs = append(chs, measuredChannel{series: s, result: r})
	}

	chs, others := splitByMeter(chs, opts.MeterOrder, opts.EstimatedMeters)
	comps, compSums, warnings := componentResults(chs, from, to, n)
	mr.Warnings = append(mr.Warnings, warnings...)
	for comp, list := range others {
		c := comps[comp]
		checks, warns := crossChecks(comp, c, list, from, to)
		c.CrossChecks = checks
		comps[comp] = c
		mr.Warnings = append(mr.Warnings, warns...)
	}
	mr.Components = comps

	var parts, wall []measuredChannel
	for _, c := range chs {
		if c.series.Component == ComponentWall {
			wall = append(wall, c)
		} else {
			parts = append(parts, c)
		}
	}
	partSum, _ := sumChannels(parts, from, to)
	wallSum := compSums[ComponentWall]
	mr.ComponentsJoules, mr.NetComponentsJoules = partSum.joules, partSum.net
	mr.WallJoules, mr.NetWallJoules = wallSum.joules, wallSum.net
	mr.UnattributedJoules = difference(mr.WallJoules, mr.ComponentsJoules)
	mr.NetUnattributedJoules = difference(mr.NetWallJoules, mr.NetComponentsJoules)
	if u := mr.UnattributedJoules; u != nil && *u < 0 {
		mr.Warnings = append(mr.Warnings, fmt.Sprintf("components add up to %.4g J more than the wall meter: the meters disagree (different clocks, calibration, or a component counted twice)", -*u))
	}

	headline := partSum
	if headline.joules == nil {
		headline, _ = sumChannels(wall, from, to)
	}
	if headline.joules == nil {
		mr.Warnings = append(mr.Warnings, "no meter data available for the measured phase: energy and carbon figures omitted")
		return mr, nil
	}
	mr.EnergyBasis = headline.keys
	mr.EnergyMethod = headline.method
	mr.EnergyJ, mr.NetEnergyJ = headline.joules, headline.net
	mr.EnergyUncertaintyJ, mr.NetEnergyUncertaintyJ = headline.uncertainty, headline.netUncertainty
	if w := uncertaintyWarning("net energy", mr.NetEnergyJ, mr.NetEnergyUncertaintyJ); w != "" {
		mr.Warnings = append(mr.Warnings, w)
	}
	mr.AvgWatts, mr.PeakWatts, mr.BaselineWatts = headline.avgWatts, headline.peakWatts, headline.baseline

	gross, net := perWork(mr.EnergyJ, n), perWork(mr.NetEnergyJ, n)
	mr.JoulesPerOutputToken, mr.NetJoulesPerOutputToken = gross.perOutputToken, net.perOutputToken
	mr.JoulesPerToken, mr.NetJoulesPerToken = gross.perToken, net.perToken
	mr.WhPer1000Queries, mr.NetWhPer1000Queries = gross.whPer1000Queries, net.whPer1000Queries
	mr.TokensPerJoule, mr.NetTokensPerJoule = gross.tokensPerJoule, net.tokensPerJoule
	if mr.ReasoningTokens > 0 {
		answer := mr.OutputTokens - mr.ReasoningTokens
		mr.JoulesPerAnswerToken = perItem(mr.EnergyJ, answer)
		mr.NetJoulesPerAnswerToken = perItem(mr.NetEnergyJ, answer)
	}
	if mr.Items > 0 {
		mr.JoulesPerItem = perItem(mr.EnergyJ, mr.Items)
		mr.NetJoulesPerItem = perItem(mr.NetEnergyJ, mr.Items)
	}
	if mr.NetEnergyJ != nil && !(*mr.NetEnergyJ > 0) {
		mr.Warnings = append(mr.Warnings, fmt.Sprintf("net energy %.4g J is not positive: idle power at or above measured power; net per-work and carbon figures omitted", *mr.NetEnergyJ))
	}
	mr.GCO2eq, mr.GCO2eqPer1000Queries = carbonFigures(carbon, mr.EnergyJ, n.Completed)
	mr.NetGCO2eq, mr.NetGCO2eqPer1000Queries = carbonFigures(carbon, positive(mr.NetEnergyJ), n.Completed)
	return mr, nil
}

// positive passes p through when it points at a positive number.
func positive(p *float64) *float64 {
	if p == nil || !(*p > 0) {
		return nil
	}
	return p
}

// measureChannel computes one channel's gross, baseline and net energy
// over a model's measured phase.
func measureChannel(s *Series, from, to float64, m *modelPhases) (ChannelResult, error) {
	r := ChannelResult{Key: s.Key(), Meter: s.Meter, Channel: s.Channel, Component: s.Component, Warnings: []string{}}
	e, err := s.Energy(from, to)
	if errors.Is(err, ErrNoData) {
		r.Warnings = append(r.Warnings, "no samples in the measured phase: "+err.Error())
		return r, nil
	}
	if err != nil {
		return r, err
	}
	gross, u := e.Joules, e.UncertaintyJ
	r.Method, r.EnergyJ, r.UncertaintyJ = e.Method, &gross, &u
	r.MethodReason, r.Alternative = e.MethodReason, e.Alternative
	r.AvgWatts, r.PeakWatts = e.AvgWatts, e.PeakWatts
	r.Rejected = s.Rejected
	r.Samples, r.CoveredS, r.Coverage = e.Samples, e.CoveredS, e.Coverage
	r.MaxGapS, r.Gaps, r.Resets, r.Wraps = e.MaxGapS, e.Gaps, e.Resets, e.Wraps
	r.Warnings = append(r.Warnings, e.Warnings...)
	if w := uncertaintyWarning("energy", r.EnergyJ, r.UncertaintyJ); w != "" {
		r.Warnings = append(r.Warnings, w+" — "+e.MethodReason)
	}

	b, err := channelBaseline(s, m.idleBefore, m.idleAfter)
	if err != nil {
		return r, err
	}
	r.BaselineWatts, r.BaselineBeforeWatts, r.BaselineAfterWatts = b.watts, b.before, b.after
	r.Warnings = append(r.Warnings, b.warnings...)
	if b.watts != nil {
		// The baseline comes off the seconds the gross figure covers.
		net := gross - *b.watts*e.CoveredS
		r.NetEnergyJ = &net
		nu := u + b.uncertaintyW*e.CoveredS
		r.NetUncertaintyJ = &nu
	}
	return r, nil
}

// runTotals adds up the models.
func runTotals(models []ModelResult, carbon Carbon) RunTotals {
	t := RunTotals{Models: len(models), RequestCounts: RequestCounts{FailedByClass: map[string]int{}}}
	pick := func(f func(ModelResult) *float64) *float64 {
		vs := make([]*float64, len(models))
		for i, m := range models {
			vs[i] = f(m)
		}
		return sumAll(vs)
	}
	for _, m := range models {
		t.RequestCounts = addCounts(t.RequestCounts, m.RequestCounts)
		t.DurationS += m.DurationS
	}
	t.EnergyJ = pick(func(m ModelResult) *float64 { return m.EnergyJ })
	t.NetEnergyJ = pick(func(m ModelResult) *float64 { return m.NetEnergyJ })
	t.EnergyUncertaintyJ = pick(func(m ModelResult) *float64 { return m.EnergyUncertaintyJ })
	t.NetEnergyUncertaintyJ = pick(func(m ModelResult) *float64 { return m.NetEnergyUncertaintyJ })
	t.ComponentsJoules = pick(func(m ModelResult) *float64 { return m.ComponentsJoules })
	t.NetComponentsJoules = pick(func(m ModelResult) *float64 { return m.NetComponentsJoules })
	t.WallJoules = pick(func(m ModelResult) *float64 { return m.WallJoules })
	t.NetWallJoules = pick(func(m ModelResult) *float64 { return m.NetWallJoules })
	t.UnattributedJoules = difference(t.WallJoules, t.ComponentsJoules)
	t.NetUnattributedJoules = difference(t.NetWallJoules, t.NetComponentsJoules)
	gross, net := perWork(t.EnergyJ, t.RequestCounts), perWork(t.NetEnergyJ, t.RequestCounts)
	t.JoulesPerOutputToken, t.NetJoulesPerOutputToken = gross.perOutputToken, net.perOutputToken
	t.WhPer1000Queries, t.NetWhPer1000Queries = gross.whPer1000Queries, net.whPer1000Queries
	t.GCO2eq, _ = carbonFigures(carbon, t.EnergyJ, t.Completed)
	t.NetGCO2eq, _ = carbonFigures(carbon, positive(t.NetEnergyJ), t.Completed)
	return t
}

// summarizeChannels describes how each channel behaved over the run.
func summarizeChannels(series []*Series) []ChannelSummary {
	out := []ChannelSummary{}
	for _, s := range series {
		t := s.powerT
		if s.HasCounter() {
			t = s.counterT
		}
		c := ChannelSummary{Key: s.Key(), Meter: s.Meter, Channel: s.Channel, Component: s.Component, Samples: len(t)}
		if len(t) == 0 {
			c.Rejected = s.Rejected
			out = append(out, c)
			continue
		}
		c.FirstS, c.LastS = t[0], t[len(t)-1]
		c.SampleSpacingS = s.SampleSpacing()
		if c.SampleSpacingS > 0 {
			hz := 1 / c.SampleSpacingS
			c.SampleRateHz = &hz
		}
		if u := s.CounterUpdateInterval(); u > 0 {
			c.CounterUpdateS = &u
		}
		if u := s.PowerUpdateInterval(); s.HasPower() && u > 1.5*s.powerSpacing {
			c.PowerUpdateS = &u
		}
		if s.HasCounter() && s.counterRes > 0 {
			c.CounterResolutionJ = &s.counterRes
		}
		if s.HasPower() && s.powerRes > 0 {
			c.PowerResolutionW = &s.powerRes
		}
		c.Rejected = s.Rejected
		if c.LastS > c.FirstS {
			if e, err := s.Energy(c.FirstS, c.LastS); err == nil {
				c.Method, c.Gaps, c.MaxGapS, c.Resets, c.Wraps = e.Method, e.Gaps, e.MaxGapS, e.Resets, e.Wraps
			}
		}
		out = append(out, c)
	}
	return out
}

// perItem divides energy by a count of work items; nil without energy or
// when the net energy is not positive.
func perItem(joules *float64, items int) *float64 {
	if joules == nil || !(*joules > 0) || items <= 0 {
		return nil
	}
	v := *joules / float64(items)
	return &v
}

// uncertaintyWarning words a warning when an energy figure's uncertainty
// passes UncertaintyWarnFraction of it; "" otherwise.
func uncertaintyWarning(what string, joules, uncertainty *float64) string {
	if joules == nil || uncertainty == nil {
		return ""
	}
	e, u := math.Abs(*joules), *uncertainty
	if e > 0 && u <= UncertaintyWarnFraction*e {
		return ""
	}
	rel := "of a zero figure"
	if e > 0 {
		rel = fmt.Sprintf("%.1f%% of %.6g J", 100*u/e, *joules)
	}
	return fmt.Sprintf("%s uncertain by ±%.4g J (%s, above %g%%): the meter is too coarse or too slow for this window; lengthen the phase or use a finer meter", what, u, rel, 100*UncertaintyWarnFraction)
}

// describeCounts words counts by reason, most frequent first.
func describeCounts(counts map[string]int) string {
	reasons := slices.Sorted(maps.Keys(counts))
	slices.SortStableFunc(reasons, func(a, b string) int { return counts[b] - counts[a] })
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = fmt.Sprintf("%d × %s", counts[r], r)
	}
	return strings.Join(parts, ", ")
}
