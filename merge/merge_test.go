package merge

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
)

var (
	t0      = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	startAt = t0.Add(4 * time.Second)
)

// clusterJ is the cluster meter's energy counter at t seconds after t0:
// 100 W, and 300 W while the load runs (4 s to 8 s).
func clusterJ(t float64) float64 {
	switch {
	case t <= 4:
		return 1000 + 100*t
	case t <= 8:
		return 1000 + 400 + 300*(t-4)
	}
	return 1000 + 400 + 1200 + 100*(t-8)
}

func clusterW(t float64) float64 {
	if t > 4 && t < 8 {
		return 300
	}
	return 100
}

// A fakeShard is a shard run directory written by hand.
type fakeShard struct {
	index, count int
	// started is the shard's recorded started_at as seconds after t0;
	// skew is how far its clock is ahead of t0's (its readings are of
	// the true instant started − skew + t_s).
	started, skew float64
	host          string
	readEvery     float64 // cluster meter read every this many seconds, from readFrom
	readFrom      float64
	phases        [][3]any // name, start_s, end_s (own clock)
	requests      []int    // ids, each 10 output tokens, 0.5 s long from its phase's start
	extraMeter    bool     // a rapl meter of its own host
	models        []string
	// refresh and step make the cluster counter coarse: it shows its
	// value as of the last multiple of refresh seconds (an exporter that
	// refreshes that often), rounded down to a multiple of step joules.
	refresh, step float64
}

var requestsHeader = []string{"id", "model", "phase", "start_s", "first_token_s", "end_s",
	"ttft_ms", "e2e_ms", "input_tokens", "output_tokens", "tokens_estimated",
	"finish_reason", "error_class", "error", "chunk_ms", "items", "reasoning_tokens", "streamed", "chunks"}

func writeCSV(t *testing.T, path string, rows [][]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.WriteAll(rows)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func (s fakeShard) write(t *testing.T, dir string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	models := s.models
	if models == nil {
		models = []string{"m"}
	}
	meta := rundir.Meta{
		Tool: "aienergy", Version: "test", Name: "shards", RunID: filepath.Base(dir),
		StartedAt: t0.Add(time.Duration(s.started * float64(time.Second))),
		EndedAt:   t0.Add(10 * time.Second),
		Host:      rundir.Host{Hostname: s.host, OS: "linux", Arch: "amd64", CPUs: 2, RAMTotalGB: 16, CPUModel: "cpu-" + s.host},
		Models:    models,
		Backend:   rundir.Backend{Type: "vllm", Endpoint: "http://server:8000/v1", API: "chat", Stream: true},
		Load:      rundir.Load{Mode: "rate", RateRPS: 1, Requests: 4, Arrival: "poisson", MaxConcurrency: 512},
		Phases:    rundir.Phases{IdleBeforeS: 2, IdleAfterS: 1.5},
		Meters:    []rundir.Meter{{Name: "cluster-gpu", Type: "exporter", Reads: 40, IntervalS: 0.5}},
		Carbon:    rundir.Carbon{CountryISO: "USA", PUE: 1},
		RateStats: []rundir.RateStats{{Model: "m"}},
		Shard:     &rundir.Shard{Index: s.index, Count: s.count, StartAt: startAt},
	}
	meta.RateStats[0].Requests = len(s.requests)
	meta.RateStats[0].RequestedRPS = 0.5
	meta.RateStats[0].LagMs.P99 = float64(s.index + 1)
	if s.extraMeter {
		meta.Meters = append(meta.Meters, rundir.Meter{Name: "host-cpu", Type: "rapl", Reads: 10})
	}
	if err := rundir.WriteJSON(dir, rundir.MetaFile, meta); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, rundir.ConfigFile), []byte(fmt.Sprintf("name: shards # shard %d\n", s.index)), 0o644)

	truth := s.started - s.skew // the true instant of its origin, after t0
	power := [][]string{{"t_s", "unix_s", "meter", "channel", "component", "watts", "joules"}}
	for ts := s.readFrom; ts <= 10+1e-9; ts += s.readEvery {
		abs := truth + ts
		j := clusterJ(abs)
		if s.refresh > 0 {
			j = clusterJ(math.Floor(abs/s.refresh) * s.refresh)
		}
		if s.step > 0 {
			j = math.Floor(j/s.step) * s.step
		}
		power = append(power, []string{fmt.Sprintf("%.6f", ts), fmt.Sprintf("%.6f", float64(t0.Unix())+s.started+ts),
			"cluster-gpu", "gpu0", "gpu", fmt.Sprintf("%.3f", clusterW(abs)), fmt.Sprintf("%.6f", j)})
		if s.extraMeter {
			power = append(power, []string{fmt.Sprintf("%.6f", ts), "", "host-cpu", "package-0", "cpu", "", fmt.Sprintf("%.6f", 5*ts)})
		}
	}
	writeCSV(t, filepath.Join(dir, rundir.PowerFile), power)

	phases := [][]string{{"model", "phase", "start_s", "end_s", "items"}}
	measured := 0.0
	for _, model := range models {
		for _, p := range s.phases {
			phases = append(phases, []string{model, p[0].(string), fmt.Sprintf("%.6f", p[1]), fmt.Sprintf("%.6f", p[2]), ""})
			if p[0] == "measured" {
				measured = p[1].(float64)
			}
		}
	}
	writeCSV(t, filepath.Join(dir, rundir.PhasesFile), phases)

	reqs := [][]string{requestsHeader}
	for k, id := range s.requests {
		start := measured + float64(k)*0.5
		reqs = append(reqs, []string{fmt.Sprint(id), models[0], "measured", fmt.Sprintf("%.6f", start), fmt.Sprintf("%.6f", start+0.1),
			fmt.Sprintf("%.6f", start+0.5), "100.000", "500.000", "20", "10", "false", "length", "", "", "100.000 200.000", "", "", "true", "2"})
	}
	writeCSV(t, filepath.Join(dir, rundir.RequestsFile), reqs)
	return dir
}

