package interchange

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/report"
)

// run-constant by hand (report/report_test.go has the fixture): the GPU
// counter gives 150 W × 10 s = 1500 J over the measured phase, PUE 1.5;
// 10 requests of 10 output tokens, first token at 100 ms, a chunk every
// 100 ms, one second each.
//
//	energy 1500 J × 1.5 = 2250/3.6e6 kWh = 6.25e-4 kWh, all GPU
//	efficiency 100 tokens / 6.25e-4 kWh = 160000 tokens/kWh
//	prefill latency 0.1 s × 10; decode 0.9 s × 10; per-token 0.1 s × 90
//	throughput 1 request/s, 10 tokens/s
func TestBenchmarkReportHandComputed(t *testing.T) {
	_, s, raw := generate(t, runConstant)
	var buf bytes.Buffer
	if err := WriteBenchmarkReport(&buf, s, raw); err != nil {
		t.Fatal(err)
	}
	v := decode(t, buf.Bytes())
	nums := []struct {
		path string
		want float64
	}{
		{"decode.energy.total", 2250 / 3.6e6},
		{"decode.energy.gpu", 2250 / 3.6e6},
		{"decode.energy.cpu", 0}, // not metered: 0, a number optimum-benchmark can format
		{"decode.energy.ram", 0},
		{"decode.efficiency.value", 160000},
		{"prefill.latency.mean", 0.1},
		{"prefill.latency.count", 10},
		{"prefill.latency.total", 1.0},
		{"prefill.latency.p95", 0.1},
		{"decode.latency.mean", 0.9},
		{"per_token.latency.count", 90},
		{"per_token.latency.mean", 0.1},
		{"prefill.throughput.value", 1},
		{"decode.throughput.value", 10},
		// ai_energy_benchmarks' sections
		{"summary.total_prompts", 10},
		{"summary.successful_prompts", 10},
		{"summary.total_tokens", 300},
		{"summary.total_completion_tokens", 100},
		{"summary.avg_latency_seconds", 1},
		{"summary.avg_time_to_first_token", 0.1},
		{"summary.throughput_tokens_per_second", 30},
		{"energy.gpu_energy_wh", 2250 / 3600.0},
		{"energy.total_energy_wh", 2250 / 3600.0},
		{"energy.cpu_energy_wh", 0},
		{"energy.emissions_g_co2eq", 0.25},
		{"energy.carbon_intensity_g_per_kwh", 400},
	}
	for _, c := range nums {
		got, ok := at(t, v, c.path).(float64)
		if !ok || !near(got, c.want) {
			t.Errorf("%s = %v, want %v", c.path, at(t, v, c.path), c.want)
		}
	}
	strs := []struct{ path, want string }{
		{"decode.energy.unit", "kWh"},
		{"decode.efficiency.unit", "tokens/kWh"},
		{"prefill.latency.unit", "s"},
		{"prefill.throughput.unit", "samples/s"},
		{"decode.throughput.unit", "tokens/s"},
		{"config.model", "m1"},
		{"config.label", "m1"},
	}
	for _, c := range strs {
		if got := at(t, v, c.path); got != c.want {
			t.Errorf("%s = %v, want %q", c.path, got, c.want)
		}
	}
	// Not measured: null, never an invented figure.
	for _, p := range []string{"prefill.energy", "prefill.efficiency",
		"decode.memory", "per_token.energy", "per_token.throughput", "preprocess.latency", "preprocess.energy"} {
		if got := at(t, v, p); got != nil {
			t.Errorf("%s = %v, want null", p, got)
		}
	}
	// The targets AIEnergyScore's report has, in its order, then the
	// sections of ai_energy_benchmarks' results.
	if want := []string{"prefill", "decode", "per_token", "preprocess", "config", "summary", "energy"}; !slices.Equal(topKeys(buf.Bytes()), want) {
		t.Errorf("top-level keys %v, want %v", topKeys(buf.Bytes()), want)
	}
	checkGolden(t, buf.Bytes(), "run-constant/benchmark_report.json")
}

