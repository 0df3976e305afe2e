package merge

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strconv"

	"github.com/aienergy/aienergy/rundir"
)

// A pair is one meter channel, as power.csv names it.
type pair struct{ meter, channel string }

func (p pair) String() string { return p.meter + "/" + p.channel }

// localTypes are the meter kinds that read the machine they run on: the
// same name in two shards on two hosts is two machines, of which the
// merge keeps one, like any duplicate.
var localTypes = map[string]bool{"rapl": true, "nvml": true, "nvidia-smi": true, "amdgpu": true, "cpu-estimate": true, "ram-estimate": true}

// scanPower reads which shard has which meter channels, picks the shard
// whose copy of each is kept, and the energy counter on which the shards'
// clocks are checked.
func (m *merger) scanPower() error {
	m.hasCounter = make([]map[pair]bool, len(m.shards)) // pair → has energy readings
	for i, s := range m.shards {
		has := map[pair]bool{}
		m.hasCounter[i] = has
		t, err := openTable(s.dir, rundir.PowerFile, "t_s", "meter", "channel")
		if err != nil {
			return fmt.Errorf("shard %s: %w", s.dir, err)
		}
		jc, hasJ := t.col["joules"]
		mc, cc := t.col["meter"], t.col["channel"]
		if _, _, err := t.each(func(row []string) error {
			p := pair{row[mc], row[cc]}
			has[p] = has[p] || (hasJ && row[jc] != "")
			return nil
		}); err != nil {
			return fmt.Errorf("shard %s: %w", s.dir, err)
		}
	}
	m.owner, m.clockOn = m.owners(m.hasCounter)
	return nil
}

// mergePower writes power.csv with each meter channel's samples from one
// shard, on the merged clock. phases are the merged phases, which the
// kept samples should cover.
func (m *merger) mergePower(phases []phaseRow) error {
	var out *outFile
	defer func() {
		if out != nil {
			out.close()
		}
	}()
	covered := map[pair][2]float64{}
	for i, s := range m.shards {
		t, err := openTable(s.dir, rundir.PowerFile, "t_s", "meter", "channel")
		if err != nil {
			return fmt.Errorf("shard %s: %w", s.dir, err)
		}
		if out == nil {
			if out, err = createOut(filepath.Join(m.out, rundir.PowerFile), t.header); err != nil {
				return err
			}
		}
		cols := out.columnMap(t)
		tc, mc, cc := t.col["t_s"], t.col["meter"], t.col["channel"]
		skipped, first, err := t.each(func(row []string) error {
			p := pair{row[mc], row[cc]}
			if m.owner[p] != i {
				return nil
			}
			ts, err := strconv.ParseFloat(row[tc], 64)
			if err != nil || math.IsNaN(ts) || math.IsInf(ts, 0) {
				return rowError{fmt.Errorf("t_s %q is not a time", row[tc])}
			}
			ts += s.offset
			c, ok := covered[p]
			if !ok {
				c = [2]float64{ts, ts}
			}
			covered[p] = [2]float64{min(c[0], ts), max(c[1], ts)}
			row[tc] = formatSeconds(ts)
			return out.write(row, cols)
		})
		if err != nil {
			return err
		}
		if skipped > 0 {
			m.warnf("shard %d: %s: %d unreadable row(s) left out; the first: %s", s.meta.Shard.Index, t.path, skipped, first)
		}
	}
	if out == nil {
		return nil
	}
	err := out.close()
	out = nil
	if err != nil {
		return err
	}
	m.checkCoverage(covered, phases)
	return nil
}

// owners picks the shard whose copy of each channel is kept, and the
// channel on which the shards' clocks are checked: the first energy
// counter that more than one shard read.
func (m *merger) owners(has []map[pair]bool) (map[pair]int, pair) {
	var all []pair
	seen := map[pair]bool{}
	for _, h := range has {
		for p := range h {
			if !seen[p] {
				seen[p] = true
				all = append(all, p)
			}
		}
	}
	sort.Slice(all, func(a, b int) bool { return all[a].String() < all[b].String() })
	owner := map[pair]int{}
	var check pair
	m.powerFrom = map[string]int{}
	m.meterFrom = map[string]int{}
	readers := map[string][]int{} // meter → shards that read it
	for _, p := range all {
		var in []int
		counters := 0
		for i, h := range has {
			if j, ok := h[p]; ok {
				in = append(in, i)
				if j {
					counters++
				}
			}
		}
		o := in[0]
		if pf := m.opts.PowerFrom; pf >= 0 && has[pf] != nil {
			if _, ok := has[pf][p]; ok {
				o = pf
			}
		}
		owner[p] = o
		m.powerFrom[p.String()] = m.shards[o].meta.Shard.Index
		if _, ok := m.meterFrom[p.meter]; !ok {
			m.meterFrom[p.meter] = o
		}
		if counters > 1 && check == (pair{}) {
			check = p
		}
		if len(in) > len(readers[p.meter]) {
			readers[p.meter] = in
		}
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range readers {
			if !yield(k) {
				return
			}
		}
	}) {
		in := readers[name]
		if len(in) < 2 {
			continue
		}
		o := m.meterFrom[name]
		mt := meterEntry(m.shards[o].meta, name)
		if mt == nil || !localTypes[mt.Type] {
			continue
		}
		hosts := map[string]bool{}
		for _, i := range in {
			hosts[m.shards[i].meta.Host.Hostname] = true
		}
		if len(hosts) > 1 {
			m.warnf("meter %s (%s) reads the machine it runs on, and %d shards on %d hosts had one: kept from shard %d (%s) only; the others measured other machines",
				name, mt.Type, len(in), len(hosts), m.shards[o].meta.Shard.Index, m.shards[o].meta.Host.Hostname)
		}
	}
	return owner, check
}

// checkCoverage warns when a kept meter's samples do not span the merged
// phases: the shard they came from ran for less of the merged run than
// the others (choose another with --power-from).
func (m *merger) checkCoverage(covered map[pair][2]float64, phases []phaseRow) {
	if len(phases) == 0 {
		return
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range phases {
		lo = min(lo, p.start)
		if !math.IsNaN(p.end) {
			hi = max(hi, p.end)
		}
	}
	tol := m.opts.PhaseTolerance.Seconds()
	short := map[string][2]float64{}
	for p, c := range covered {
		if c[0] > lo+tol || c[1] < hi-tol {
			short[p.meter] = c
		}
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range short {
			if !yield(k) {
				return
			}
		}
	}) {
		c := short[name]
		m.warnf("meter %s: the samples kept (from shard %d) span %.3f–%.3f s of the merged clock, the phases %.3f–%.3f s: figures at the edges lack them (--power-from picks another shard)",
			name, m.shards[m.meterFrom[name]].meta.Shard.Index, c[0], c[1], lo, hi)
	}
}

// meterEntry is the run.json entry of the meter that power.csv names
// name: its own name, or its live reads' name.
func meterEntry(meta rundir.Meta, name string) *rundir.Meter {
	for i := range meta.Meters {
		if meta.Meters[i].Name == name || (meta.Meters[i].LiveName != "" && meta.Meters[i].LiveName == name) {
			return &meta.Meters[i]
		}
	}
	return nil
}
