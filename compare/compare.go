package compare

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Latency axes of the Pareto front.
const (
	LatencyE2E  = "e2e"
	LatencyTTFT = "ttft"
)

// Tasks a row can belong to (Options.Tasks can name others).
const (
	TaskTextGeneration = "text-generation"
	TaskMeasure        = "measure"
)

// Options tune a comparison. The zero value is the documented default.
type Options struct {
	// Latency is the Pareto front's latency axis: "e2e" (median end-to-end
	// time, the default) or "ttft" (median time to first token).
	Latency string
	// Sizes gives models' parameter counts, keyed by model name; they win
	// over what a name says ("llama3.1:8b").
	Sizes map[string]float64
	// Tasks names the task of a run's rows, keyed by run id, over the
	// default (text-generation for model servers, measure for commands).
	Tasks map[string]string
	// SizeClasses splits text generation into AIEnergyScore's classes A,
	// B and C by model size before rating.
	SizeClasses bool
	// MixGroups rates stars and draws the front across comparable groups
	// (still warned about) instead of within each group.
	MixGroups bool
}

// Leaderboard is the comparison: rows sorted by task, group, then energy.
type Leaderboard struct {
	Latency  string // the front's latency axis, LatencyE2E or LatencyTTFT
	Mixed    bool   // stars and fronts span comparable groups (Options.MixGroups)
	Rows     []Row
	Groups   []Group
	Warnings []string
}

// Row is one model of one run.
type Row struct {
	Task    string // text-generation, text-generation (class A), measure, …
	Model   string
	RunID   string
	RunName string
	Dir     string
	Group   int // comparable group, 1-based: see Leaderboard.Groups

	// Energy per work, gross and net of the idle baseline. nil: no figure.
	JoulesPerOutputToken    *float64
	NetJoulesPerOutputToken *float64
	WhPer1000Queries        *float64
	NetWhPer1000Queries     *float64
	GPUWhPer1000Queries     *float64 // the gpu component alone (AIEnergyScore's metric)
	GCO2eqPer1000Queries    *float64
	Items                   int      // measure runs: work reported
	JoulesPerItem           *float64 // measure runs
	AvgWatts                *float64

	TTFTP50ms        *float64
	TTFTP99ms        *float64
	E2EP50ms         *float64
	OutputTokensPerS *float64

	EnergyMethod string   // counter, integration, mixed
	Basis        string   // components summed into the energy: "gpu", "cpu+gpu", "wall"
	Meters       []string // meters behind the energy, "name (type)"
	Host         string
	GPU          string   // GPU models, when the run recorded them
	Params       *float64 // model size in parameters, when known

	energyKey string // basis and meter kinds: rows with different keys are not comparable

	Stars      int    // 1–5; 0: not rated
	StarMetric string // what the stars rate: "gpu Wh/1000q", "Wh/1000q", "J/item"
	StarValue  *float64
	Pareto     bool
	Warnings   int // the model's own warnings in its summary.json
}

// Group is a set of rows measured alike: same hardware, same energy basis.
type Group struct {
	ID       int
	Hardware string
	Energy   string // basis components and the meter kinds reading them
	Runs     []string
}

// SizePoint is one row with a known size: power vs model size.
type SizePoint struct {
	Row      int // index into Rows
	Params   float64
	AvgWatts float64
}

// SizePoints lists the rows whose size and average power are known.
func (lb *Leaderboard) SizePoints() []SizePoint {
	var pts []SizePoint
	for i, r := range lb.Rows {
		if r.Params != nil && r.AvgWatts != nil {
			pts = append(pts, SizePoint{Row: i, Params: *r.Params, AvgWatts: *r.AvgWatts})
		}
	}
	return pts
}