func topKeys(data []byte) []string {
	var keys []string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, `  "`) {
			keys = append(keys, strings.Split(line, `"`)[1])
		}
	}
	return keys
}

// optimum_benchmark_report.json loads in optimum-benchmark and prints
// (OB rules in consumers_test.go); benchmark_report.json does not, only
// because of the ai_energy_benchmarks sections AIEnergyScore needs.
func TestOptimumReportLoads(t *testing.T) {
	for _, fixture := range []string{runConstant, "testdata/run-prefill", "testdata/run-two"} {
		dir, s, raw := generate(t, fixture)
		if _, err := WriteAll(dir, s, raw); err != nil {
			t.Fatal(err)
		}
		ob := decode(t, requireFile(t, filepath.Join(dir, OptimumReportFile)))
		if err := optimumLoad(ob); err != nil {
			t.Errorf("%s: optimum-benchmark cannot load %s: %v", fixture, OptimumReportFile, err)
		}
		if want := []string{"prefill", "decode", "per_token", "preprocess"}; !slices.Equal(topKeys(requireFile(t, filepath.Join(dir, OptimumReportFile))), want) {
			t.Errorf("%s: targets %v, want %v", fixture, topKeys(requireFile(t, filepath.Join(dir, OptimumReportFile))), want)
		}
		aies := decode(t, requireFile(t, filepath.Join(dir, BenchmarkReportFile)))
		for _, k := range []string{"config", "summary", "energy"} {
			delete(aies, k)
		}
		if err := optimumLoad(aies); err != nil {
			t.Errorf("%s: the targets of %s: %v", fixture, BenchmarkReportFile, err)
		}
	}
	// The loader is strict: it would have caught yesterday's nulls.
	if err := optimumLoad(map[string]any{"decode": map[string]any{"energy": map[string]any{"unit": "kWh", "cpu": nil, "ram": nil, "gpu": 1.0, "total": 1.0}}}); err == nil {
		t.Error("optimumLoad accepts a null cpu energy")
	}
}

// AIEnergyScore's readers of benchmark_report.json, on a run with a
// prefill-only run beside the full one (testdata/run-prefill): GPU 100 W
// and CPU 30 W for the prefill run's 4 s, GPU 250 W and CPU 50 W for the
// full run's 4 s; 4 requests each, the full run's of 5 output tokens;
// PUE 1.5, 400 g/kWh.
//
//	prefill: GPU 400 J, CPU 120 J (per request 130 J × 4 requests)
//	decode = full − prefill: GPU 1000 − 400 = 600 J, CPU 200 − 120 = 80 J
//	in kWh × 1.5: prefill total 520 × 1.5 / 3.6e6, decode 680 × 1.5 / 3.6e6
//	prefill efficiency 4 requests / prefill kWh; decode (20 − 4) tokens / decode kWh
//	GPU Wh (both summarizers): (400 + 600) × 1.5 / 3600 = 0.41667
func TestBenchmarkReportPrefillDecode(t *testing.T) {
	dir, s, raw := generate(t, "testdata/run-prefill")
	if _, err := WriteAll(dir, s, raw); err != nil {
		t.Fatal(err)
	}
	path, err := findReport(dir)
	if err != nil {
		t.Fatal(err)
	}
	data := requireFile(t, path)
	v := decode(t, data)
	kWh := func(j float64) float64 { return j * 1.5 / 3.6e6 }
	for _, c := range []struct {
		path string
		want float64
	}{
		{"prefill.energy.gpu", kWh(400)}, {"prefill.energy.cpu", kWh(120)}, {"prefill.energy.ram", 0}, {"prefill.energy.total", kWh(520)},
		{"decode.energy.gpu", kWh(600)}, {"decode.energy.cpu", kWh(80)}, {"decode.energy.total", kWh(680)},
		{"prefill.efficiency.value", 4 / kWh(520)}, {"decode.efficiency.value", 16 / kWh(680)},
		{"energy.gpu_energy_wh", 1000 * 1.5 / 3600},
		{"energy.cpu_energy_wh", 200 * 1.5 / 3600},
		{"energy.total_energy_wh", 1200 * 1.5 / 3600},
	} {
		if got, ok := at(t, v, c.path).(float64); !ok || !near(got, c.want) {
			t.Errorf("%s = %v, want %v", c.path, at(t, v, c.path), c.want)
		}
	}
	if got := at(t, v, "prefill.efficiency.unit"); got != "samples/kWh" {
		t.Errorf("prefill.efficiency.unit = %v", got)
	}
	if got := at(t, v, "config.label"); got != "m1" {
		t.Errorf("benchmark_report.json describes %v, want the full run m1", got)
	}
	// energy_star: decode = generate − prefill, so the phases add up to
	// the run, and both summarizers read the same GPU energy.
	up := summarizeUpstream(v)
	head, err := summarizeHead(v)
	if err != nil {
		t.Fatal(err)
	}
	if want := 1000 * 1.5 / 3600; !near(up, want) || !near(head, want) {
		t.Errorf("GPU Wh: upstream summarizer %v, current %v, want %v", up, head, want)
	}
	checkGolden(t, data, "run-prefill/benchmark_report.json")

	// The prefill-only run's own file is that run, whole, under decode.
	own := decode(t, requireFile(t, filepath.Join(dir, "benchmark_report_m1__prefill_.json")))
	if got := at(t, own, "prefill.energy"); got != nil {
		t.Errorf("the prefill run's own prefill.energy = %v, want null", got)
	}
	if got := at(t, own, "decode.energy.total").(float64); !near(got, kWh(520)) {
		t.Errorf("the prefill run's decode.energy.total = %v, want %v", got, kWh(520))
	}
}

