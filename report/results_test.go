package report

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/load"
	"github.com/aienergy/aienergy/rundir"
)

// The POC's results, as neuralwatt/ai_energy_benchmarks da72ea7 (the
// README in shared/seeds) builds them: runner.py _aggregate_results
// (lines 225-247) for a vLLM run with CodeCarbon — energy is
// metrics/codecarbon.py stop() (lines 108-118), backend_info
// backends/vllm.py get_endpoint_info (lines 68-74), metrics_metadata
// codecarbon.py get_metadata (lines 154-165).
type node struct {
	key  string
	kids []node
}

func leaves(keys ...string) []node {
	out := make([]node, len(keys))
	for i, k := range keys {
		out[i] = node{key: k}
	}
	return out
}

var pocResults = []node{
	{"config", leaves("name", "backend", "model", "dataset", "num_samples")},
	{"summary", leaves("total_prompts", "successful_prompts", "failed_prompts", "total_duration_seconds",
		"avg_latency_seconds", "total_tokens", "total_prompt_tokens", "total_completion_tokens", "throughput_tokens_per_second")},
	{"energy", leaves("emissions_kg_co2eq", "emissions_g_co2eq", "energy_kwh", "energy_wh", "duration_seconds",
		"carbon_intensity_g_per_kwh", "project_name", "country", "region")},
	{"backend_info", leaves("backend", "endpoint", "model", "healthy", "validated")},
	{"metrics_metadata", leaves("name", "version", "capabilities", "project_name", "output_dir")},
}

// flatten is CSVReporter._flatten_dict (reporters/csv_reporter.py lines
// 69-92): nested keys joined with "_", depth first, in order.
func flatten(nodes []node, parent string) []string {
	var out []string
	for _, n := range nodes {
		k := n.key
		if parent != "" {
			k = parent + "_" + k
		}
		if n.kids == nil {
			out = append(out, k)
		} else {
			out = append(out, flatten(n.kids, k)...)
		}
	}
	return out
}

