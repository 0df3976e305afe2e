package merge

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aienergy/aienergy/load"
	"github.com/aienergy/aienergy/meter"
	"github.com/aienergy/aienergy/rundir"
)

// mergeMeta builds the merged run.json: the first shard's description of
// the run (its load is the whole schedule's already), the hosts of all,
// each meter as recorded by the shard its samples were kept from, the
// open-loop statistics added up, and how the merge was done.
func (m *merger) mergeMeta(counts map[int]int) rundir.Meta {
	first := m.shards[0].meta
	meta := first
	meta.RunID = filepath.Base(m.out)
	meta.StartedAt = m.start
	meta.Shard = nil
	meta.Truth = nil  // the simulator's own truth: never a shard's (config validation)
	meta.Server = nil // likewise
	var errs []string
	for _, s := range m.shards {
		if s.meta.EndedAt.After(meta.EndedAt) {
			meta.EndedAt = s.meta.EndedAt
		}
		meta.Interrupted = meta.Interrupted || s.meta.Interrupted
		if s.meta.Error != "" {
			errs = append(errs, fmt.Sprintf("shard %d: %s", s.meta.Shard.Index, s.meta.Error))
		}
	}
	meta.Error = strings.Join(errs, "; ")
	meta.Host = m.hosts()
	meta.Meters = m.meters()
	meta.RateStats = m.rateStats()

	mg := &rundir.Merge{
		PhaseToleranceS: m.opts.PhaseTolerance.Seconds(),
		PowerFrom:       m.powerFrom,
		Warnings:        m.warnings,
	}
	if m.clockOn != (pair{}) {
		mg.ClockCheckOn = m.clockOn.String()
	}
	for _, s := range m.shards {
		ms := rundir.MergedShard{
			Index: s.meta.Shard.Index, Dir: s.dir, RunID: s.meta.RunID, Host: s.meta.Host,
			StartedAt: s.meta.StartedAt, OffsetS: s.offset, WallOffsetS: s.wallOffset,
			ClockCorrectionS: s.clock.correction, ClockNote: s.clock.note,
			Requests: counts[s.meta.Shard.Index], Interrupted: s.meta.Interrupted,
		}
		if abs, err := filepath.Abs(s.dir); err == nil {
			ms.Dir = abs
		}
		if c := s.clock; c.measured {
			ms.ClockCheckS, ms.ClockCheckUncertaintyS = &c.skew, &c.uncertainty
		}
		mg.Shards = append(mg.Shards, ms)
	}
	meta.Merge = mg
	return meta
}

// hosts describes the machines that sent the load: every hostname, and
// their CPUs and memory added up, once per host; the first one's system,
// and every distinct CPU model.
func (m *merger) hosts() rundir.Host {
	h := m.shards[0].meta.Host
	h.CPUs, h.RAMTotalGB = 0, 0
	var names, cpus []string
	seen := map[string]bool{}
	for _, s := range m.shards {
		sh := s.meta.Host
		if !seen[sh.Hostname] {
			seen[sh.Hostname] = true
			names = append(names, sh.Hostname)
			h.CPUs += sh.CPUs
			h.RAMTotalGB += sh.RAMTotalGB
		}
		if sh.CPUModel != "" && !slices.Contains(cpus, sh.CPUModel) {
			cpus = append(cpus, sh.CPUModel)
		}
		if len(h.GPUs) == 0 {
			h.GPUs = sh.GPUs
		}
	}
	h.Hostname = strings.Join(names, ",")
	h.CPUModel = strings.Join(cpus, "; ")
	return h
}

// meters lists every meter of every shard, in the first shard's order
// then the others' new ones, each as the shard whose samples were kept
// recorded it; the declared ranges and resolutions of each channel are
// its own owner's.
func (m *merger) meters() []rundir.Meter {
	var out []rundir.Meter
	index := map[string]int{}
	for i, s := range m.shards {
		for _, mt := range s.meta.Meters {
			if _, ok := index[mt.Name]; ok {
				continue
			}
			from := i
			if o, ok := m.meterFrom[mt.Name]; ok {
				from = o
			} else if o, ok := m.meterFrom[mt.LiveName]; ok && mt.LiveName != "" {
				from = o
			}
			e := meterEntry(m.shards[from].meta, mt.Name)
			if e == nil {
				e = &mt
			}
			c := *e
			c.MaxRangeJ, c.Resolution = nil, nil
			index[mt.Name] = len(out)
			out = append(out, c)
		}
	}
	// Per channel, from its own owner ("meter/channel" keys).
	for key, idx := range m.powerFrom {
		meterName, _, _ := strings.Cut(key, "/")
		e := meterEntry(m.shards[idx].meta, meterName)
		if e == nil {
			continue
		}
		i, ok := index[e.Name]
		if !ok {
			continue
		}
		if r, ok := e.MaxRangeJ[key]; ok {
			if out[i].MaxRangeJ == nil {
				out[i].MaxRangeJ = map[string]float64{}
			}
			out[i].MaxRangeJ[key] = r
		}
		if r, ok := e.Resolution[key]; ok {
			if out[i].Resolution == nil {
				out[i].Resolution = map[string]meter.Resolution{}
			}
			out[i].Resolution[key] = r
		}
	}
	return out
}

// rateStats adds up the shards' open-loop statistics per model: counts
// and rates add; of the send-lag and queue percentiles, which cannot be
// merged from summaries, the largest shard's is kept (an upper bound),
// and the means are weighted by requests.
func (m *merger) rateStats() []rundir.RateStats {
	var order []string
	byModel := map[string][]load.RateStats{}
	for _, s := range m.shards {
		for _, st := range s.meta.RateStats {
			if _, ok := byModel[st.Model]; !ok {
				order = append(order, st.Model)
			}
			byModel[st.Model] = append(byModel[st.Model], st.RateStats)
		}
	}
	var out []rundir.RateStats
	for _, model := range order {
		var sum load.RateStats
		var sched, achieved float64
		var haveSched, haveAchieved bool
		for _, st := range byModel[model] {
			sum.Requests += st.Requests
			sum.Unsent += st.Unsent
			sum.Queued += st.Queued
			sum.MaxConcurrency += st.MaxConcurrency
			sum.RequestedRPS += st.RequestedRPS
			if st.ScheduledRPS != nil {
				sched, haveSched = sched+*st.ScheduledRPS, true
			}
			if st.AchievedRPS != nil {
				achieved, haveAchieved = achieved+*st.AchievedRPS, true
			}
			sum.LagMs = worse(sum.LagMs, st.LagMs, sum.Requests-st.Requests, st.Requests)
			sum.QueueMs = worse(sum.QueueMs, st.QueueMs, sum.Requests-st.Requests, st.Requests)
		}
		if haveSched {
			sum.ScheduledRPS = &sched
		}
		if haveAchieved {
			sum.AchievedRPS = &achieved
		}
		out = append(out, rundir.RateStats{Model: model, RateStats: sum})
	}
	return out
}

// worse combines two spreads of n1 and n2 values: the larger of each
// percentile and maximum, the weighted mean.
func worse(a, b load.Spread, n1, n2 int) load.Spread {
	if n1+n2 == 0 {
		return a
	}
	return load.Spread{
		P50: max(a.P50, b.P50), P90: max(a.P90, b.P90), P99: max(a.P99, b.P99), Max: max(a.Max, b.Max),
		Mean: (a.Mean*float64(n1) + b.Mean*float64(n2)) / float64(n1+n2),
	}
}