// AIEnergyScore's batch runner hands benchmark_report.json to its
// aggregator, which reads the ai_energy_benchmarks sections with
// get(key, 0): every one must be there, a number, and give the run's
// figures, not zeros.
func TestBenchmarkReportAIEnergyScoreAggregator(t *testing.T) {
	_, s, raw := generate(t, runConstant)
	var buf bytes.Buffer
	if err := WriteBenchmarkReport(&buf, s, raw); err != nil {
		t.Fatal(err)
	}
	v := decode(t, buf.Bytes())
	for _, k := range []string{"total_prompts", "successful_prompts", "failed_prompts", "total_duration_seconds",
		"avg_latency_seconds", "avg_time_to_first_token", "total_tokens", "total_prompt_tokens",
		"total_completion_tokens", "throughput_tokens_per_second"} {
		if _, ok := at(t, v, "summary."+k).(float64); !ok {
			t.Errorf("summary.%s = %v, want a number", k, at(t, v, "summary."+k))
		}
	}
	row, err := aggregatorRow(v)
	if err != nil {
		t.Fatal(err)
	}
	m := s.Models[0]
	// Its Wh per 1000 queries is the GPU energy (× PUE) per completed
	// request: aienergy's figure × PUE, the GPU being the only meter.
	for key, want := range map[string]float64{
		"successful_prompts":  10,
		"gpu_energy_wh":       2250 / 3600.0,
		"emissions_g_co2eq":   *m.GCO2eq,
		"wh_per_1000_queries": *m.WhPer1000Queries * 1.5,
		"tokens_per_joule":    300 / 2250.0,
	} {
		if !near(row[key], want) {
			t.Errorf("aggregator %s = %v, want %v", key, row[key], want)
		}
	}
}

