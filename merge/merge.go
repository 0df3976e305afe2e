// Package merge combines the run directories of the shards of one load —
// several load generators, each sending its share of one schedule
// (load.shard) — into one run directory that aienergy report analyses like
// any other.
//
//   - One clock. Each shard's CSV times are seconds since its own origin,
//     whose wall time is its run.json started_at: a shard's times move by
//     its started_at less the merged run's (wall_offset_s). Where shards
//     read an energy counter in common, the merged clock is the clock of
//     the shard whose copy of it is kept, and each other shard's clock is
//     measured against it on that counter (clock_check_s, with its
//     uncertainty); a skew measured to within half of itself is corrected
//     (clock_correction_s), so that offset_s = wall_offset_s +
//     clock_correction_s. See clock.go.
//   - Requests are concatenated. Their ids are the whole schedule's
//     (warmup_requests + k for arrival k), unique across shards; a
//     duplicate is an error.
//   - Phases line up: a measured or warmup phase spans from the earliest
//     shard's start to the latest shard's end, so that it holds every
//     request; an idle phase and the steady-state window span only the
//     time every shard was in them (the latest start to the earliest end),
//     since a baseline is idle only while no shard sends.
//   - Energy is read once. The shards may all have read the same cluster
//     meter (a Prometheus or DCGM exporter of the same name): each meter
//     channel is kept from one shard (Options.PowerFrom, else the lowest
//     index that has it), never summed; a meter only one shard had is kept.
package merge

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/aienergy/aienergy/rundir"
)

// DefaultPhaseTolerance is how far apart the shards' measured phases may
// start or end before the merge warns: about the latency of one long
// request, and far more than NTP-synchronised clocks disagree.
const DefaultPhaseTolerance = time.Second

// Options tune Merge.
type Options struct {
	// PowerFrom is the shard index whose copy is kept of a meter channel
	// that several shards read; -1 keeps each channel's copy from the
	// lowest-index shard that has it. A channel the shard lacks is kept
	// from the lowest index that has it.
	PowerFrom int
	// PhaseTolerance: 0 is DefaultPhaseTolerance.
	PhaseTolerance time.Duration
	// Warn receives each warning as it is found; they are in run.json's
	// merge.warnings too.
	Warn func(string)
}

// A shard is one input run directory.
type shard struct {
	dir    string
	meta   rundir.Meta
	offset float64 // seconds from the merged origin to its own: wallOffset + clock.correction
	// wallOffset is its started_at less the merged run's.
	wallOffset float64
	clock      clockCheck
	phases     []phaseRow
}

