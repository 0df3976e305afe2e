package interchange

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// run-constant by hand: 10 requests sent back to back (sequential), each
// 20 input and 10 output tokens, 1 s long, content at 100, 200, … 1000 ms.
//
//	duration 10 s; 1 request/s, 10 output tokens/s, 30 tokens/s
//	TTFT 100 ms, TPOT (1000 − 100)/9 = 100 ms, ITL 100 ms, E2EL 1000 ms
//	max_output_tokens_per_s: second k holds 9 chunks of request k and the
//	last of request k−1 = 10; max_concurrent_requests 1 (a request ends as
//	the next starts; departures count first)
//	energy 1500 J, 15 J/output token, 1500/10/3.6 = 41.667 Wh/1000 queries
func TestVLLMBenchHandComputed(t *testing.T) {
	_, s, raw := generate(t, runConstant)
	var buf bytes.Buffer
	if err := WriteVLLMBench(&buf, s, raw); err != nil {
		t.Fatal(err)
	}
	v := decode(t, buf.Bytes())
	nums := []struct {
		key  string
		want float64
	}{
		{"duration", 10}, {"completed", 10}, {"failed", 0}, {"num_prompts", 10},
		{"total_input_tokens", 200}, {"total_output_tokens", 100},
		{"request_throughput", 1}, {"output_throughput", 10}, {"total_token_throughput", 30},
		{"mean_ttft_ms", 100}, {"median_ttft_ms", 100}, {"p99_ttft_ms", 100},
		{"mean_tpot_ms", 100}, {"mean_itl_ms", 100}, {"p90_itl_ms", 100},
		{"mean_e2el_ms", 1000}, {"median_e2el_ms", 1000},
		{"max_output_tokens_per_s", 10}, {"max_concurrent_requests", 1},
		{"max_concurrency", 1}, {"burstiness", 1}, {"rtfx", 0},
		{"aienergy_energy_j", 1500}, {"aienergy_joules_per_output_token", 15},
		{"aienergy_wh_per_1000_queries", 1500.0 / 10 / 3.6},
	}
	for _, c := range nums {
		got, ok := at(t, v, c.key).(float64)
		if !ok || !near(got, c.want) {
			t.Errorf("%s = %v, want %v", c.key, at(t, v, c.key), c.want)
		}
	}
	if got := at(t, v, "std_ttft_ms").(float64); got > 1e-6 {
		t.Errorf("std_ttft_ms = %v, want ~0 (all equal)", got)
	}
	for key, want := range map[string]any{
		"date": "20261123-000012", "backend": "openai-chat", "endpoint_type": "openai-chat",
		"model_id": "m1", "request_rate": "inf", "label": "constant", "tokenizer_id": "m1", "request_goodput": nil,
	} {
		if got := at(t, v, key); got != want {
			t.Errorf("%s = %v, want %v", key, got, want)
		}
	}
	// Per-request arrays: one entry per request, in send order, seconds.
	if got := at(t, v, "ttfts").([]any); len(got) != 10 || !near(got[3].(float64), 0.1) {
		t.Errorf("ttfts = %v", got)
	}
	itls := at(t, v, "itls").([]any)
	if len(itls) != 10 || len(itls[0].([]any)) != 9 || !near(itls[0].([]any)[0].(float64), 0.1) {
		t.Errorf("itls = %v", itls)
	}
	starts := at(t, v, "start_times").([]any)
	if len(starts) != 10 || starts[0] != 2.0 || starts[9] != 11.0 {
		t.Errorf("start_times = %v", starts)
	}
	if got := at(t, v, "output_lens").([]any); len(got) != 10 || got[0] != 10.0 {
		t.Errorf("output_lens = %v", got)
	}
	// vLLM's key order: setup, then traffic, then the result.
	var keys []string
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.HasPrefix(line, `  "`) {
			keys = append(keys, strings.Split(line, `"`)[1])
		}
	}
	head := []string{"date", "endpoint_type", "backend", "label", "model_id", "tokenizer_id", "num_prompts",
		"request_rate", "burstiness", "max_concurrency", "duration", "completed", "failed"}
	if !slices.Equal(keys[:len(head)], head) {
		t.Errorf("keys begin %v, want %v", keys[:len(head)], head)
	}
	checkGolden(t, buf.Bytes(), "run-constant/vllm_bench.json")
}