// Two shards whose clocks started half a second apart: shard 0 reads the
// cluster meter at 0, 0.5, … s of its clock, shard 1 at 0.25, 0.75, … of
// its own (0.75, 1.25, … of shard 0's).
func twoShards(t *testing.T) (dirs []string) {
	t.Helper()
	root := t.TempDir()
	s0 := fakeShard{index: 0, count: 2, started: 0, host: "a", readEvery: 0.5,
		phases:   [][3]any{{"idle_before", 1.0, 3.0}, {"measured", 4.0, 7.8}, {"idle_after", 8.5, 10.0}},
		requests: []int{0, 2}}
	s1 := fakeShard{index: 1, count: 2, started: 0.5, host: "b", readEvery: 0.5, readFrom: 0.25,
		phases:   [][3]any{{"idle_before", 0.8, 2.8}, {"measured", 3.5, 7.5}, {"idle_after", 8.0, 9.5}},
		requests: []int{1, 3}, extraMeter: true}
	// Given out of order: the merge orders them by index.
	return []string{s1.write(t, filepath.Join(root, "s1")), s0.write(t, filepath.Join(root, "s0"))}
}

func readRows(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.9g, want %.9g (±%g)", what, got, want, tol)
	}
}

// The merged run directory puts every shard on shard 0's clock, lines up
// the phases, keeps one copy of the cluster meter, and aienergy report
// computes from it the energy worked out by hand: 300 W over the merged
// measured phase (4 s to 8 s on the merged clock) is 1200 J, and with
// the 100 W idle baseline 800 J net, plus shard 1's own host CPU (a
// meter only it had, kept) at a constant 5 W: 20 J gross, 0 net. Summing
// the two shards' copies of the cluster meter would give 2420 J.
func TestMergeTwoShards(t *testing.T) {
	dirs := twoShards(t)
	out := filepath.Join(t.TempDir(), "merged")
	var warned []string
	meta, err := Merge(dirs, out, Options{PowerFrom: -1, Warn: func(w string) { warned = append(warned, w) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(warned) > 0 {
		t.Errorf("warnings: %q", warned)
	}

	// run.json: offsets, owners, hosts, statistics added up.
	mg := meta.Merge
	if mg == nil || len(mg.Shards) != 2 || mg.Shards[0].Index != 0 || mg.Shards[1].Index != 1 {
		t.Fatalf("merge record: %+v", mg)
	}
	near(t, "shard 0 offset_s", mg.Shards[0].OffsetS, 0, 1e-9)
	near(t, "shard 1 offset_s", mg.Shards[1].OffsetS, 0.5, 1e-9)
	if mg.Shards[0].Requests != 2 || mg.Shards[1].Requests != 2 {
		t.Errorf("requests per shard: %d, %d", mg.Shards[0].Requests, mg.Shards[1].Requests)
	}
	if c := mg.Shards[1].ClockCheckS; c == nil {
		t.Error("no clock check for shard 1, which read the same counter")
	} else {
		near(t, "shard 1 clock_check_s", *c, 0, 1e-6)
	}
	if mg.PowerFrom["cluster-gpu/gpu0"] != 0 || mg.PowerFrom["host-cpu/package-0"] != 1 || len(mg.PowerFrom) != 2 {
		t.Errorf("power_from = %v, want cluster-gpu from shard 0, host-cpu from shard 1", mg.PowerFrom)
	}
	if meta.Shard != nil || !meta.StartedAt.Equal(t0) || meta.Host.Hostname != "a,b" || meta.Host.CPUs != 4 ||
		meta.Host.RAMTotalGB != 32 || meta.Host.CPUModel != "cpu-a; cpu-b" {
		t.Errorf("run.json: shard %v, started %v, host %+v", meta.Shard, meta.StartedAt, meta.Host)
	}
	if len(meta.Meters) != 2 || meta.Meters[0].Name != "cluster-gpu" || meta.Meters[1].Name != "host-cpu" {
		t.Errorf("meters %+v", meta.Meters)
	}
	if rs := meta.RateStats; len(rs) != 1 || rs[0].Requests != 4 || rs[0].RequestedRPS != 1 || rs[0].LagMs.P99 != 2 {
		t.Errorf("rate_stats %+v: want 4 requests at 1 req/s, the worse p99 lag (2 ms)", rs)
	}
	if cfg, _ := os.ReadFile(filepath.Join(out, rundir.ConfigFile)); !strings.Contains(string(cfg), "shard 0") {
		t.Errorf("config.yaml is not shard 0's: %q", cfg)
	}

	// phases.csv: measured is the union, the idle phases the intersection.
	want := map[string][2]float64{"idle_before": {1.3, 3.0}, "measured": {4.0, 8.0}, "idle_after": {8.5, 10.0}}
	rows := readRows(t, filepath.Join(out, rundir.PhasesFile))
	if len(rows) != 4 {
		t.Fatalf("phases.csv: %q", rows)
	}
	for _, r := range rows[1:] {
		w := want[r[1]]
		if r[2] != fmt.Sprintf("%.6f", w[0]) || r[3] != fmt.Sprintf("%.6f", w[1]) {
			t.Errorf("%s: %s–%s, want %.6f–%.6f", r[1], r[2], r[3], w[0], w[1])
		}
	}
	// requests.csv: every request once, shard 1's moved by 0.5 s.
	rows = readRows(t, filepath.Join(out, rundir.RequestsFile))
	starts := map[string]string{}
	for _, r := range rows[1:] {
		starts[r[0]] = r[3]
	}
	if len(rows) != 5 || starts["0"] != "4.000000" || starts["1"] != "4.000000" || starts["3"] != "4.500000" {
		t.Errorf("request starts %v", starts)
	}
	// power.csv: shard 0's 21 cluster readings and shard 1's 20 host ones.
	rows = readRows(t, filepath.Join(out, rundir.PowerFile))
	n := map[string]int{}
	for _, r := range rows[1:] {
		n[r[2]]++
		if r[2] == "host-cpu" && r[0] == "0.250000" {
			t.Error("shard 1's rows are not on the merged clock")
		}
	}
	if n["cluster-gpu"] != 21 || n["host-cpu"] != 20 {
		t.Errorf("power rows per meter %v, want cluster-gpu 21 (one shard's), host-cpu 20", n)
	}

	sum, _, err := report.GenerateRaw(out)
	if err != nil {
		t.Fatal(err)
	}
	m := sum.Models[0]
	if m.Completed != 4 || m.OutputTokens != 40 {
		t.Errorf("%d completed, %d output tokens; want 4 and 40", m.Completed, m.OutputTokens)
	}
	if m.EnergyJ == nil || m.NetEnergyJ == nil || m.JoulesPerOutputToken == nil {
		t.Fatalf("no energy figures: %+v", m)
	}
	near(t, "energy_j", *m.EnergyJ, 1220, 1e-6)
	near(t, "net_energy_j", *m.NetEnergyJ, 800, 1e-6)
	near(t, "J/output token", *m.JoulesPerOutputToken, 1220.0/40, 1e-6)
}

// --power-from keeps the other shard's copy: its readings straddle the
// edges of the measured phase, so the figure differs from the true
// 1200 J, but by no more than the uncertainty the report states.
func TestMergePowerFrom(t *testing.T) {
	out := filepath.Join(t.TempDir(), "merged")
	meta, err := Merge(twoShards(t), out, Options{PowerFrom: 1})
	if err != nil {
		t.Fatal(err)
	}
	if meta.Merge.PowerFrom["cluster-gpu/gpu0"] != 1 {
		t.Fatalf("power_from %v", meta.Merge.PowerFrom)
	}
	sum, _, err := report.GenerateRaw(out)
	if err != nil {
		t.Fatal(err)
	}
	var gpu *float64
	var u *float64
	for _, c := range sum.Models[0].Channels {
		if c.Key == "cluster-gpu/gpu0" {
			gpu, u = c.EnergyJ, c.UncertaintyJ
		}
	}
	if gpu == nil || u == nil {
		t.Fatalf("no energy or uncertainty for cluster-gpu/gpu0: %+v", sum.Models[0].Channels)
	}
	// By hand: shard 1 read the counter at 3.75 and 4.25 s (1375 and 1475
	// J), 7.75 and 8.25 s (2525 and 2625 J); interpolated at the edges,
	// 1425 and 2575 J, so 1150 J where the truth is 1200 J.
	near(t, "cluster-gpu energy from shard 1", *gpu, 1150, 1e-6)
	if d := math.Abs(*gpu - 1200); d > *u+1e-9 {
		t.Errorf("cluster-gpu energy %.6g J, truth 1200 J, stated uncertainty %.3g J", *gpu, *u)
	}
	if _, err := Merge(twoShards(t), filepath.Join(t.TempDir(), "x"), Options{PowerFrom: 2}); err == nil || !strings.Contains(err.Error(), "--power-from 2") {
		t.Errorf("--power-from 2 of 2 shards: %v", err)
	}
}

// A shard whose clock is off records its started_at off by as much, and
// it began its share of the load at start_at by that clock: its readings
// of the cluster counter reveal the skew. Shard 0 has the true clock;
// shard 1's recorded start is started seconds after it and its clock
// skew seconds ahead, so on the true clock its origin is started − skew
// and its measured phase (4 s to 8 s after t0 by its clock) begins at
// 4 − skew. A skew measured to within half of itself is corrected — the
// offset, the clock check, the request and the merged phase are then
// within the stated uncertainty of the truth — and a coarser one is not,
// with a warning that says why.
func TestMergeClockCorrection(t *testing.T) {
	for _, c := range []struct {
		name               string
		started, skew      float64
		readEvery          float64
		from0, from1       float64 // where each shard's readings begin, own clock
		refresh, step      float64
		checked, corrected bool
		warn               []string
		quiet              bool // no warning at all
	}{
		{name: "fine counter, shard 1 ahead by 250 ms", started: 0.75, skew: 0.25, readEvery: 0.1, from1: 0.03,
			checked: true, corrected: true,
			warn: []string{"shard 1's clock is 0.250 s ahead of shard 0's", "its times are corrected by -0.250 s", "0.250 s early"}},
		{name: "fine counter, shard 1 behind by 250 ms", started: 0.25, skew: -0.25, readEvery: 0.1, from1: 0.03,
			checked: true, corrected: true,
			warn: []string{"shard 1's clock is 0.250 s behind shard 0's", "its times are corrected by +0.250 s", "0.250 s late"}},
		{name: "fine counter, shard 1 ahead by 30 ms", started: 0.53, skew: 0.03, readEvery: 0.1, from1: 0.03,
			checked: true, corrected: true, quiet: true},
		{name: "counter refreshed every 0.5 s, read every 50 ms", started: 0.75, skew: 0.25, readEvery: 0.05, from0: 0.01, from1: 0.03, refresh: 0.5,
			checked: true, corrected: true, warn: []string{"shard 1's clock is 0.270 s ahead of shard 0's"}},
		{name: "counter refreshed every 1 s, read every 0.5 s", started: 0.75, skew: 0.25, readEvery: 0.5, from0: 0.1, from1: 0.2, refresh: 1,
			checked: true,
			warn:    []string{"is not precise enough to correct: a counter value is placed only to within ±0.500 s", "placed by its started_at alone"}},
		{name: "counter in steps of 500 J", started: 0.75, skew: 0.25, readEvery: 0.1, from1: 0.03, step: 500,
			warn: []string{"clocks not checked against shard 0's on cluster-gpu/gpu0", "shard 1 (not checked: only 3 of its readings"}},
		{name: "skew beyond the phase tolerance", started: 1.9, skew: 1.5, readEvery: 0.1, from1: 0.03,
			checked: true, corrected: true,
			warn: []string{"its times are corrected by -1.500 s", "shard 1's clock is +1.500 s (±0.000 s) off shard 0's, more than the phase tolerance (1s)",
				"m: the shards' measured phases began up to 1.500 s apart"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			s0 := fakeShard{index: 0, count: 2, host: "a", readEvery: c.readEvery, readFrom: c.from0, refresh: c.refresh, step: c.step,
				phases: [][3]any{{"measured", 4.0, 8.0}}, requests: []int{0}}
			s1 := fakeShard{index: 1, count: 2, started: c.started, skew: c.skew, host: "b", readEvery: c.readEvery, readFrom: c.from1,
				refresh: c.refresh, step: c.step, phases: [][3]any{{"measured", 4 - c.started, 8 - c.started}}, requests: []int{1}}
			var warned []string
			out := filepath.Join(root, "out")
			meta, err := Merge([]string{s0.write(t, filepath.Join(root, "0")), s1.write(t, filepath.Join(root, "1"))},
				out, Options{PowerFrom: -1, Warn: func(w string) { warned = append(warned, w) }})
			if err != nil {
				t.Fatal(err)
			}
			all := strings.Join(warned, "\n")
			for _, w := range c.warn {
				if !strings.Contains(all, w) {
					t.Errorf("warnings lack %q:\n%s", w, all)
				}
			}
			if c.quiet && len(warned) > 0 {
				t.Errorf("warnings: %q", warned)
			}
			mg := meta.Merge
			if mg.ClockCheckOn != "cluster-gpu/gpu0" || !meta.StartedAt.Equal(t0) {
				t.Errorf("clock_check_on %q, started_at %v", mg.ClockCheckOn, meta.StartedAt)
			}
			ref, sh := mg.Shards[0], mg.Shards[1]
			if ref.OffsetS != 0 || ref.ClockCorrectionS != 0 || ref.ClockCheckS != nil || !strings.HasPrefix(ref.ClockNote, "reference:") {
				t.Errorf("shard 0, the reference: %+v", ref)
			}
			near(t, "wall_offset_s", sh.WallOffsetS, c.started, 1e-9)
			near(t, "offset_s", sh.OffsetS, sh.WallOffsetS+sh.ClockCorrectionS, 1e-12)
			if (sh.ClockCheckS != nil) != c.checked || (sh.ClockCheckUncertaintyS != nil) != c.checked {
				t.Fatalf("clock check %v ± %v, want one: %v (%s)", sh.ClockCheckS, sh.ClockCheckUncertaintyS, c.checked, sh.ClockNote)
			}
			t.Logf("shard 1: %s", sh.ClockNote)
			truth := c.started - c.skew // shard 1's origin on the true clock
			if c.corrected {
				u := *sh.ClockCheckUncertaintyS
				if math.Abs(*sh.ClockCheckS) < 2*u || !strings.HasPrefix(sh.ClockNote, "corrected by") {
					t.Errorf("clock check %+.6f ± %.6f s: corrected, note %q", *sh.ClockCheckS, u, sh.ClockNote)
				}
				near(t, "clock_correction_s", sh.ClockCorrectionS, -*sh.ClockCheckS, 1e-12)
				near(t, "clock_check_s", *sh.ClockCheckS, c.skew, u)
				near(t, "offset_s", sh.OffsetS, truth, u)
			} else {
				if sh.ClockCorrectionS != 0 || !strings.HasPrefix(sh.ClockNote, "not ") {
					t.Errorf("correction %g s, note %q: want none", sh.ClockCorrectionS, sh.ClockNote)
				}
				near(t, "offset_s", sh.OffsetS, c.started, 1e-9)
			}
			// The request timeline and the phases use the offset: shard 1's
			// request began with its measured phase, 4 − started on its clock.
			rows := readRows(t, filepath.Join(out, rundir.RequestsFile))
			for _, r := range rows[1:] {
				if r[0] == "1" && r[3] != formatSeconds(4-c.started+sh.OffsetS) {
					t.Errorf("request 1 starts at %s, want %s", r[3], formatSeconds(4-c.started+sh.OffsetS))
				}
			}
			rows = readRows(t, filepath.Join(out, rundir.PhasesFile))
			if len(rows) != 2 || rows[1][2] != formatSeconds(min(4, 4-c.started+sh.OffsetS)) {
				t.Errorf("phases.csv %q: want the measured phase from %.6f s", rows, min(4, 4-c.started+sh.OffsetS))
			}
		})
	}
}

// Shards that are not one run, or not all of it, are refused with the
// directory named; so is a shard that is damaged.
func TestMergeRefuses(t *testing.T) {
	base := fakeShard{count: 3, host: "a", readEvery: 1, phases: [][3]any{{"measured", 4.0, 8.0}}}
	shard := func(t *testing.T, root string, i int, edit func(*fakeShard)) string {
		s := base
		s.index, s.requests = i, []int{i}
		if edit != nil {
			edit(&s)
		}
		return s.write(t, filepath.Join(root, fmt.Sprint(i)))
	}
	for _, c := range []struct {
		name   string
		dirs   func(t *testing.T, root string) []string
		damage func(t *testing.T, dirs []string)
		want   string
	}{
		{"missing shard", func(t *testing.T, root string) []string {
			return []string{shard(t, root, 0, nil), shard(t, root, 2, nil)}
		}, nil, "shard 1 of 3 missing"},
		{"twice the same", func(t *testing.T, root string) []string {
			d := shard(t, root, 0, nil)
			return []string{d, shard(t, root, 1, nil), d}
		}, nil, "are both shard 0 of 3"},
		{"other models", func(t *testing.T, root string) []string {
			return []string{shard(t, root, 0, nil), shard(t, root, 1, func(s *fakeShard) { s.models = []string{"other"} }), shard(t, root, 2, nil)}
		}, nil, "shards of different runs: " + "%ROOT%/0 has models [m], %ROOT%/1 has [other]"},
		{"other phases", func(t *testing.T, root string) []string {
			return []string{shard(t, root, 0, nil), shard(t, root, 1, func(s *fakeShard) {
				s.phases = append(s.phases, [3]any{"idle_after", 8.5, 9.0})
			}), shard(t, root, 2, nil)}
		}, nil, "has phases m / measured, %ROOT%/1 has m / measured, m / idle_after"},
		{"other shard count", func(t *testing.T, root string) []string {
			return []string{shard(t, root, 0, nil), shard(t, root, 1, func(s *fakeShard) { s.count = 2 }), shard(t, root, 2, nil)}
		}, nil, "is shard 0 of 3, %ROOT%/1 of 2"},
		{"not a directory", func(t *testing.T, root string) []string {
			return []string{shard(t, root, 0, nil), filepath.Join(root, "nope"), shard(t, root, 2, nil)}
		}, nil, "shard %ROOT%/nope: stat"},
		{"corrupt run.json", func(t *testing.T, root string) []string {
			return []string{shard(t, root, 0, nil), shard(t, root, 1, nil), shard(t, root, 2, nil)}
		}, func(t *testing.T, dirs []string) {
			os.WriteFile(filepath.Join(dirs[1], rundir.MetaFile), []byte(`{"tool": "aienergy", "shard": `), 0o644)
		}, "shard %ROOT%/1: %ROOT%/1/run.json: unexpected end of JSON input"},
		{"not a shard", func(t *testing.T, root string) []string {
			return []string{shard(t, root, 0, nil), shard(t, root, 1, nil), shard(t, root, 2, nil)}
		}, func(t *testing.T, dirs []string) {
			var m rundir.Meta
			rundir.ReadJSON(dirs[2], rundir.MetaFile, &m)
			m.Shard = nil
			rundir.WriteJSON(dirs[2], rundir.MetaFile, m)
		}, "shard %ROOT%/2: run.json has no shard"},
		{"no requests.csv", func(t *testing.T, root string) []string {
			return []string{shard(t, root, 0, nil), shard(t, root, 1, nil), shard(t, root, 2, nil)}
		}, func(t *testing.T, dirs []string) {
			os.Remove(filepath.Join(dirs[2], rundir.RequestsFile))
		}, "shard %ROOT%/2: stat %ROOT%/2/requests.csv"},
		{"power.csv without its columns", func(t *testing.T, root string) []string {
			return []string{shard(t, root, 0, nil), shard(t, root, 1, nil), shard(t, root, 2, nil)}
		}, func(t *testing.T, dirs []string) {
			os.WriteFile(filepath.Join(dirs[1], rundir.PowerFile), []byte("t_s,watts\n1,2\n"), 0o644)
		}, `shard %ROOT%/1: %ROOT%/1/power.csv:1: missing column "meter"`},
		{"a request in two shards", func(t *testing.T, root string) []string {
			return []string{shard(t, root, 0, nil), shard(t, root, 1, func(s *fakeShard) { s.requests = []int{1, 0} }), shard(t, root, 2, nil)}
		}, nil, "request 0 of m is in shard 1 (%ROOT%/1) and an earlier shard"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			dirs := c.dirs(t, root)
			if c.damage != nil {
				c.damage(t, dirs)
			}
			_, err := Merge(dirs, filepath.Join(root, "out"), Options{PowerFrom: -1})
			want := strings.ReplaceAll(c.want, "%ROOT%", root)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v\nwant it to contain %q", err, want)
			}
			if _, err := os.Stat(filepath.Join(root, "out", rundir.MetaFile)); err == nil {
				t.Error("a failed merge left a run.json: it would pass for a run")
			}
		})
	}
}

// Phases that disagree by more than the tolerance are merged and warned
// about; idle phases that never overlap leave no baseline, said so.
func TestMergeWarnsOnMisalignedPhases(t *testing.T) {
	root := t.TempDir()
	s0 := fakeShard{index: 0, count: 2, host: "a", readEvery: 0.5,
		phases: [][3]any{{"idle_before", 0.5, 1.5}, {"measured", 4.0, 8.0}}, requests: []int{0}}
	s1 := fakeShard{index: 1, count: 2, host: "a", readEvery: 0.5, extraMeter: true,
		phases: [][3]any{{"idle_before", 2.0, 3.0}, {"measured", 4.0, 9.5}}, requests: []int{1}}
	var warned []string
	_, err := Merge([]string{s0.write(t, filepath.Join(root, "0")), s1.write(t, filepath.Join(root, "1"))},
		filepath.Join(root, "out"), Options{PowerFrom: -1, Warn: func(w string) { warned = append(warned, w) }})
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(warned, "\n")
	for _, want := range []string{
		"m: no instant at which every shard was in its idle_before phase",
		"m: the shards' measured phases ended up to 1.500 s apart (more than 1s)",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
	rows := readRows(t, filepath.Join(root, "out", rundir.PhasesFile))
	if len(rows) != 2 || rows[1][1] != "measured" || rows[1][3] != "9.500000" {
		t.Errorf("phases.csv %q: want the measured phase alone, to 9.5 s", rows)
	}
}

// A meter that reads its own machine (rapl) on two hosts is still kept
// once, with a warning that the other machine's readings are left out.
func TestMergeWarnsOnLocalMeters(t *testing.T) {
	root := t.TempDir()
	s0 := fakeShard{index: 0, count: 2, host: "a", readEvery: 0.5, extraMeter: true,
		phases: [][3]any{{"measured", 4.0, 8.0}}, requests: []int{0}}
	s1 := s0
	s1.index, s1.host, s1.requests = 1, "b", []int{1}
	var warned []string
	meta, err := Merge([]string{s0.write(t, filepath.Join(root, "0")), s1.write(t, filepath.Join(root, "1"))},
		filepath.Join(root, "out"), Options{PowerFrom: -1, Warn: func(w string) { warned = append(warned, w) }})
	if err != nil {
		t.Fatal(err)
	}
	if want := "meter host-cpu (rapl) reads the machine it runs on, and 2 shards on 2 hosts had one: kept from shard 0 (a) only"; !strings.Contains(strings.Join(warned, "\n"), want) {
		t.Errorf("warnings %q lack %q", warned, want)
	}
	if meta.Merge.PowerFrom["host-cpu/package-0"] != 0 {
		t.Errorf("power_from %v", meta.Merge.PowerFrom)
	}
}