// Merge combines the shard run directories dirs into a new run directory
// output (which must not exist or be empty) and returns its run.json.
// Shards of different runs — other models, phases, loads, shard counts or
// start times — are an error, and so is a shard missing from the set or a
// directory that is not a complete shard.
func Merge(dirs []string, output string, opts Options) (*rundir.Meta, error) {
	if len(dirs) == 0 {
		return nil, errors.New("merge: no shard run directories given")
	}
	if opts.PhaseTolerance <= 0 {
		opts.PhaseTolerance = DefaultPhaseTolerance
	}
	m := &merger{opts: opts}
	for _, dir := range dirs {
		s, err := readShard(dir)
		if err != nil {
			return nil, err
		}
		m.shards = append(m.shards, s)
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	if err := ensureEmptyDir(output); err != nil {
		return nil, err
	}
	m.out = output
	if err := m.scanPower(); err != nil {
		return nil, err
	}
	if err := m.alignClocks(); err != nil {
		return nil, err
	}
	phases, err := m.mergePhases()
	if err != nil {
		return nil, err
	}
	if err := writePhases(filepath.Join(output, rundir.PhasesFile), phases); err != nil {
		return nil, err
	}
	counts, err := m.mergeRequests()
	if err != nil {
		return nil, err
	}
	if err := m.mergePower(phases); err != nil {
		return nil, err
	}
	if err := m.copyConfig(); err != nil {
		return nil, err
	}
	meta := m.mergeMeta(counts)
	// run.json last: a merge that failed half-way has none, and is no run.
	if err := rundir.WriteJSON(output, rundir.MetaFile, meta); err != nil {
		return nil, err
	}
	return &meta, nil
}

type merger struct {
	opts   Options
	shards []*shard // in shard index order
	out    string
	// Filled as the merge goes, for run.json.
	warnings   []string
	powerFrom  map[string]int // "meter/channel" → shard index
	meterFrom  map[string]int // meter name (as in power.csv) → shard position
	hasCounter []map[pair]bool
	owner      map[pair]int // channel → shard position whose copy is kept
	// clockOn is the energy counter several shards read, on which their
	// clocks are checked; zero when none.
	clockOn pair
	start   time.Time // the merged run's started_at
}

func (m *merger) warnf(format string, args ...any) {
	w := fmt.Sprintf(format, args...)
	m.warnings = append(m.warnings, w)
	if m.opts.Warn != nil {
		m.opts.Warn(w)
	}
}

// readShard reads a shard's run.json and phases.csv; its big files are
// streamed later.
func readShard(dir string) (*shard, error) {
	s := &shard{dir: dir}
	fi, err := os.Stat(dir)
	switch {
	case err != nil:
		return nil, fmt.Errorf("shard %s: %w", dir, err)
	case !fi.IsDir():
		return nil, fmt.Errorf("shard %s: not a run directory", dir)
	}
	if err := rundir.ReadJSON(dir, rundir.MetaFile, &s.meta); err != nil {
		return nil, fmt.Errorf("shard %s: %w", dir, err)
	}
	if s.meta.Shard == nil {
		return nil, fmt.Errorf("shard %s: run.json has no shard: it was not run as one (load.shard.index, count and start_at)", dir)
	}
	if s.meta.StartedAt.IsZero() {
		return nil, fmt.Errorf("shard %s: run.json has no started_at, which places its times", dir)
	}
	if s.phases, err = readPhases(dir); err != nil {
		return nil, fmt.Errorf("shard %s: %w", dir, err)
	}
	for _, f := range []string{rundir.RequestsFile, rundir.PowerFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return nil, fmt.Errorf("shard %s: %w", dir, err)
		}
	}
	return s, nil
}

// check puts the shards in index order and refuses a set that is not the
// shards of one run.
func (m *merger) check() error {
	slices.SortStableFunc(m.shards, func(a, b *shard) int { return a.meta.Shard.Index - b.meta.Shard.Index })
	first := m.shards[0]
	fs := first.meta.Shard
	byIndex := map[int]string{}
	for _, s := range m.shards {
		sh := s.meta.Shard
		switch {
		case sh.Count != fs.Count:
			return fmt.Errorf("shards of different runs: %s is shard %d of %d, %s of %d", first.dir, fs.Index, fs.Count, s.dir, sh.Count)
		case !sh.StartAt.Equal(fs.StartAt):
			return fmt.Errorf("shards of different runs: %s starts at %s, %s at %s (load.shard.start_at)",
				first.dir, fs.StartAt.Format(time.RFC3339), s.dir, sh.StartAt.Format(time.RFC3339))
		case sh.Index < 0 || sh.Index >= sh.Count:
			return fmt.Errorf("shard %s: index %d is not one of %d shards", s.dir, sh.Index, sh.Count)
		}
		if other, dup := byIndex[sh.Index]; dup {
			return fmt.Errorf("%s and %s are both shard %d of %d", other, s.dir, sh.Index, sh.Count)
		}
		byIndex[sh.Index] = s.dir
		if err := sameRun(first, s); err != nil {
			return err
		}
	}
	if len(m.shards) != fs.Count {
		var missing []string
		for i := range fs.Count {
			if _, ok := byIndex[i]; !ok {
				missing = append(missing, fmt.Sprint(i))
			}
		}
		return fmt.Errorf("shard %s of %d missing: every shard's run directory is needed (the load is the shards' together)", strings.Join(missing, ", "), fs.Count)
	}
	if p := m.opts.PowerFrom; p >= fs.Count {
		return fmt.Errorf("--power-from %d: the shards are numbered 0 to %d", p, fs.Count-1)
	}
	for _, s := range m.shards[1:] {
		if s.meta.Name != first.meta.Name {
			m.warnf("shards are named %q (%s) and %q (%s); the merged run takes the first name", first.meta.Name, first.dir, s.meta.Name, s.dir)
		}
		if a, b := first.meta.Backend, s.meta.Backend; a.Type != b.Type || a.Endpoint != b.Endpoint || a.API != b.API {
			m.warnf("shard %d sent to %s %s (%s), shard %d to %s %s (%s): check that they measured one server",
				first.meta.Shard.Index, a.Type, a.Endpoint, a.API, s.meta.Shard.Index, b.Type, b.Endpoint, b.API)
		}
		if s.meta.Interrupted || s.meta.Error != "" {
			m.warnf("shard %d (%s) did not finish cleanly: %s", s.meta.Shard.Index, s.dir, orText(s.meta.Error, "interrupted"))
		}
	}
	if first.meta.Interrupted || first.meta.Error != "" {
		m.warnf("shard %d (%s) did not finish cleanly: %s", fs.Index, first.dir, orText(first.meta.Error, "interrupted"))
	}
	return nil
}

