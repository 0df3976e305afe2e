package compare

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixture loads the three hand-written runs: a-h100 and b-h100 on the same
// H100 host (read by exporter meters of different names), c-a100 on an
// A100 host read by NVML, with one model ("tiny") that has no energy.
func fixture(t *testing.T, opts Options) *Leaderboard {
	t.Helper()
	runs, err := Load("testdata/runs")
	if err != nil {
		t.Fatal(err)
	}
	lb, err := Compare(runs, opts)
	if err != nil {
		t.Fatal(err)
	}
	return lb
}

func row(t *testing.T, lb *Leaderboard, run, model string) Row {
	t.Helper()
	for _, r := range lb.Rows {
		if r.RunID == run && r.Model == model {
			return r
		}
	}
	t.Fatalf("no row %s/%s", run, model)
	return Row{}
}

func TestStarsAndGroups(t *testing.T) {
	// Group 1 (H100, exporter): gpu Wh/1000q 10, 20, 36, 60 → range 50,
	// sections 10 wide: 10 → f 0 → 5★; 20 → 5·10/50 = 1.0, on a boundary,
	// so the less efficient section → 4★; 36 → 2.6 → 3★; 60 → 1★.
	// Group 2 (A100, nvml): one rated row → 5★; tiny has no energy → 0.
	tests := []struct {
		run, model string
		group      int
		stars      int
		front      bool // e2e
	}{
		{"a-h100", "qwen2.5:0.5b", 1, 5, true},
		{"a-h100", "llama3.1:8b", 1, 4, true},
		{"b-h100", "mistral-7b", 1, 3, true},
		{"b-h100", "Llama-3.3-70B-Instruct", 1, 1, false},
		{"c-a100", "llama3.1:8b", 2, 5, true},
		{"c-a100", "tiny", 2, 0, false},
	}
	lb := fixture(t, Options{})
	if len(lb.Rows) != len(tests) {
		t.Fatalf("%d rows, want %d", len(lb.Rows), len(tests))
	}
	for _, tt := range tests {
		r := row(t, lb, tt.run, tt.model)
		if r.Group != tt.group || r.Stars != tt.stars || r.Pareto != tt.front {
			t.Errorf("%s/%s: group %d stars %d front %v, want %d %d %v", tt.run, tt.model, r.Group, r.Stars, r.Pareto, tt.group, tt.stars, tt.front)
		}
		if tt.stars > 0 && r.StarMetric != MetricGPUWh {
			t.Errorf("%s/%s rated on %q, want %q", tt.run, tt.model, r.StarMetric, MetricGPUWh)
		}
	}
	if len(lb.Groups) != 2 {
		t.Fatalf("groups %+v, want 2", lb.Groups)
	}
	if g := lb.Groups[0]; strings.Join(g.Runs, ",") != "a-h100,b-h100" || g.Energy != "gpu by exporter" || !strings.Contains(g.Hardware, "H100") {
		t.Errorf("group 1 = %+v", g)
	}
	// Rows sort by task, group, then the rated figure.
	var order []string
	for _, r := range lb.Rows {
		order = append(order, r.Model)
	}
	if got := strings.Join(order, ","); got != "qwen2.5:0.5b,llama3.1:8b,mistral-7b,Llama-3.3-70B-Instruct,llama3.1:8b,tiny" {
		t.Errorf("order %s", got)
	}
}

