package config

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

const seedFile = "testdata/seed_gpt_oss_120b.yaml"

func TestOverrides(t *testing.T) {
	tests := []struct {
		name      string
		overrides []string
		check     func(c *Config) (got, want any)
	}{
		{"set existing key", []string{"scenario.num_samples=20"},
			func(c *Config) (any, any) { return c.Scenario.NumSamples, 20 }},
		{"set key absent from file", []string{"load.concurrency=4"},
			func(c *Config) (any, any) { return []any{c.Load.Mode, c.Load.Concurrency}, []any{"concurrency", 4} }},
		{"set nested new block", []string{"backend.sim.gpus=2", "phases.idle_after=25s"},
			func(c *Config) (any, any) {
				return []any{c.Backend.Sim.GPUs, c.Phases.IdleAfter}, []any{2, 25 * time.Second}
			}},
		{"URL value", []string{"backend.endpoint=http://custom:8000/v1"},
			func(c *Config) (any, any) { return c.Backend.Endpoint, "http://custom:8000/v1" }},
		{"add absent key", []string{"+load.requests=3"},
			func(c *Config) (any, any) { return c.Load.Requests, 3 }},
		{"force add existing key", []string{"++scenario.num_samples=4"},
			func(c *Config) (any, any) { return c.Scenario.NumSamples, 4 }},
		{"YAML bool", []string{"backend.stream=false"},
			func(c *Config) (any, any) { return c.Backend.Stream, false }},
		{"YAML duration", []string{"phases.idle_before=250ms"},
			func(c *Config) (any, any) { return c.Phases.IdleBefore, 250 * time.Millisecond }},
		{"number as seconds", []string{"load.duration=30"},
			func(c *Config) (any, any) { return c.Load.Duration, 30 * time.Second }},
		{"float", []string{"metrics.carbon_intensity=412.5"},
			func(c *Config) (any, any) { return *c.Metrics.CarbonIntensity, 412.5 }},
		{"list value", []string{"backend.device_ids=[0,1,2]"},
			func(c *Config) (any, any) { return c.Backend.DeviceIDs, []int{0, 1, 2} }},
		{"replace model by models", []string{"~backend.model", "backend.models=[a, b]"},
			func(c *Config) (any, any) { return c.Models(), []string{"a", "b"} }},
		{"models override the file's model", []string{"backend.models=[a, b]"},
			func(c *Config) (any, any) { return c.Models(), []string{"a", "b"} }},
		{"model overrides the file's models", []string{"backend.models=[a, b]", "~backend.models", "backend.model=c"},
			func(c *Config) (any, any) { return c.Models(), []string{"c"} }},
		{"delete reverts to default", []string{"~scenario.text_column_name"},
			func(c *Config) (any, any) { return c.Scenario.TextColumnName, "text" }},
		{"delete if value matches", []string{"~metrics.country_iso_code=USA"},
			func(c *Config) (any, any) { return c.Metrics.CountryISOCode, "" }},
		{"delete a block", []string{"~reporter"},
			func(c *Config) (any, any) { return len(c.Reporters), 0 }},
		{"into single-mapping reporter", []string{"reporter.type=json"},
			func(c *Config) (any, any) {
				return c.Reporters, []Reporter{{Type: "json", OutputFile: "./results/gpt_oss_120b_results.csv"}}
			}},
		{"replace reporter by list", []string{"reporter=[{type: csv}, {type: json}]"},
			func(c *Config) (any, any) { return c.Reporters, []Reporter{{Type: "csv"}, {Type: "json"}} }},
		{"add a meter list", []string{`meters=[{type: rapl}]`, "+meters.1={type: nvml, name: gpu}"},
			func(c *Config) (any, any) {
				return []string{c.Meters[0].Name, c.Meters[1].Name}, []string{"rapl", "gpu"}
			}},
		{"empty value is the empty string", []string{"metrics.output_dir="},
			func(c *Config) (any, any) { return c.Metrics.OutputDir, "" }},
		{"later override wins", []string{"scenario.num_samples=1", "scenario.num_samples=2"},
			func(c *Config) (any, any) { return c.Scenario.NumSamples, 2 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(seedFile, tt.overrides)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := tt.check(c); !reflect.DeepEqual(got, want) {
				t.Errorf("got %#v, want %#v", got, want)
			}
		})
	}
}