// Without a meter there is no energy: the targets' energy and efficiency
// are null (optimum-benchmark skips a null measurement), the
// ai_energy_benchmarks figures 0 as that tool writes them without a
// tracker, and the latencies are still there.
func TestBenchmarkReportNoEnergy(t *testing.T) {
	_, s, raw := generate(t, runConstant)
	s.Models[0].EnergyJ, s.Models[0].GCO2eq = nil, nil
	var buf bytes.Buffer
	if err := WriteBenchmarkReport(&buf, s, raw); err != nil {
		t.Fatal(err)
	}
	v := decode(t, buf.Bytes())
	for _, p := range []string{"decode.energy", "decode.efficiency"} {
		if got := at(t, v, p); got != nil {
			t.Errorf("%s = %v, want null", p, got)
		}
	}
	if got := at(t, v, "energy.gpu_energy_wh"); got != 0.0 {
		t.Errorf("energy.gpu_energy_wh = %v, want 0", got)
	}
	if got := at(t, v, "prefill.latency.count"); got != 10.0 {
		t.Errorf("prefill.latency.count = %v, want 10", got)
	}
	delete(v, "config")
	delete(v, "summary")
	delete(v, "energy")
	if err := optimumLoad(v); err != nil {
		t.Error(err)
	}
}

// Without streaming there is no first token to split a request at.
func TestBenchmarkReportNonStreaming(t *testing.T) {
	_, s, raw := generate(t, runConstant)
	s.Backend.Stream = false
	var buf bytes.Buffer
	if err := WriteBenchmarkReport(&buf, s, raw); err != nil {
		t.Fatal(err)
	}
	v := decode(t, buf.Bytes())
	for _, p := range []string{"prefill.latency", "per_token.latency"} {
		if got := at(t, v, p); got != nil {
			t.Errorf("%s = %v, want null", p, got)
		}
	}
	if got := at(t, v, "decode.latency.mean").(float64); !near(got, 1.0) {
		t.Errorf("decode.latency.mean = %v, want the end-to-end 1 s", got)
	}
}

// A run with several labels has a benchmark_report.json too: without one
// AIEnergyScore's summarizer raises FileNotFoundError. It describes the
// canonical label.
func TestCanonical(t *testing.T) {
	cases := []struct {
		labels []string
		want   string
	}{
		{[]string{"m1"}, "m1"},
		{[]string{"a", "b"}, "a"},                               // several models: the first
		{[]string{"m [prefill]", "m"}, "m"},                     // the full run, not the prefill-only one
		{[]string{"m [#1]", "m [#2]"}, "m [#1]"},                // repetitions: the first
		{[]string{"m [c=1]", "m [c=4]", "m [c=16]"}, "m [c=1]"}, // a sweep: its first point
		{[]string{"m [c=1 prefill]", "m [c=1]"}, "m [c=1]"},
		{[]string{"m [prefill]"}, "m [prefill]"},
	}
	_, s, _ := generate(t, runConstant)
	for _, c := range cases {
		s.Models = nil
		for _, l := range c.labels {
			s.Models = append(s.Models, analysis.ModelResult{Model: l})
		}
		if got := Canonical(s); got != c.want {
			t.Errorf("%v: canonical %q, want %q", c.labels, got, c.want)
		}
	}
}

func TestSingleModelWritersRefuseMultiModelRuns(t *testing.T) {
	_, s, raw := generate(t, "testdata/run-two")
	writers := map[string]func(*bytes.Buffer, *report.Summary) error{
		"benchmark report": func(b *bytes.Buffer, s *report.Summary) error { return WriteBenchmarkReport(b, s, raw) },
		"vllm":             func(b *bytes.Buffer, s *report.Summary) error { return WriteVLLMBench(b, s, raw) },
	}
	for name, w := range writers {
		err := w(&bytes.Buffer{}, s)
		if err == nil || !strings.Contains(err.Error(), "m1, org/m2") || !strings.Contains(err.Error(), "WriteAll") {
			t.Errorf("%s: err = %v, want one naming the models and WriteAll", name, err)
		}
	}
	if err := WriteModelBenchmarkReport(&bytes.Buffer{}, s, raw, "nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("unknown model: err = %v", err)
	}
	s.Models = nil
	if err := WriteBenchmarkReport(&bytes.Buffer{}, s, raw); err == nil {
		t.Error("a run without models: no error")
	}
}
