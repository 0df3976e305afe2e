package config

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// The seed's example config must load unchanged and mean what it meant.
func TestSeedConfig(t *testing.T) {
	c, err := Load("testdata/seed_gpt_oss_120b.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"source", c.Source, "testdata/seed_gpt_oss_120b.yaml"},
		{"name", c.Name, "gpt_oss_120b_poc"},
		{"backend.type", c.Backend.Type, "vllm"},
		{"backend.device", c.Backend.Device, "cuda"},
		{"backend.device_ids", c.Backend.DeviceIDs, []int{0}},
		{"models", c.Models(), []string{"openai/gpt-oss-120b"}},
		{"backend.endpoint", c.Backend.Endpoint, "http://localhost:8000/v1"},
		{"dataset", c.Scenario.DatasetName, "AIEnergyScore/text_generation"},
		{"text column", c.Scenario.TextColumnName, "text"},
		{"num_samples", c.Scenario.NumSamples, 10},
		{"max_new_tokens", c.Scenario.GenerateKwargs.MaxTokens, 100},
		{"min_new_tokens", c.Scenario.GenerateKwargs.MinTokens, 50},
		{"metrics.type", c.Metrics.Type, "codecarbon"},
		{"metrics.enabled", c.Metrics.Enabled, true},
		{"project", c.Metrics.ProjectName, "gpt_oss_120b_poc"},
		{"emissions dir", c.Metrics.OutputDir, "./emissions"},
		{"country", c.Metrics.CountryISOCode, "USA"},
		{"reporters", c.Reporters, []Reporter{{Type: "csv", OutputFile: "./results/gpt_oss_120b_results.csv"}}},
		// Defaults for what the seed did not say.
		{"api", c.Backend.API, "chat"},
		{"stream", c.Backend.Stream, true},
		{"timeout", c.Backend.Timeout, 5 * time.Minute},
		{"mode", c.Load.Mode, "sequential"},
		{"concurrency", c.Load.Concurrency, 1},
		{"requests follow num_samples", c.Load.Requests, 10},
		{"idle_before", c.Phases.IdleBefore, 5 * time.Second},
		{"warmup", c.Phases.WarmupRequests, 2},
		{"idle_after", c.Phases.IdleAfter, 5 * time.Second},
		{"interval", c.Sampling.Interval, 100 * time.Millisecond},
		{"pue", c.Metrics.PUE, 1.0},
		{"carbon intensity", c.Metrics.CarbonIntensity, (*float64)(nil)},
		{"output dir", c.Output.Dir, "runs"},
		{"meters", len(c.Meters), 0},
	}
	for _, ck := range checks {
		if !reflect.DeepEqual(ck.got, ck.want) {
			t.Errorf("%s = %#v, want %#v", ck.name, ck.got, ck.want)
		}
	}
}