func TestOverridesOnMeters(t *testing.T) {
	c, err := Default([]string{"meters.0.url=http://localhost:9400/metrics", "meters[0].timeout=2s", "+meters.0.channel_prefix=gpu"})
	if err != nil {
		t.Fatal(err)
	}
	m := c.Meters[0]
	want := map[string]any{"url": "http://localhost:9400/metrics", "preset": "dcgm", "timeout": "2s", "channel_prefix": "gpu"}
	if !reflect.DeepEqual(m.Options, want) {
		t.Errorf("options = %v, want %v", m.Options, want)
	}
	// Errors about a meter option set by an override (the meter kind
	// finds them; the CLI restates them with Errorf) name the override.
	c, err = Default([]string{"meters.0.timeout=soon"})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Errorf("meters[0].timeout", "invalid duration %q", "soon")
	want2 := `override "meters.0.timeout=soon": meters[0].timeout: invalid duration "soon"`
	if err == nil || err.Error() != want2 {
		t.Errorf("err = %v, want %s", err, want2)
	}
}

func TestOverrideErrors(t *testing.T) {
	tests := []struct {
		name      string
		overrides []string
		want      string
	}{
		{"unknown key", []string{"backend.modle=x"},
			`override "backend.modle=x": unknown key backend.modle (did you mean "model"?)`},
		{"unknown top-level key", []string{"concurrency=8"},
			`override "concurrency=8": unknown key concurrency (did you mean "load.concurrency" or "sweep.concurrency"?)`},
		{"add existing", []string{"+backend.model=x"},
			`override "+backend.model=x": backend.model is already set ("openai/gpt-oss-120b" at testdata/seed_gpt_oss_120b.yaml:8); use backend.model=x to change it`},
		{"no value", []string{"backend.model"},
			`override "backend.model": expected key=value (or ~key to delete a key)`},
		{"delete absent", []string{"~load.mode"},
			`override "~load.mode": load.mode is not set in the config`},
		{"delete under absent block", []string{"~load.mode=x"},
			`override "~load.mode=x": load.mode is not set in the config`},
		{"delete with other value", []string{"~metrics.country_iso_code=FRA"},
			`override "~metrics.country_iso_code=FRA": metrics.country_iso_code is "USA", not "FRA"; not deleted`},
		{"descend into a scalar", []string{"name.first=x"},
			`override "name.first=x": name is a single value, it has no key "first"`},
		{"index into missing list", []string{"meters.0.url=x"},
			`override "meters.0.url=x": meters is not set in the config, so it has no element 0; set the whole list, e.g. meters=[...]`},
		{"index out of range", []string{"backend.models=[a]", "~backend.model", "backend.models.3=b"},
			`override "backend.models.3=b": backend.models has 1 element(s); there is no backend.models.3`},
		{"key on a list", []string{"backend.device_ids.first=1"},
			`override "backend.device_ids.first=1": backend.device_ids is a list; address an element by index, e.g. backend.device_ids.0`},
		{"malformed key", []string{"backend..model=x"},
			`override "backend..model=x": malformed key "backend..model"`},
		{"bad YAML value", []string{"backend.device_ids=[0,"},
			`override "backend.device_ids=[0,": invalid value "[0,": line 1: did not find expected node content`},
		// Values are checked by the same rules as the file, and the error
		// names the override instead of a line.
		{"wrong type", []string{"scenario.num_samples=ten"},
			`override "scenario.num_samples=ten": scenario.num_samples: expected an integer, got "ten"`},
		{"bad value", []string{"load.concurrency=0"},
			`override "load.concurrency=0": load.concurrency: must be at least 1, got 0`},
		{"bad enum", []string{"backend.type=vlm"},
			`override "backend.type=vlm": backend.type: unknown backend type "vlm" (valid: kserve, llamacpp, ollama, openai, sglang, tgi, triton, vllm, sim; did you mean "vllm"?)`},
		{"bad duration", []string{"phases.idle_before=5 sec"},
			`override "phases.idle_before=5 sec": phases.idle_before: invalid duration "5 sec" (use e.g. 5s, 500ms, or a number of seconds)`},
		{"cross-field", []string{"backend.models=[a]", "backend.model=b"},
			`override "backend.models=[a]": backend.models: give backend.model or backend.models, not both`},
		{"models replace the file's model", []string{"backend.models=[a]", "backend.models.3=b"},
			`override "backend.models.3=b": backend.models has 1 element(s); there is no backend.models.3`},
		{"endpoint removed", []string{"~backend.endpoint"},
			`testdata/seed_gpt_oss_120b.yaml:4: backend.endpoint: required for backend type vllm (e.g. http://localhost:8000/v1)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(seedFile, tt.overrides)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error:\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

// Overrides change the tree, not the file: loading again without them
// gives the file's values.
func TestOverridesDoNotLeak(t *testing.T) {
	if _, err := Default([]string{"backend.models=[x, y]", "~backend.model"}); err != nil {
		t.Fatal(err)
	}
	c, err := Default(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Models(); !slices.Equal(got, []string{"sim-model"}) {
		t.Errorf("Models() = %v after an earlier override", got)
	}
}
