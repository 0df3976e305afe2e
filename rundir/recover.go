package rundir

import (
	"fmt"
	"math"
	"slices"

	"github.com/aienergy/aienergy/meter"
	"github.com/aienergy/aienergy/trace"
)

// recoverCutOff makes figures possible for a run that never finished:
// killed (kill -9, a crash, the machine lost) before it could end its
// phases and finalise run.json. Such a run.json has no ended_at, and
// phases.csv, which gets each row when its phase starts, holds the phase
// the run was in without an end. That phase is taken to end at the last
// data recorded: the last reading or the last request end, whichever came
// first, so that the energy covers every request counted. The run is
// marked interrupted, and every figure with it. The meters' statistics,
// also written as the run ends, are derived from power.csv.
func recoverCutOff(raw *Raw) error {
	open := func(p trace.Phase) bool { return math.IsNaN(p.End) }
	if raw.Meta.EndedAt.IsZero() {
		// Runs written before phases were recorded as they start lack the
		// row of a cut-off measured phase altogether.
		if err := addLostMeasured(raw); err != nil {
			return err
		}
	} else if !slices.ContainsFunc(raw.Phases, open) {
		return nil
	}
	raw.CutOff, raw.Meta.Interrupted = true, true
	if !slices.ContainsFunc(raw.Phases, open) {
		raw.Warnings = append(raw.Warnings, "the run was cut off between phases (killed, or its machine stopped): run.json lacks how it ended and how its meters behaved")
	}

	lastSample := math.Inf(-1)
	if err := raw.Samples.Each(func(s trace.Sample) error {
		if s.T > lastSample && !math.IsInf(s.T, 1) { // false for NaN
			lastSample = s.T
		}
		return nil
	}); err != nil {
		return err
	}
	if err := deriveMeterStats(raw, lastSample); err != nil {
		return err
	}
	kept := raw.Phases[:0]
	var cut []trace.Phase
	for _, p := range raw.Phases {
		if !open(p) {
			kept = append(kept, p)
			continue
		}
		p.End = lastSample
		lastReq, err := lastRequestEnd(raw.Requests, p)
		if err != nil {
			return err
		}
		if !math.IsInf(lastReq, -1) && (lastReq < p.End || math.IsInf(p.End, -1)) {
			p.End = lastReq
		}
		if !(p.End > p.Start) {
			raw.Warnings = append(raw.Warnings, fmt.Sprintf("the %s phase of %q was cut off before any data was recorded in it: left out", p.Name, p.Model))
			continue
		}
		// A request that ended after the last reading did work the
		// energy does not cover.
		late := 0
		if err := raw.Requests.Each(func(r trace.Request) error {
			if lateIn(r, p) {
				late++
			}
			return nil
		}); err != nil {
			return err
		}
		cut = append(cut, p)
		msg := fmt.Sprintf("the run was cut off (killed, or its machine stopped) in the %s phase of %q: the phase is taken to end at %.3f s, the last data recorded; requests still running then are not counted", p.Name, p.Model, p.End)
		if late > 0 {
			msg += fmt.Sprintf(", nor %d that ended after the last power reading", late)
		}
		raw.Warnings = append(raw.Warnings, msg)
		kept = append(kept, p)
	}
	raw.Phases = kept
	if len(cut) > 0 {
		raw.Requests = dropRequests(raw.Requests, func(r trace.Request) bool {
			return slices.ContainsFunc(cut, func(p trace.Phase) bool { return lateIn(r, p) })
		})
	}
	return nil
}

// lateIn reports whether r, of cut-off phase p, ended after p's
// recovered end.
func lateIn(r trace.Request, p trace.Phase) bool {
	return r.Model == p.Model && r.Phase == p.Name && r.End > p.End
}

// dropRequests leaves out of reqs the records drop drops.
func dropRequests(reqs trace.Requests, drop func(trace.Request) bool) trace.Requests {
	l, ok := reqs.(*requestLog)
	if !ok {
		return trace.Filter(reqs, func(r trace.Request) bool { return !drop(r) })
	}
	l.drop = drop
	l.n = 0
	_ = l.Each(func(trace.Request) error { l.n++; return nil })
	return l
}