// results.csv begins with the POC reporter's columns, in its order:
// the flattened results, then the "timestamp" report() adds (line 34).
func TestResultsCSVIsThePOCReporters(t *testing.T) {
	rows := generatedCSV(t, "run-constant", "results.csv")
	poc := append(flatten(pocResults, ""), "timestamp")
	if !slices.Equal(rows[0][:len(poc)], poc) {
		t.Fatalf("header begins\n%v\nwant the POC's\n%v", rows[0][:len(poc)], poc)
	}
	for _, h := range rows[0][len(poc):] {
		if !strings.HasPrefix(h, "aienergy_") {
			t.Errorf("column %q after the POC's is not aienergy_*", h)
		}
	}
	get := func(name string) string { return rows[1][slices.Index(rows[0], name)] }
	num := func(name string) float64 {
		f, err := strconv.ParseFloat(get(name), 64)
		if err != nil {
			t.Fatalf("%s = %q: %v", name, get(name), err)
		}
		return f
	}
	// What the POC computed from its inputs (runner.py lines 215-242,
	// codecarbon.py lines 108-114), with run-constant's figures: 10
	// requests of 20 + 10 tokens, 10 s, 1500 J × PUE 1.5, 400 g/kWh.
	for name, c := range map[string]struct{ got, want float64 }{
		"total = successful + failed":           {num("summary_total_prompts"), num("summary_successful_prompts") + num("summary_failed_prompts")},
		"total_tokens = prompt + completion":    {num("summary_total_tokens"), num("summary_total_prompt_tokens") + num("summary_total_completion_tokens")},
		"throughput = total_tokens / duration":  {num("summary_throughput_tokens_per_second"), num("summary_total_tokens") / num("summary_total_duration_seconds")},
		"avg_latency_seconds":                   {num("summary_avg_latency_seconds"), 1},
		"energy_kwh: CodeCarbon's, × PUE":       {num("energy_energy_kwh"), 1500 * 1.5 / 3.6e6},
		"energy_wh = energy_kwh × 1000":         {num("energy_energy_wh"), num("energy_energy_kwh") * 1000},
		"emissions_g = emissions_kg × 1000":     {num("energy_emissions_g_co2eq"), num("energy_emissions_kg_co2eq") * 1000},
		"emissions_g / energy_kwh = intensity":  {num("energy_emissions_g_co2eq") / num("energy_energy_kwh"), num("energy_carbon_intensity_g_per_kwh")},
		"the intensity, g/kWh":                  {num("energy_carbon_intensity_g_per_kwh"), 400},
		"energy_duration_seconds":               {num("energy_duration_seconds"), 10},
		"config_num_samples: requests measured": {num("config_num_samples"), 10},
		"aienergy_energy_j: aienergy's, gross":  {num("aienergy_energy_j"), 1500},
		"aienergy_concurrency: sequential is 1": {num("aienergy_concurrency"), 1},
	} {
		if math.Abs(c.got-c.want) > 1e-9*math.Max(1, math.Abs(c.want)) {
			t.Errorf("%s: %v, want %v", name, c.got, c.want)
		}
	}
	for name, want := range map[string]string{
		"config_model": "m1", "config_backend": "vllm", "backend_info_model": "m1",
		"backend_info_healthy": "True", "backend_info_validated": "True", // Python's str(bool)
		"metrics_metadata_capabilities": "gpu_energy,carbon_emissions", "energy_country": "USA",
	} {
		if got := get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	// datetime.isoformat(): microseconds only when there are any.
	if _, err := time.Parse("2006-01-02T15:04:05", get("timestamp")); err != nil {
		t.Errorf("timestamp %q: %v", get("timestamp"), err)
	}
	if got := pyISOFormat(time.Date(2026, 1, 2, 3, 4, 5, 678901234, time.UTC)); got != "2026-01-02T03:04:05.678901" {
		t.Errorf("pyISOFormat = %q", got)
	}
}

// A reporter's output_file that the POC's CSVReporter wrote takes
// aienergy's rows (its columns, by name); a file with other columns is
// refused, untouched.
func TestAppendResults(t *testing.T) {
	dir := copyRun(t, "run-constant")
	s, _, err := GenerateRaw(dir)
	if err != nil {
		t.Fatal(err)
	}
	ours := resultsTable(s)
	poc := append(flatten(pocResults, ""), "timestamp")
	pocRow := "gpt_oss_120b_poc,vllm,openai/gpt-oss-120b,AIEnergyScore/text_generation,10,10,10,0,41.2,4.1,3000,1000,2000,72.8," +
		"0.0021,2.1,0.0055,5.5,41.2,5.1e-05,gpt_oss_120b_poc,USA,,vllm,http://localhost:8000/v1,openai/gpt-oss-120b,True,True," +
		`codecarbon,3.0.7,"gpu_energy,cpu_energy,ram_energy,carbon_emissions",gpt_oss_120b_poc,./emissions,2025-10-06T19:19:53.123456` + "\n"

	path := filepath.Join(t.TempDir(), "gpt_oss_120b_results.csv")
	writeFile(t, path, strings.Join(poc, ",")+"\n"+pocRow)
	if err := appendResults(path, ours); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, path)
	if len(rows) != 3 || !slices.Equal(rows[0], poc) {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	for i, name := range poc {
		if want := ours.rows[0][slices.Index(ours.header, name)]; rows[2][i] != want {
			t.Errorf("%s = %q, want %q", name, rows[2][i], want)
		}
	}

	own := filepath.Join(t.TempDir(), "results.csv")
	for range 2 {
		if err := appendResults(own, ours); err != nil {
			t.Fatal(err)
		}
	}
	if rows := readCSV(t, own); len(rows) != 3 || !slices.Equal(rows[0], resultsHeader) {
		t.Errorf("own file: %d rows", len(rows))
	}

	foreign := filepath.Join(t.TempDir(), "other.csv")
	writeFile(t, foreign, "name,run_id\n1,2\n")
	if err := appendResults(foreign, ours); err == nil || !strings.Contains(err.Error(), "other columns") {
		t.Errorf("err = %v", err)
	}
	if data, _ := os.ReadFile(foreign); string(data) != "name,run_id\n1,2\n" {
		t.Errorf("the foreign file was modified: %q", data)
	}
}

// Each label records its own load: a sweep's points are not all the
// configured concurrency.
func TestLoadOf(t *testing.T) {
	s := &Summary{}
	s.Load.Mode, s.Load.Concurrency = "concurrency", 4
	for _, c := range []struct {
		mode, label string
		want        LabelLoad
	}{
		{"concurrency", "m", LabelLoad{Model: "m", Mode: "concurrency", Concurrency: 4}},
		{"concurrency", "org/m [c=16]", LabelLoad{Model: "org/m", Mode: "concurrency", Concurrency: 16}},
		{"concurrency", "m [stage=heavy c=8 #2]", LabelLoad{Model: "m", Mode: "concurrency", Concurrency: 8}},
		{"concurrency", "m [rate=2.5]", LabelLoad{Model: "m", Mode: "rate", RateRPS: 2.5}},
		{"sequential", "m [#3]", LabelLoad{Model: "m", Mode: "sequential", Concurrency: 1}},
		{"rate", "m", LabelLoad{Model: "m", Mode: "rate", RateRPS: 5, MaxConcurrency: 8}},
	} {
		s.Load.Mode, s.Load.RateRPS, s.Load.MaxConcurrency = c.mode, 0, 0
		if c.mode == "rate" {
			s.Load.RateRPS, s.Load.MaxConcurrency = 5, 8
		}
		if got := s.LoadOf(c.label); got != c.want {
			t.Errorf("%s %q: %+v, want %+v", c.mode, c.label, got, c.want)
		}
	}
	// A rate sweep point's cap, from its rate_stats (the default 512 of an
	// open loop when load.max_concurrency was not given).
	s.Load.Mode, s.Load.MaxConcurrency = "concurrency", 0
	s.RateStats = []rundir.RateStats{{Model: "m [rate=20]", RateStats: load.RateStats{MaxConcurrency: 512, RequestedRPS: 20}}}
	if got, want := s.LoadOf("m [rate=20]"), (LabelLoad{Model: "m", Mode: "rate", RateRPS: 20, MaxConcurrency: 512}); got != want {
		t.Errorf("rate point: %+v, want %+v", got, want)
	}
}