func TestDefaultConfig(t *testing.T) {
	c, err := Default(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Source != DefaultSource {
		t.Errorf("Source = %q", c.Source)
	}
	if c.Backend.Type != "sim" || !slices.Equal(c.Models(), []string{"sim-model"}) {
		t.Errorf("backend = %s %v, want sim [sim-model]", c.Backend.Type, c.Models())
	}
	if c.Scenario.DatasetName != BuiltinDataset || c.Scenario.GenerateKwargs.MaxTokens != 64 {
		t.Errorf("scenario = %+v", c.Scenario)
	}
	if c.Load.Mode != "concurrency" || c.Load.Concurrency != 4 || c.Load.Requests != 120 {
		t.Errorf("load = %+v", c.Load)
	}
	if c.Phases != (Phases{IdleBefore: 5 * time.Second, WarmupRequests: 2, IdleAfter: 5 * time.Second}) {
		t.Errorf("phases = %+v", c.Phases)
	}
	if len(c.Meters) != 1 {
		t.Fatalf("meters = %+v", c.Meters)
	}
	m := c.Meters[0]
	if m.Name != "sim-gpu" || m.Type != "exporter" || !m.Enabled ||
		!reflect.DeepEqual(m.Options, map[string]any{"url": "sim", "preset": "dcgm"}) {
		t.Errorf("meter = %+v", m)
	}
	if c.Sampling.Interval != 100*time.Millisecond || c.Metrics.CountryISOCode != "USA" {
		t.Errorf("sampling %v, country %q", c.Sampling.Interval, c.Metrics.CountryISOCode)
	}
	if c.Backend.Sim.TTFT != 50*time.Millisecond || c.Backend.Sim.MaxNumSeqs != 16 || c.Backend.Sim.GPUs != 1 {
		t.Errorf("sim = %+v", c.Backend.Sim)
	}
	if !strings.Contains(string(DefaultYAML()), "type: sim") {
		t.Errorf("DefaultYAML does not look like the default config")
	}
}

// Redacted output is itself a valid config that loads to the same values,
// except for what it leaves out on purpose.
func TestRedactedRoundTrip(t *testing.T) {
	for _, load := range []func() (*Config, error){
		func() (*Config, error) { return Default(nil) },
		func() (*Config, error) { return Load("testdata/seed_gpt_oss_120b.yaml", nil) },
		func() (*Config, error) { return Load("testdata/full.yaml", nil) },
	} {
		c, err := load()
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.Redacted()
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse(c.Source, out, nil)
		if err != nil {
			t.Fatalf("re-loading Redacted output of %s: %v\n%s", c.Source, err, out)
		}
		a, b := comparable(c), comparable(again)
		// By design the output leaves out what cannot matter (the simulator
		// block of a non-sim backend) and what must not be shown (headers).
		if c.Backend.Type != "sim" {
			if b.Backend.Sim != defaults().Backend.Sim {
				t.Errorf("%s: backend.sim came back as %+v, want the defaults", c.Source, b.Backend.Sim)
			}
			b.Backend.Sim = a.Backend.Sim
		}
		for k := range a.Backend.Headers {
			if b.Backend.Headers[k] != "REDACTED" {
				t.Errorf("%s: header %s came back as %q", c.Source, k, b.Backend.Headers[k])
			}
			b.Backend.Headers[k] = a.Backend.Headers[k]
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: round trip changed the config:\n before %+v\n after  %+v", c.Source, a, b)
		}
	}
}

// comparable strips what legitimately differs between two loads of the
// same values: where they came from.
func comparable(c *Config) Config {
	out := *c
	out.src, out.Source = nil, ""
	out.Meters = nil
	for _, m := range c.Meters {
		m.Node = nil
		out.Meters = append(out.Meters, m)
	}
	return out
}

// full.yaml sets every key; check the ones the seed does not have.
func TestFullConfig(t *testing.T) {
	c, err := Load("testdata/full.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	temp, ci := 0.7, 350.0
	want := Backend{
		Type: "vllm", Device: "cuda", DeviceIDs: []int{0, 1},
		Models:   []string{"meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen2.5-0.5B-Instruct"},
		Endpoint: "http://gpu-box:8000/v1", API: "completions", Stream: false,
		APIKeyEnv: "VLLM_API_KEY", Headers: map[string]string{"X-Team": "energy"},
		Timeout: 90 * time.Second, IgnoreEOS: true, LaunchTimeout: 10 * time.Minute, BatchSize: 1,
		Sim: Sim{TTFT: 20 * time.Millisecond, ITL: 5 * time.Millisecond, MaxNumSeqs: 64,
			IdleWatts: 80, WattsPerSeq: 10, MaxWatts: 700, GPUs: 2, Seed: 42, MetricsRefresh: 2 * time.Second},
	}
	if !reflect.DeepEqual(c.Backend, want) {
		t.Errorf("backend:\n got %+v\nwant %+v", c.Backend, want)
	}
	if got := c.Models(); !slices.Equal(got, want.Models) {
		t.Errorf("Models() = %v", got)
	}
	wantScenario := Scenario{
		DatasetName: BuiltinDataset, TextColumnName: "text", NumSamples: 5,
		Prompts:        []string{"Explain photosynthesis.", "Write a haiku about GPUs."},
		GenerateKwargs: GenerateKwargs{MaxTokens: 256, MinTokens: 256, IgnoreEOS: true, Temperature: &temp},
	}
	if !reflect.DeepEqual(c.Scenario, wantScenario) {
		t.Errorf("scenario:\n got %+v\nwant %+v", c.Scenario, wantScenario)
	}
	if c.Load != (Workload{Mode: "concurrency", Concurrency: 8, Requests: 200, Duration: 90 * time.Second, MaxFailureRatio: 0.1}) {
		t.Errorf("load = %+v", c.Load)
	}
	if c.Phases != (Phases{IdleBefore: 5 * time.Second, WarmupRequests: 4, IdleAfter: 25 * time.Second}) {
		t.Errorf("phases = %+v", c.Phases)
	}
	if c.Sampling.Interval != 50*time.Millisecond {
		t.Errorf("interval = %v", c.Sampling.Interval)
	}
	wantMetrics := Metrics{Type: "codecarbon", Enabled: true, ProjectName: "full", OutputDir: "./emissions",
		CountryISOCode: "FRA", CarbonIntensity: &ci, PUE: 1.2}
	if !reflect.DeepEqual(c.Metrics, wantMetrics) {
		t.Errorf("metrics:\n got %+v\nwant %+v", c.Metrics, wantMetrics)
	}
	wantReporters := []Reporter{{Type: "csv", OutputFile: "results.csv"}, {Type: "json"}}
	if !reflect.DeepEqual(c.Reporters, wantReporters) {
		t.Errorf("reporters = %+v", c.Reporters)
	}
	if c.Output.Dir != "/tmp/aienergy-runs" {
		t.Errorf("output.dir = %q", c.Output.Dir)
	}
	// Meter names: explicit; the type alone; type-index when types repeat.
	var names []string
	for _, m := range c.Meters {
		names = append(names, m.Name)
	}
	if want := []string{"gpu", "rapl", "snmp-2", "snmp-3"}; !slices.Equal(names, want) {
		t.Errorf("meter names = %v, want %v", names, want)
	}
	if c.Meters[1].Enabled {
		t.Errorf("meters[1].enabled = true, want false")
	}
	if !c.IgnoreEOS() {
		t.Errorf("IgnoreEOS() = false")
	}
}

func TestDurations(t *testing.T) {
	tests := []struct {
		text string
		want time.Duration
	}{
		{"5s", 5 * time.Second},
		{"100ms", 100 * time.Millisecond},
		{"1m30s", 90 * time.Second},
		{"5", 5 * time.Second},           // a number of seconds
		{"2.5", 2500 * time.Millisecond}, // fractional seconds
		{`"7"`, 7 * time.Second},         // quoted number: still seconds
		{"0", 0},
	}
	for _, tt := range tests {
		yaml := "backend: {type: sim, model: m}\nphases:\n  idle_before: " + tt.text + "\n"
		c, err := Parse("d.yaml", []byte(yaml), nil)
		if err != nil {
			t.Errorf("%s: %v", tt.text, err)
			continue
		}
		if c.Phases.IdleBefore != tt.want {
			t.Errorf("%s: got %v, want %v", tt.text, c.Phases.IdleBefore, tt.want)
		}
	}
}

func TestLoadDefaultsThatDependOnOtherKeys(t *testing.T) {
	const sim = "backend: {type: sim, model: m}\n"
	tests := []struct {
		name, yaml string
		want       Workload
	}{
		{"requests follow num_samples", sim + "scenario: {num_samples: 7}\n", Workload{Mode: "sequential", Concurrency: 1, Requests: 7}},
		{"explicit requests win", sim + "scenario: {num_samples: 7}\nload: {requests: 3}\n", Workload{Mode: "sequential", Concurrency: 1, Requests: 3}},
		{"concurrency implies mode", sim + "load: {concurrency: 3}\n", Workload{Mode: "concurrency", Concurrency: 3, Requests: 10}},
		{"sequential forces one", sim + "load: {mode: sequential, concurrency: 3}\n", Workload{Mode: "sequential", Concurrency: 1, Requests: 10}},
		{"mode is case-insensitive", sim + "load: {mode: Concurrency, concurrency: 2}\n", Workload{Mode: "concurrency", Concurrency: 2, Requests: 10}},
		{"duration run needs no count", sim + "load: {duration: 30, requests: 0}\n", Workload{Mode: "sequential", Concurrency: 1, Duration: 30 * time.Second}},
		{"open loop is capped", sim + "load: {mode: rate, rate: 5}\n", Workload{Mode: "rate", Concurrency: 1, Requests: 10, Rate: 5, Arrival: "poisson", MaxConcurrency: 512}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("w.yaml", []byte(tt.yaml), nil)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.MaxFailureRatio = DefaultMaxFailureRatio
			if c.Load != tt.want {
				t.Errorf("load = %+v, want %+v", c.Load, tt.want)
			}
		})
	}
}

func TestNameDefaultsToFileName(t *testing.T) {
	c, err := Parse("configs/llama_sweep.yaml", []byte("backend: {type: sim, model: m}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "llama_sweep" || c.Metrics.ProjectName != "llama_sweep" {
		t.Errorf("name %q, project %q; want llama_sweep", c.Name, c.Metrics.ProjectName)
	}
}

func TestYAMLAliasesAndMerge(t *testing.T) {
	yaml := `
common: &common
  type: sim
  model: m
backend:
  <<: *common
  model: n
`
	// "common" is not a key of ours: anchors must live somewhere valid.
	if _, err := Parse("a.yaml", []byte(yaml), nil); err == nil || !strings.Contains(err.Error(), "a.yaml:2: common: unknown key") {
		t.Fatalf("err = %v", err)
	}
	yaml = `
backend:
  type: sim
  models: &models [a, b]
reporter:
  - &csv {type: csv, output_file: x.csv}
  - <<: *csv
    output_file: y.csv
`
	c, err := Parse("a.yaml", []byte(yaml), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Reporter{{Type: "csv", OutputFile: "x.csv"}, {Type: "csv", OutputFile: "y.csv"}}
	if !reflect.DeepEqual(c.Reporters, want) {
		t.Errorf("reporters = %+v, want %+v", c.Reporters, want)
	}
}

func TestKeys(t *testing.T) {
	keys := Keys()
	for _, k := range []string{"name", "backend.model", "backend.sim.ttft", "scenario.generate_kwargs.max_new_tokens", "reporter.output_file", "load.duration", "meters"} {
		if !slices.Contains(keys, k) {
			t.Errorf("Keys() lacks %q", k)
		}
	}
	if slices.Contains(keys, "meters.url") {
		t.Errorf("Keys() lists free-form meter options")
	}
}

func TestAPIKeyAndErrorf(t *testing.T) {
	c, err := Parse("k.yaml", []byte("backend:\n  type: sim\n  model: m\n  api_key_env: AIENERGY_TEST_KEY\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AIENERGY_TEST_KEY", "")
	_, err = c.APIKey()
	if want := "k.yaml:4: backend.api_key_env: environment variable AIENERGY_TEST_KEY is not set"; err == nil || err.Error() != want {
		t.Errorf("APIKey() error = %v, want %s", err, want)
	}
	t.Setenv("AIENERGY_TEST_KEY", "sk-123")
	if key, err := c.APIKey(); err != nil || key != "sk-123" {
		t.Errorf("APIKey() = %q, %v", key, err)
	}
	// Errorf points at the key, or its nearest given ancestor.
	if got, want := c.Errorf("scenario.dataset_name", "no such dataset").Error(), "k.yaml:1: scenario.dataset_name: no such dataset"; got != want {
		t.Errorf("Errorf = %s, want %s", got, want)
	}
	if got, want := c.Errorf("backend.model", "not served").Error(), "k.yaml:3: backend.model: not served"; got != want {
		t.Errorf("Errorf = %s, want %s", got, want)
	}
}

func TestErrorfWithoutSource(t *testing.T) {
	c := &Config{}
	if got, want := c.Errorf("backend.model", "missing").Error(), "backend.model: missing"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// The first thing a user types measures their server: an endpoint given
// to the embedded default means the OpenAI-compatible backend, never the
// simulator, and the simulator's meter is left out; both are noted.
func TestEndpointOnTheDefaultMeasuresThatServer(t *testing.T) {
	c, err := Default([]string{"backend.endpoint=http://user:pw@gpu-box:8000/v1", "backend.model=m"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Backend.Type != "openai" {
		t.Errorf("backend.type = %q, want openai", c.Backend.Type)
	}
	for _, m := range c.Meters {
		if u, _ := m.Options["url"].(string); u == SimMeterURL {
			t.Errorf("the simulator's meter %s is still configured", m.Name)
		}
	}
	notes := strings.Join(c.Notes, "\n")
	for _, want := range []string{"http://user:REDACTED@gpu-box:8000/v1", "not the built-in simulator", "sim-gpu"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
	if strings.Contains(notes, ":pw@") {
		t.Errorf("notes leak the URL password: %q", notes)
	}

	// Saying sim explicitly and naming an endpoint says two things.
	for _, overrides := range [][]string{
		{"backend.type=sim", "backend.endpoint=http://gpu-box:8000/v1"},
	} {
		if _, err := Default(overrides); err == nil || !strings.Contains(err.Error(), "backend.type sim runs the built-in simulator") {
			t.Errorf("%v: err = %v, want the sim/endpoint conflict", overrides, err)
		}
	}
	if _, err := Parse("my.yaml", []byte("backend:\n  type: sim\n  model: m\n  endpoint: http://gpu-box:8000/v1\n"), nil); err == nil ||
		!strings.Contains(err.Error(), "my.yaml:4: backend.endpoint: backend.type sim") {
		t.Errorf("a file with type sim and an endpoint: err = %v", err)
	}
}