// Compare builds the leaderboard of runs.
func Compare(runs []Run, opts Options) (*Leaderboard, error) {
	if len(runs) == 0 {
		return nil, errors.New("compare: no runs to compare")
	}
	switch opts.Latency {
	case "":
		opts.Latency = LatencyE2E
	case LatencyE2E, LatencyTTFT:
	default:
		return nil, fmt.Errorf("compare: latency %q: use %q (median end-to-end) or %q (median time to first token)", opts.Latency, LatencyE2E, LatencyTTFT)
	}
	for m, p := range opts.Sizes {
		if !(p > 0) {
			return nil, fmt.Errorf("compare: size of %s is %g: a parameter count must be positive", m, p)
		}
	}
	lb := &Leaderboard{Latency: opts.Latency, Mixed: opts.MixGroups}
	seenID := map[string]string{}
	for _, run := range runs {
		if prev, ok := seenID[run.ID()]; ok {
			lb.Warnings = append(lb.Warnings, fmt.Sprintf("run id %s appears twice (%s and %s): the rows are told apart by directory only", run.ID(), prev, run.Dir))
		}
		seenID[run.ID()] = run.Dir
		first := len(lb.Rows)
		for _, m := range run.summary.Models {
			lb.Rows = append(lb.Rows, newRow(run, m, opts))
		}
		shareEnergyKey(lb.Rows[first:])
		lb.Warnings = append(lb.Warnings, runWarnings(run)...)
	}
	lb.Groups, lb.Warnings = assignGroups(lb.Rows, runs, lb.Warnings)
	lb.Warnings = append(lb.Warnings, carbonWarnings(runs)...)
	if opts.SizeClasses {
		lb.Warnings = append(lb.Warnings, classify(lb.Rows)...)
	}
	if len(lb.Groups) > 1 {
		if opts.MixGroups {
			lb.Warnings = append(lb.Warnings, fmt.Sprintf("%d comparable groups (column GRP), yet stars and the Pareto front span them all (MixGroups): rows measured on different hardware or meters are ranked together", len(lb.Groups)))
		} else {
			lb.Warnings = append(lb.Warnings, fmt.Sprintf("%d comparable groups (column GRP): stars and the Pareto front are computed within each group", len(lb.Groups)))
		}
	}
	for _, set := range ratingSets(lb.Rows, opts.MixGroups) {
		lb.Warnings = append(lb.Warnings, rate(lb.Rows, set)...)
		front(lb.Rows, set, opts.Latency)
	}
	sortRows(lb.Rows)
	return lb, nil
}

// newRow copies a model's figures out of its run's summary.
func newRow(run Run, m modelFile, opts Options) Row {
	s := run.summary
	r := Row{
		Model: m.Model, RunID: run.ID(), RunName: s.Name, Dir: run.Dir,
		JoulesPerOutputToken:    m.JoulesPerOutputToken,
		NetJoulesPerOutputToken: m.NetJoulesPerOutputToken,
		WhPer1000Queries:        m.WhPer1000Queries,
		NetWhPer1000Queries:     m.NetWhPer1000Queries,
		GCO2eqPer1000Queries:    m.GCO2eqPer1000Queries,
		Items:                   m.Items,
		JoulesPerItem:           m.JoulesPerItem,
		AvgWatts:                m.AvgWatts,
		TTFTP50ms:               m.Latency.TTFT.P50,
		TTFTP99ms:               m.Latency.TTFT.P99,
		E2EP50ms:                m.Latency.E2E.P50,
		OutputTokensPerS:        m.Throughput.OutputTokensPerS,
		EnergyMethod:            m.EnergyMethod,
		Host:                    hostString(s.Host),
		GPU:                     gpuString(s.Host.GPUs),
		Warnings:                len(m.Warnings),
	}
	if gpu, ok := m.Components["gpu"]; ok {
		r.GPUWhPer1000Queries = gpu.WhPer1000Queries
	}
	if m.Completed == 0 {
		// A phase without requests has no latency or throughput worth
		// showing: zeros there would read as infinitely fast.
		r.OutputTokensPerS = nil
	}
	r.Basis, r.Meters, r.energyKey = energyBasis(s, m)
	r.Task = TaskTextGeneration
	if s.Backend.Type == "command" || (m.Items > 0 && m.Completed == 0) {
		r.Task = TaskMeasure
	}
	if t, ok := opts.Tasks[r.RunID]; ok && t != "" {
		r.Task = t
	}
	if p, ok := opts.Sizes[m.Model]; ok {
		r.Params = &p
	} else if p, ok := ModelSize(m.Model); ok {
		r.Params = &p
	}
	return r
}

// shareEnergyKey puts a run's rows without an energy figure in the group
// of its rows with one: the same meters watched them all, and a row with
// nothing to rate should not split a board into more groups.
func shareEnergyKey(rows []Row) {
	key := ""
	for _, r := range rows {
		if r.Basis != "" {
			key = r.energyKey
			break
		}
	}
	if key == "" {
		return
	}
	for i := range rows {
		if rows[i].Basis == "" {
			rows[i].energyKey = key
		}
	}
}