// sameRun refuses shards of different configs: other models, phases or
// load.
func sameRun(a, b *shard) error {
	diff := func(what string, x, y any) error {
		return fmt.Errorf("shards of different runs: %s has %s %v, %s has %v", a.dir, what, x, b.dir, y)
	}
	if !slices.Equal(a.meta.Models, b.meta.Models) {
		return diff("models", a.meta.Models, b.meta.Models)
	}
	if a.meta.Phases != b.meta.Phases {
		return diff("phases", fmt.Sprintf("%+v", a.meta.Phases), fmt.Sprintf("%+v", b.meta.Phases))
	}
	la, lb := a.meta.Load, b.meta.Load
	la.Dataset, lb.Dataset = "", "" // describes where the prompts were read, which may differ
	la.MaxFailureRatio, lb.MaxFailureRatio = nil, nil
	if !reflect.DeepEqual(la, lb) {
		return diff("load", fmt.Sprintf("%+v", la), fmt.Sprintf("%+v", lb))
	}
	ka, kb := phaseKeys(a.phases), phaseKeys(b.phases)
	if !slices.Equal(ka, kb) {
		hint := ""
		for _, s := range []*shard{a, b} {
			if s.meta.Interrupted {
				hint += fmt.Sprintf(" (%s was interrupted)", s.dir)
			}
		}
		return fmt.Errorf("shards of different runs: %s has phases %s, %s has %s%s", a.dir, strings.Join(ka, ", "), b.dir, strings.Join(kb, ", "), hint)
	}
	return nil
}

// wallOrigin is the earliest started_at of the shards.
func (m *merger) wallOrigin() time.Time {
	o := m.shards[0].meta.StartedAt
	for _, s := range m.shards[1:] {
		if s.meta.StartedAt.Before(o) {
			o = s.meta.StartedAt
		}
	}
	return o
}

// copyConfig keeps the first shard's config.yaml (every shard's differs
// in load.shard.index only).
func (m *merger) copyConfig() error {
	data, err := os.ReadFile(filepath.Join(m.shards[0].dir, rundir.ConfigFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("shard %s: %w", m.shards[0].dir, err)
	}
	return rundir.WriteFileAtomic(filepath.Join(m.out, rundir.ConfigFile), data)
}

func ensureEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return os.MkdirAll(dir, 0o777)
	case err != nil:
		return fmt.Errorf("output %s: %w", dir, err)
	case len(entries) > 0:
		return fmt.Errorf("output %s already exists and is not empty; choose another --output or remove it", dir)
	}
	return nil
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
