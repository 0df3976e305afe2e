package merge

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"strconv"

	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// phaseRow is one row of phases.csv; end is NaN for a phase that was
// running when its run was cut off.
type phaseRow struct {
	model, name string
	// n tells apart rows of the same model and phase within one shard.
	n          int
	start, end float64
	items      int
}

func (p phaseRow) key() string {
	k := p.model + " / " + p.name
	if p.n > 0 {
		k += fmt.Sprintf(" #%d", p.n+1)
	}
	return k
}

// readPhases reads a shard's phases.csv whole: it has a few rows per
// model, and a row it cannot read leaves a phase without its times, so
// it is an error.
func readPhases(dir string) ([]phaseRow, error) {
	t, err := openTable(dir, rundir.PhasesFile, "model", "phase", "start_s", "end_s")
	if err != nil {
		return nil, err
	}
	var rows []phaseRow
	seen := map[[2]string]int{}
	skipped, first, err := t.each(func(r []string) error {
		p := phaseRow{model: r[t.col["model"]], name: r[t.col["phase"]], end: math.NaN()}
		var err error
		if p.start, err = strconv.ParseFloat(r[t.col["start_s"]], 64); err != nil {
			return rowError{fmt.Errorf("start_s %q is not a number", r[t.col["start_s"]])}
		}
		if e := r[t.col["end_s"]]; e != "" {
			if p.end, err = strconv.ParseFloat(e, 64); err != nil {
				return rowError{fmt.Errorf("end_s %q is not a number", e)}
			}
		}
		if i, ok := t.col["items"]; ok && r[i] != "" {
			if p.items, err = strconv.Atoi(r[i]); err != nil {
				return rowError{fmt.Errorf("items %q is not a count", r[i])}
			}
		}
		k := [2]string{p.model, p.name}
		p.n = seen[k]
		seen[k]++
		rows = append(rows, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if skipped > 0 {
		return nil, fmt.Errorf("%s: %s", t.path, first)
	}
	return rows, nil
}

// phaseKeys lists a shard's phases, less the steady-state windows, which
// a shard has only when its own window was long enough.
func phaseKeys(rows []phaseRow) []string {
	var keys []string
	for _, p := range rows {
		if p.name != trace.PhaseSteady {
			keys = append(keys, p.key())
		}
	}
	return keys
}

// intersected are the phases whose merged span is the time every shard
// was in them: a baseline is idle only while no shard sends, and the
// steady state is steady only while every shard is.
func intersected(name string) bool {
	return name == trace.PhaseIdleBefore || name == trace.PhaseIdleAfter || name == trace.PhaseSteady
}

// mergePhases lines up the shards' phases on the merged clock, in the
// first shard's order.
func (m *merger) mergePhases() ([]phaseRow, error) {
	byKey := make([]map[string]phaseRow, len(m.shards))
	for i, s := range m.shards {
		byKey[i] = map[string]phaseRow{}
		for _, p := range s.phases {
			p.start += s.offset
			p.end += s.offset
			byKey[i][p.key()] = p
		}
	}
	tol := m.opts.PhaseTolerance.Seconds()
	var out []phaseRow
	for _, p := range m.shards[0].phases {
		k := p.key()
		var starts, ends []float64
		items := 0
		for i, s := range m.shards {
			q, ok := byKey[i][k]
			if !ok { // only a steady window can be missing (sameRun)
				m.warnf("%s: shard %d (%s) has no steady-state window; the merged run has none and its figures use the whole measured phase",
					p.model, s.meta.Shard.Index, s.dir)
				starts = nil
				break
			}
			starts, ends = append(starts, q.start), append(ends, q.end)
			items += q.items
		}
		if starts == nil {
			continue
		}
		row := phaseRow{model: p.model, name: p.name, n: p.n, items: items}
		lo, hi := spread(starts)
		elo, ehi := spread(ends)
		if intersected(p.name) {
			row.start, row.end = hi, elo
			if math.IsNaN(elo) {
				row.end = ehi // every end NaN: the phase runs on in every shard
			}
			if !(row.end > row.start) {
				m.warnf("%s: no instant at which every shard was in its %s phase (they ran from %.3f–%.3f s to %.3f–%.3f s on the merged clock): the merged run has no %s phase",
					p.model, p.name, lo, hi, elo, ehi, p.name)
				continue
			}
			if hi-lo > tol {
				m.warnf("%s: the shards' %s phases began up to %.3f s apart; the merged one is the %.3f s they shared", p.model, p.name, hi-lo, row.end-row.start)
			}
		} else {
			row.start, row.end = lo, ehi
			if anyNaN(ends) {
				row.end = math.NaN() // still running when a shard was cut off
			}
			if p.name == trace.PhaseMeasured || p.name == trace.PhaseWarmup {
				if hi-lo > tol {
					m.warnf("%s: the shards' %s phases began up to %.3f s apart (more than %s): the load did not start together, and the merged phase's start has less of it",
						p.model, p.name, hi-lo, m.opts.PhaseTolerance)
				}
				if ehi-elo > tol {
					m.warnf("%s: the shards' %s phases ended up to %.3f s apart (more than %s): the merged phase's end has less load than its middle",
						p.model, p.name, ehi-elo, m.opts.PhaseTolerance)
				}
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// spread is the smallest and largest of vs, NaN left out (NaN when all are).
func spread(vs []float64) (lo, hi float64) {
	lo, hi = math.NaN(), math.NaN()
	for _, v := range vs {
		if math.IsNaN(v) {
			continue
		}
		if math.IsNaN(lo) || v < lo {
			lo = v
		}
		if math.IsNaN(hi) || v > hi {
			hi = v
		}
	}
	return lo, hi
}

func anyNaN(vs []float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) {
			return true
		}
	}
	return false
}

// writePhases writes the merged phases.csv.
func writePhases(path string, rows []phaseRow) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"model", "phase", "start_s", "end_s", "items"})
	for _, p := range rows {
		items := ""
		if p.items > 0 {
			items = strconv.Itoa(p.items)
		}
		w.Write([]string{p.model, p.name, formatSeconds(p.start), formatSeconds(p.end), items})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return rundir.WriteFileAtomic(path, b.Bytes())
}
