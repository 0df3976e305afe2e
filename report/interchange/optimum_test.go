package interchange

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/report"
)

// run-constant by hand (report/report_test.go has the fixture): the GPU
// counter gives 150 W × 10 s = 1500 J over the measured phase; 10
// requests of 10 output tokens, first token at 100 ms, a chunk every
// 100 ms, one second each.
//
//	energy 1500 J = 1500/3.6e6 kWh = 4.1667e-4 kWh, all GPU
//	efficiency 100 tokens / 4.1667e-4 kWh = 240000 tokens/kWh
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
		{"decode.energy.total", 1500 / 3.6e6},
		{"decode.energy.gpu", 1500 / 3.6e6},
		{"decode.efficiency.value", 240000},
		{"prefill.latency.mean", 0.1},
		{"prefill.latency.count", 10},
		{"prefill.latency.total", 1.0},
		{"prefill.latency.p95", 0.1},
		{"decode.latency.mean", 0.9},
		{"per_token.latency.count", 90},
		{"per_token.latency.mean", 0.1},
		{"prefill.throughput.value", 1},
		{"decode.throughput.value", 10},
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
	}
	for _, c := range strs {
		if got := at(t, v, c.path); got != c.want {
			t.Errorf("%s = %v, want %q", c.path, got, c.want)
		}
	}
	// Not measured: null, never 0.
	for _, p := range []string{"decode.energy.cpu", "decode.energy.ram", "prefill.energy", "prefill.efficiency",
		"decode.memory", "per_token.energy", "per_token.throughput", "preprocess.latency", "preprocess.energy"} {
		if got := at(t, v, p); got != nil {
			t.Errorf("%s = %v, want null", p, got)
		}
	}
	// The targets AIEnergyScore's report has, in its order.
	var keys []string
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.HasPrefix(line, `  "`) {
			keys = append(keys, strings.Split(line, `"`)[1])
		}
	}
	if want := []string{"prefill", "decode", "per_token", "preprocess"}; !slices.Equal(keys, want) {
		t.Errorf("targets %v, want %v", keys, want)
	}
	checkGolden(t, buf.Bytes(), "run-constant/benchmark_report.json")
}

// AIEnergyScore's summarize_gpu_wh.py adds energy.gpu (kWh) of preprocess,
// prefill and decode and reports Wh: it must read the measured GPU energy.
func TestBenchmarkReportAIEnergyScoreGPUWh(t *testing.T) {
	_, s, raw := generate(t, runConstant)
	var buf bytes.Buffer
	if err := WriteBenchmarkReport(&buf, s, raw); err != nil {
		t.Fatal(err)
	}
	v := decode(t, buf.Bytes())
	wh := 0.0
	for _, phase := range []string{"preprocess", "prefill", "decode"} {
		e, _ := at(t, v, phase).(map[string]any)["energy"].(map[string]any)
		if e == nil {
			continue
		}
		if g, ok := e["gpu"].(float64); ok {
			wh += g * 1000
		}
	}
	if want := 1500 / 3600.0; !near(wh, want) {
		t.Errorf("GPU Wh as AIEnergyScore sums it = %v, want %v", wh, want)
	}
}

// Without a meter there is no energy: energy and efficiency are null, the
// latencies are still there.
func TestBenchmarkReportNoEnergy(t *testing.T) {
	_, s, raw := generate(t, runConstant)
	s.Models[0].EnergyJ = nil
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
	if got := at(t, v, "prefill.latency.count"); got != 10.0 {
		t.Errorf("prefill.latency.count = %v, want 10", got)
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