// energyBasis names the components summed into a model's headline energy
// and the meters that read them, and keys what makes two energies
// comparable: the components and the meter kinds (types, not the
// user-chosen names).
func energyBasis(s summaryFile, m modelFile) (basis string, meters []string, key string) {
	comps := map[string]bool{}
	meterNames := map[string]bool{}
	for _, key := range m.EnergyBasis {
		for _, ch := range m.Channels {
			if ch.Key == key {
				comps[ch.Component] = true
				meterNames[ch.Meter] = true
			}
		}
		if name, _, ok := strings.Cut(key, "/"); ok {
			meterNames[name] = true
		}
	}
	kinds := map[string]bool{}
	for _, mt := range s.Meters {
		if meterNames[mt.Name] || (mt.LiveName != "" && meterNames[mt.LiveName]) {
			kind := mt.Type
			if mt.Estimate {
				kind += ", estimate"
			}
			meters = append(meters, mt.Name+" ("+kind+")")
			kinds[kind] = true
		}
	}
	slices.Sort(meters)
	meters = slices.Compact(meters)
	basis = strings.Join(slices.Sorted(maps.Keys(comps)), "+")
	if basis == "" {
		return "", meters, "no energy figure"
	}
	return basis, meters, basis + " by " + strings.Join(slices.Sorted(maps.Keys(kinds)), ", ")
}

func hostString(h hostFile) string {
	s := h.Hostname
	if s == "" {
		s = "unknown host"
	}
	var parts []string
	if h.OS != "" || h.Arch != "" {
		parts = append(parts, strings.Trim(h.OS+"/"+h.Arch, "/"))
	}
	if h.CPUs > 0 {
		parts = append(parts, fmt.Sprintf("%d CPUs", h.CPUs))
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

// gpuString folds a list of GPU models: "2× NVIDIA H100 80GB HBM3".
func gpuString(gpus []string) string {
	count := map[string]int{}
	var order []string
	for _, g := range gpus {
		if count[g] == 0 {
			order = append(order, g)
		}
		count[g]++
	}
	parts := make([]string, len(order))
	for i, g := range order {
		parts[i] = g
		if count[g] > 1 {
			parts[i] = fmt.Sprintf("%d× %s", count[g], g)
		}
	}
	return strings.Join(parts, ", ")
}

// runWarnings carries over what weakens a run's figures as a whole.
func runWarnings(run Run) []string {
	s := run.summary
	var w []string
	if s.Interrupted {
		w = append(w, fmt.Sprintf("run %s was interrupted: its figures cover only what was measured before it stopped", run.ID()))
	}
	if n := len(s.Warnings); n > 0 {
		w = append(w, fmt.Sprintf("run %s has %d warning(s) of its own: see %s/%s", run.ID(), n, run.Dir, SummaryFile))
	}
	for _, m := range s.Models {
		if m.TokensEstimated {
			w = append(w, fmt.Sprintf("run %s, model %s: token counts are estimates (the server sent no usage), so per-token figures are approximate", run.ID(), m.Model))
		}
	}
	return w
}

// carbonWarnings notes when gCO2eq columns rest on different grids.
func carbonWarnings(runs []Run) []string {
	byGrid := map[string][]string{}
	for _, r := range runs {
		c := r.summary.Carbon
		key := c.Name
		if c.GCO2eqPerKWh != nil {
			key += fmt.Sprintf(" %g g/kWh", *c.GCO2eqPerKWh)
		}
		if c.PUE != nil {
			key += fmt.Sprintf(", PUE %g", *c.PUE)
		}
		byGrid[key] = append(byGrid[key], r.ID())
	}
	if len(byGrid) < 2 {
		return nil
	}
	return []string{"gCO2eq figures use different grid intensities or PUE, so they differ by location as well as by energy: " + listing(byGrid)}
}

// listing writes "value: run, run; value: run" in sorted order.
func listing(m map[string][]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + strings.Join(m[k], ", ")
	}
	return strings.Join(parts, "; ")
}

// sortRows orders by task, group, then energy per work (missing last).
func sortRows(rows []Row) {
	slices.SortStableFunc(rows, func(a, b Row) int {
		if c := cmp.Compare(a.Task, b.Task); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Group, b.Group); c != 0 {
			return c
		}
		if c := cmpNil(a.StarValue, b.StarValue); c != 0 {
			return c
		}
		if c := cmpNil(a.JoulesPerOutputToken, b.JoulesPerOutputToken); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Model, b.Model); c != 0 {
			return c
		}
		return cmp.Compare(a.RunID, b.RunID)
	})
}

// cmpNil compares figures, a missing one after any present one.
func cmpNil(a, b *float64) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return cmp.Compare(*a, *b)
}