func TestMixedHardwareWarnings(t *testing.T) {
	lb := fixture(t, Options{})
	all := strings.Join(lb.Warnings, "\n")
	for _, want := range []string{
		"different hardware",
		"NVIDIA H100 80GB HBM3: a-h100, b-h100",
		"NVIDIA A100-SXM4-40GB: c-a100",
		"different meter kinds: gpu by exporter: a-h100, b-h100; gpu by nvml: c-a100",
		"different grid intensities",
		"2 comparable groups",
		"model tiny: no gpu Wh/1000q figure",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}

	// Two runs on one machine, same meter kind: nothing to flag.
	runs, err := Load("testdata/runs/a-h100", "testdata/runs/b-h100")
	if err != nil {
		t.Fatal(err)
	}
	same, err := Compare(runs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(same.Groups) != 1 || len(same.Warnings) != 0 {
		t.Errorf("same hardware: groups %d, warnings %q", len(same.Groups), same.Warnings)
	}
}

func TestParetoTTFT(t *testing.T) {
	// J/token vs TTFT p50: qwen (0.05, 50) and the 70B (0.9, 40) are on
	// the front; llama 8b (0.2, 80) and mistral (0.3, 100) are dominated
	// by qwen. Group 2's only point is its own front.
	lb := fixture(t, Options{Latency: LatencyTTFT})
	want := map[string]bool{
		"a-h100/qwen2.5:0.5b": true, "a-h100/llama3.1:8b": false,
		"b-h100/mistral-7b": false, "b-h100/Llama-3.3-70B-Instruct": true,
		"c-a100/llama3.1:8b": true, "c-a100/tiny": false,
	}
	for _, r := range lb.Rows {
		if r.Pareto != want[r.RunID+"/"+r.Model] {
			t.Errorf("%s/%s front %v", r.RunID, r.Model, r.Pareto)
		}
	}
}

func TestMixGroups(t *testing.T) {
	// One set over both groups: 10, 20, 36, 60 and the A100's 30 → the
	// A100 row: 5·20/50 = 2 → 3★. Its front point (0.25, 1700) is
	// dominated by llama 8b on the H100 (0.2, 1500).
	lb := fixture(t, Options{MixGroups: true})
	r := row(t, lb, "c-a100", "llama3.1:8b")
	if r.Stars != 3 || r.Pareto {
		t.Errorf("mixed: A100 row stars %d front %v, want 3 false", r.Stars, r.Pareto)
	}
	if !strings.Contains(strings.Join(lb.Warnings, "\n"), "span them all") {
		t.Errorf("mixing not warned: %q", lb.Warnings)
	}
}

func TestSizes(t *testing.T) {
	lb := fixture(t, Options{Sizes: map[string]float64{"tiny": 135e6}, SizeClasses: true})
	tests := map[string]struct {
		params float64
		task   string
	}{
		"a-h100/qwen2.5:0.5b":           {0.5e9, "text-generation (class A)"},
		"b-h100/mistral-7b":             {7e9, "text-generation (class A)"},
		"b-h100/Llama-3.3-70B-Instruct": {70e9, "text-generation (class C)"},
		"c-a100/tiny":                   {135e6, "text-generation (class A)"},
	}
	for _, r := range lb.Rows {
		tt, ok := tests[r.RunID+"/"+r.Model]
		if !ok {
			continue
		}
		if r.Params == nil || *r.Params != tt.params || r.Task != tt.task {
			t.Errorf("%s/%s: params %v task %q, want %g %q", r.RunID, r.Model, r.Params, r.Task, tt.params, tt.task)
		}
	}
	// The 70B is alone in class C, so it gets 5★ there; class A in group
	// 1 rates 10, 20, 36 → 36 is the maximum → 1★.
	if r := row(t, lb, "b-h100", "Llama-3.3-70B-Instruct"); r.Stars != 5 {
		t.Errorf("70B alone in class C: %d stars", r.Stars)
	}
	if r := row(t, lb, "b-h100", "mistral-7b"); r.Stars != 1 {
		t.Errorf("mistral, most energy in class A: %d stars", r.Stars)
	}
	// Power vs size: every row with a size and a power (tiny has none).
	if n := len(lb.SizePoints()); n != 5 {
		t.Errorf("%d size points, want 5", n)
	}
}

func TestStarSections(t *testing.T) {
	tests := []struct {
		x, lo, hi float64
		want      int
	}{
		{10, 10, 60, 5},
		{19.99, 10, 60, 5},
		{20, 10, 60, 4}, // on a boundary: the less efficient section
		{35, 10, 60, 3},
		{49.99, 10, 60, 2},
		{50, 10, 60, 1},
		{60, 10, 60, 1},
		{7, 7, 7, 5}, // all equal
	}
	for _, tt := range tests {
		if got := stars(tt.x, tt.lo, tt.hi); got != tt.want {
			t.Errorf("stars(%g in [%g, %g]) = %d, want %d", tt.x, tt.lo, tt.hi, got, tt.want)
		}
	}
}

func TestStarMetricFallsBackToHeadline(t *testing.T) {
	// One row has no gpu component (a wall meter only): the set is rated
	// on the headline Wh/1000q, never on a mix of the two.
	f := func(v float64) *float64 { return &v }
	rows := []Row{
		{Model: "a", Task: TaskTextGeneration, WhPer1000Queries: f(10), GPUWhPer1000Queries: f(8)},
		{Model: "b", Task: TaskTextGeneration, WhPer1000Queries: f(30)},
		{Model: "c", Task: TaskTextGeneration, WhPer1000Queries: f(20), GPUWhPer1000Queries: f(1)},
	}
	if w := rate(rows, []int{0, 1, 2}); len(w) != 0 {
		t.Errorf("warnings %q", w)
	}
	for i, want := range []int{5, 1, 3} {
		if rows[i].StarMetric != MetricWh || rows[i].Stars != want {
			t.Errorf("row %s: %d stars on %q, want %d on %q", rows[i].Model, rows[i].Stars, rows[i].StarMetric, want, MetricWh)
		}
	}
}

func TestMeasureRunsRateJoulesPerItem(t *testing.T) {
	dir := t.TempDir()
	summary := `{"schema": "aienergy.summary/v1", "name": "cnn", "run_id": "cnn",
	  "host": {"hostname": "lab3"}, "backend": {"type": "command", "endpoint": "python3 cnn.py"},
	  "meters": [{"name": "rapl", "type": "rapl"}],
	  "models": [
	    {"model": "resnet18", "items": 1000, "joules_per_item": 0.5, "energy_basis": ["rapl/package-0"], "energy_method": "counter",
	     "channels": [{"key": "rapl/package-0", "meter": "rapl", "component": "cpu"}], "wh_per_1000_queries": null,
	     "latency": {"ttft_ms": {"count": 0, "p50": null}, "e2e_ms": {"count": 0, "p50": null}}},
	    {"model": "resnet152", "items": 1000, "joules_per_item": 2.5, "energy_basis": ["rapl/package-0"], "energy_method": "counter",
	     "channels": [{"key": "rapl/package-0", "meter": "rapl", "component": "cpu"}]}
	  ]}`
	if err := os.WriteFile(filepath.Join(dir, "summary.json"), []byte(summary), 0o644); err != nil {
		t.Fatal(err)
	}
	runs, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := Compare(runs, Options{Tasks: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range lb.Rows {
		want := map[string]int{"resnet18": 5, "resnet152": 1}[r.Model]
		if r.Task != TaskMeasure || r.StarMetric != MetricJItem || r.Stars != want || r.Pareto || r.Basis != "cpu" {
			t.Errorf("%s: task %q metric %q stars %d front %v basis %q", r.Model, r.Task, r.StarMetric, r.Stars, r.Pareto, r.Basis)
		}
	}
	// A task named by the user replaces the default.
	lb, err = Compare(runs, Options{Tasks: map[string]string{"cnn": "image-classification"}})
	if err != nil {
		t.Fatal(err)
	}
	if r := lb.Rows[0]; r.Task != "image-classification" || r.StarMetric != MetricJItem {
		t.Errorf("task %q metric %q", r.Task, r.StarMetric)
	}
}

func TestCompareErrors(t *testing.T) {
	runs, err := Load("testdata/runs/a-h100")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		runs []Run
		opts Options
		want string
	}{
		{"no runs", nil, Options{}, "no runs"},
		{"latency", runs, Options{Latency: "p99"}, `latency "p99"`},
		{"size", runs, Options{Sizes: map[string]float64{"m": -1}}, "size of m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compare(tt.runs, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestFrontTiesAndMissing(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	rows := []Row{
		{Model: "same-a", JoulesPerOutputToken: f(1), E2EP50ms: f(100)},
		{Model: "same-b", JoulesPerOutputToken: f(1), E2EP50ms: f(100)}, // identical: both on the front
		{Model: "slower", JoulesPerOutputToken: f(1), E2EP50ms: f(150)}, // equal energy, worse latency
		{Model: "fast", JoulesPerOutputToken: f(3), E2EP50ms: f(50)},
		{Model: "no-latency", JoulesPerOutputToken: f(0.1)}, // cannot be placed
	}
	front(rows, []int{0, 1, 2, 3, 4}, LatencyE2E)
	want := []bool{true, true, false, true, false}
	for i, r := range rows {
		if r.Pareto != want[i] {
			t.Errorf("%s: front %v, want %v", r.Model, r.Pareto, want[i])
		}
	}
}

// TestReadsReportOutput reads a summary.json written by package report
// (its golden file), so a schema change there that breaks this reader
// shows up here.
func TestReadsReportOutput(t *testing.T) {
	runs, err := Load("../report/testdata/golden/run-constant")
	if err != nil {
		t.Fatal(err)
	}
	lb, err := Compare(runs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := lb.Rows[0]
	near := func(p *float64, want float64) bool { return p != nil && *p > want-1e-6 && *p < want+1e-6 }
	if r.Model != "m1" || !near(r.JoulesPerOutputToken, 15) || !near(r.NetJoulesPerOutputToken, 10) ||
		!near(r.GPUWhPer1000Queries, 1500.0/10/3.6) || !near(r.E2EP50ms, 1000) || !near(r.TTFTP50ms, 100) ||
		!near(r.OutputTokensPerS, 10) || !near(r.GCO2eqPer1000Queries, 25) {
		t.Errorf("row %+v", r)
	}
	if r.Basis != "gpu" || r.EnergyMethod != "counter" || strings.Join(r.Meters, ",") != "dcgm (exporter)" || r.Stars != 5 || !r.Pareto {
		t.Errorf("basis %q method %q meters %v stars %d front %v", r.Basis, r.EnergyMethod, r.Meters, r.Stars, r.Pareto)
	}
}
