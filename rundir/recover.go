package rundir

import (
	"fmt"
	"math"
	"slices"

	"github.com/aienergy/aienergy/analysis"
)

// recoverCutOff makes figures possible for a run that never finished:
// killed (kill -9, a crash, the machine lost) before it could end its
// phases and finalise run.json. Such a run.json has no ended_at, and
// phases.csv, which gets each row when its phase starts, holds the phase
// the run was in without an end. That phase is taken to end at the last
// data recorded: the last reading or the last request end, whichever came
// first, so that the energy covers every request counted. The run is
// marked interrupted, and every figure with it.
func recoverCutOff(raw *Raw) {
	open := func(p analysis.Phase) bool { return math.IsNaN(p.End) }
	if raw.Meta.EndedAt.IsZero() {
		// Runs written before phases were recorded as they start lack the
		// row of a cut-off measured phase altogether.
		addLostMeasured(raw)
	} else if !slices.ContainsFunc(raw.Phases, open) {
		return
	}
	raw.CutOff, raw.Meta.Interrupted = true, true
	if !slices.ContainsFunc(raw.Phases, open) {
		raw.Warnings = append(raw.Warnings, "the run was cut off between phases (killed, or its machine stopped): run.json lacks how it ended and how its meters behaved")
	}

	lastSample := math.Inf(-1)
	for _, s := range raw.Samples {
		if s.T > lastSample && !math.IsInf(s.T, 1) { // false for NaN
			lastSample = s.T
		}
	}
	kept := raw.Phases[:0]
	for _, p := range raw.Phases {
		if !open(p) {
			kept = append(kept, p)
			continue
		}
		p.End = lastSample
		if lastReq := lastRequestEnd(raw.Requests, p); !math.IsInf(lastReq, -1) && (lastReq < p.End || math.IsInf(p.End, -1)) {
			p.End = lastReq
		}
		if !(p.End > p.Start) {
			raw.Warnings = append(raw.Warnings, fmt.Sprintf("the %s phase of %q was cut off before any data was recorded in it: left out", p.Name, p.Model))
			continue
		}
		// A request that ended after the last reading did work the
		// energy does not cover.
		late := 0
		raw.Requests = slices.DeleteFunc(raw.Requests, func(r analysis.Request) bool {
			cut := r.Model == p.Model && r.Phase == p.Name && r.End > p.End
			if cut {
				late++
			}
			return cut
		})
		msg := fmt.Sprintf("the run was cut off (killed, or its machine stopped) in the %s phase of %q: the phase is taken to end at %.3f s, the last data recorded; requests still running then are not counted", p.Name, p.Model, p.End)
		if late > 0 {
			msg += fmt.Sprintf(", nor %d that ended after the last power reading", late)
		}
		raw.Warnings = append(raw.Warnings, msg)
		kept = append(kept, p)
	}
	raw.Phases = kept
}

// lastRequestEnd is when the last request recorded in phase p ended;
// -Inf when none was.
func lastRequestEnd(reqs []analysis.Request, p analysis.Phase) float64 {
	last := math.Inf(-1)
	for _, r := range reqs {
		if r.Model == p.Model && r.Phase == p.Name && r.End >= p.Start {
			last = max(last, r.End)
		}
	}
	return last
}

// addLostMeasured rebuilds, open, the measured phase of each model that
// has measured requests but no measured row: where an older aienergy was
// cut off. The phase began where the model's idle or warmup phase before
// it ended (the runner starts each phase as the one before ends), or else
// with its first request.
func addLostMeasured(raw *Raw) {
	for _, r := range raw.Requests {
		if r.Phase != analysis.PhaseMeasured || slices.ContainsFunc(raw.Phases, func(p analysis.Phase) bool {
			return p.Model == r.Model && p.Name == analysis.PhaseMeasured
		}) {
			continue
		}
		first := r.Start
		for _, q := range raw.Requests {
			if q.Model == r.Model && q.Phase == r.Phase && q.Start < first {
				first = q.Start
			}
		}
		start := math.Inf(-1)
		for _, p := range raw.Phases {
			before := p.Name == analysis.PhaseIdleBefore || p.Name == analysis.PhaseWarmup
			if before && p.Model == r.Model && p.End <= first && p.End > start {
				start = p.End
			}
		}
		if math.IsInf(start, -1) {
			start = first
		}
		raw.Phases = append(raw.Phases, analysis.Phase{Model: r.Model, Name: analysis.PhaseMeasured, Start: start, End: math.NaN()})
	}
}