// run-two by hand. m1: concurrency 2, four 2 s requests starting at 2, 2,
// 4, 4 s, content at 200, 650, 1100, 1550, 2000 ms, 30 in / 5 out tokens;
// 150 W over [2, 6] s = 600 J. org/m2: three such requests (content every
// 400 ms from 400 ms) and one that failed with HTTP 500 after 300 ms with
// no content; 250 W over [10, 14] s = 1000 J.
//
//	m1: TTFT 200 ms, TPOT (2000−200)/4 = 450 ms, ITL 450 ms, 1 req/s,
//	    5 tok/s, (120+20)/4 = 35 tok/s; peak concurrency 2; chunks per
//	    second from t=2: 4, 4, 2+4, 4, 2 → max 6; 600/20 = 30 J/token;
//	    tokens/kWh 20/(600 × 1.5 (PUE)/3.6e6) = 80000
//	org/m2: completed 3, failed 1, 15 output / 120 input tokens, TTFT
//	    400 ms, TPOT 400 ms; the failure: ttft 0, output_len 0, latency 0,
//	    error "http"; 1000 J; 15/(1000 × 1.5/3.6e6) = 36000 tokens/kWh
func TestWriteAllTwoModels(t *testing.T) {
	dir, s, raw := generate(t, "testdata/run-two")
	paths, err := WriteAll(dir, s, raw)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	want := []string{"benchmark_report.json", "optimum_benchmark_report.json", "vllm_bench.json",
		"benchmark_report_m1.json", "optimum_benchmark_report_m1.json", "vllm_bench_m1.json",
		"benchmark_report_org_m2.json", "optimum_benchmark_report_org_m2.json", "vllm_bench_org_m2.json"}
	if !slices.Equal(names, want) {
		t.Fatalf("wrote %v, want %v", names, want)
	}
	// The plain names describe the first model (Canonical).
	for _, kind := range []string{"benchmark_report", "optimum_benchmark_report", "vllm_bench"} {
		plain, _ := os.ReadFile(filepath.Join(dir, kind+".json"))
		own, _ := os.ReadFile(filepath.Join(dir, kind+"_m1.json"))
		if !bytes.Equal(plain, own) {
			t.Errorf("%s.json is not m1's", kind)
		}
	}
	read := func(name string) map[string]any {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		checkGolden(t, data, filepath.Join("run-two", name))
		return decode(t, data)
	}
	checks := []struct {
		file, key string
		want      float64
	}{
		{"vllm_bench_m1.json", "mean_ttft_ms", 200},
		{"vllm_bench_m1.json", "mean_tpot_ms", 450},
		{"vllm_bench_m1.json", "mean_itl_ms", 450},
		{"vllm_bench_m1.json", "total_token_throughput", 35},
		{"vllm_bench_m1.json", "max_concurrent_requests", 2},
		{"vllm_bench_m1.json", "max_output_tokens_per_s", 6},
		{"vllm_bench_m1.json", "max_concurrency", 2},
		{"vllm_bench_m1.json", "aienergy_joules_per_output_token", 30},
		{"benchmark_report_m1.json", "decode.energy.total", 600 * 1.5 / 3.6e6},
		{"benchmark_report_m1.json", "decode.efficiency.value", 80000},
		{"benchmark_report_m1.json", "prefill.latency.mean", 0.2},
		{"vllm_bench_org_m2.json", "completed", 3},
		{"vllm_bench_org_m2.json", "failed", 1},
		{"vllm_bench_org_m2.json", "num_prompts", 4},
		{"vllm_bench_org_m2.json", "total_output_tokens", 15},
		{"vllm_bench_org_m2.json", "total_input_tokens", 120},
		{"vllm_bench_org_m2.json", "mean_ttft_ms", 400},
		{"vllm_bench_org_m2.json", "mean_tpot_ms", 400},
		{"vllm_bench_org_m2.json", "aienergy_energy_j", 1000},
		{"benchmark_report_org_m2.json", "decode.efficiency.value", 36000},
		{"benchmark_report_org_m2.json", "prefill.latency.count", 3},
	}
	files := map[string]map[string]any{}
	for _, c := range checks {
		if files[c.file] == nil {
			files[c.file] = read(c.file)
		}
		got, ok := at(t, files[c.file], c.key).(float64)
		if !ok || !near(got, c.want) {
			t.Errorf("%s %s = %v, want %v", c.file, c.key, at(t, files[c.file], c.key), c.want)
		}
	}
	m2 := files["vllm_bench_org_m2.json"]
	last := func(key string) any { a := at(t, m2, key).([]any); return a[len(a)-1] }
	for key, want := range map[string]any{"errors": "http", "output_lens": 0.0, "latencies": 0.0, "ttfts": 0.0, "start_times": 12.0} {
		if got := last(key); got != want {
			t.Errorf("failed request's %s = %v, want %v", key, got, want)
		}
	}
	if got := at(t, m2, "errors").([]any)[0]; got != "" {
		t.Errorf("a successful request's error = %q, want empty", got)
	}
	// No temporary files left behind.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("left %s", e.Name())
		}
	}
}

func TestWriteAllSingleModelNames(t *testing.T) {
	dir, s, raw := generate(t, runConstant)
	paths, err := WriteAll(dir, s, raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 || filepath.Base(paths[0]) != BenchmarkReportFile || filepath.Base(paths[1]) != OptimumReportFile ||
		filepath.Base(paths[2]) != VLLMBenchFile {
		t.Errorf("wrote %v", paths)
	}
}

// Models whose file-safe forms would collide each get their own files
// (rundir.FileNames adds a hash), neither overwriting the other.
func TestWriteAllCollidingFileNames(t *testing.T) {
	dir, s, raw := generate(t, "testdata/run-two")
	s.Models[0].Model = "org_m2" // the other is org/m2
	paths, err := WriteAll(dir, s, raw)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range paths {
		seen[p] = true
	}
	if len(paths) != 9 || len(seen) != 9 {
		t.Errorf("wrote %v, want nine distinct files", paths)
	}
}

func TestVLLMBackendNames(t *testing.T) {
	_, s, raw := generate(t, runConstant)
	cases := []struct{ typ, api, want string }{
		{"vllm", "chat", "openai-chat"}, {"vllm", "completions", "openai"},
		{"sglang", "chat", "openai-chat"}, {"ollama", "chat", "ollama"}, {"triton", "", "triton"},
	}
	for _, c := range cases {
		s.Backend.Type, s.Backend.API = c.typ, c.api
		var buf bytes.Buffer
		if err := WriteVLLMBench(&buf, s, raw); err != nil {
			t.Fatal(err)
		}
		if got := at(t, decode(t, buf.Bytes()), "backend"); got != c.want {
			t.Errorf("%s/%s: backend %v, want %s", c.typ, c.api, got, c.want)
		}
	}
}