// deriveMeterStats fills in, for each meter run.json gives no statistics
// (the run writes them as it ends), what power.csv shows of how the
// sampler read it: the reads, the rate achieved, the longest spacing
// between reads and the gaps, as meter.Stats defines them. They are
// marked StatsFrom power.csv. Errors, read latency and the update
// interval leave no trace there and stay zero. end is the last reading
// of any meter: about when the run was cut off.
func deriveMeterStats(raw *Raw, end float64) error {
	type reads struct {
		n                   int
		first, last, maxGap float64
		gaps                int
		gapOver             float64 // a longer spacing is a gap
	}
	byName := map[string]*reads{}
	for _, m := range raw.Meta.Meters {
		if m.Reads > 0 || m.Error != "" {
			continue
		}
		interval := m.IntervalS
		if !(interval > 0) {
			interval = meter.DefaultInterval.Seconds() // as the sampler reads it
		}
		// The sampler counts spacings over twice the interval; power.csv
		// writes times to the microsecond, so half a microsecond more
		// keeps a spacing of exactly twice the interval from counting
		// through rounding.
		byName[sampledName(m)] = &reads{gapOver: 2*interval + 0.5e-6}
	}
	if len(byName) == 0 {
		return nil
	}
	// A meter's readings are in time order in power.csv: the sampler
	// writes each read as it is taken.
	if err := raw.Samples.Each(func(s trace.Sample) error {
		r := byName[s.Meter]
		if r == nil || math.IsNaN(s.T) || math.IsInf(s.T, 0) {
			return nil
		}
		switch {
		case r.n == 0:
			r.first = s.T
		case s.T == r.last:
			return nil // another channel of the same read: one stamp per read
		default:
			gap := s.T - r.last
			r.maxGap = max(r.maxGap, gap)
			if gap > r.gapOver {
				r.gaps++
			}
		}
		r.n++
		r.last = s.T
		return nil
	}); err != nil {
		return err
	}
	for i := range raw.Meta.Meters {
		m := &raw.Meta.Meters[i]
		r := byName[sampledName(*m)]
		if r == nil || r.n == 0 {
			continue
		}
		m.Reads, m.MaxGapS, m.Gaps, m.StatsFrom = r.n, r.maxGap, r.gaps, PowerFile
		// The sampler divides by its whole run; what is known here runs
		// from this meter's first read (a meter started once a launched
		// server was up starts late) to the last reading of any.
		if end > r.first {
			m.AchievedHz = float64(r.n) / (end - r.first)
		}
	}
	return nil
}

// sampledName is the name m's live readings are recorded under.
func sampledName(m Meter) string {
	if m.LiveName != "" {
		return m.LiveName
	}
	return m.Name
}

// lastRequestEnd is when the last request recorded in phase p ended;
// -Inf when none was.
func lastRequestEnd(reqs trace.Requests, p trace.Phase) (float64, error) {
	last := math.Inf(-1)
	err := reqs.Each(func(r trace.Request) error {
		if r.Model == p.Model && r.Phase == p.Name && r.End >= p.Start {
			last = max(last, r.End)
		}
		return nil
	})
	return last, err
}

// addLostMeasured rebuilds, open, the measured phase of each model that
// has measured requests but no measured row: where an older aienergy was
// cut off. The phase began where the model's idle or warmup phase before
// it ended (the runner starts each phase as the one before ends), or else
// with its first request.
func addLostMeasured(raw *Raw) error {
	first := map[string]float64{} // model: its first measured start
	var order []string
	if err := raw.Requests.Each(func(r trace.Request) error {
		if r.Phase != trace.PhaseMeasured {
			return nil
		}
		if f, ok := first[r.Model]; !ok {
			first[r.Model] = r.Start
			order = append(order, r.Model)
		} else if r.Start < f {
			first[r.Model] = r.Start
		}
		return nil
	}); err != nil {
		return err
	}
	for _, model := range order {
		if slices.ContainsFunc(raw.Phases, func(p trace.Phase) bool {
			return p.Model == model && p.Name == trace.PhaseMeasured
		}) {
			continue
		}
		start := math.Inf(-1)
		for _, p := range raw.Phases {
			before := p.Name == trace.PhaseIdleBefore || p.Name == trace.PhaseWarmup
			if before && p.Model == model && p.End <= first[model] && p.End > start {
				start = p.End
			}
		}
		if math.IsInf(start, -1) {
			start = first[model]
		}
		raw.Phases = append(raw.Phases, trace.Phase{Model: model, Name: trace.PhaseMeasured, Start: start, End: math.NaN()})
	}
	return nil
}
