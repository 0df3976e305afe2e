package config

import (
	"errors"
	"strings"
	"testing"
)

// Each bad fixture has exactly one problem (except several.yaml), and the
// error is compared in full: file:line, dotted key, message.
func TestBadConfigErrors(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		// Unknown keys, with suggestions.
		{"unknown_key.yaml", `testdata/bad/unknown_key.yaml:7: backend.modle: unknown key (did you mean "model"?)`},
		{"misplaced_key.yaml", `testdata/bad/misplaced_key.yaml:5: concurrency: unknown key (did you mean "load.concurrency" or "sweep.concurrency"?)`},
		{"duplicate_key.yaml", `testdata/bad/duplicate_key.yaml:5: backend.model: duplicate key (first set at line 4)`},
		// Wrong types.
		{"wrong_type.yaml", `testdata/bad/wrong_type.yaml:12: scenario.num_samples: expected an integer, got "ten"`},
		{"bad_bool.yaml", `testdata/bad/bad_bool.yaml:4: backend.stream: expected true or false, got "sometimes"`},
		{"list_expected.yaml", `testdata/bad/list_expected.yaml:3: backend.models: expected a list, got "llama"`},
		{"top_list.yaml", `testdata/bad/top_list.yaml:1: expected a mapping of keys (name:, backend:, ...) at the top level, got a list`},
		// Bad values.
		{"bad_value.yaml", `testdata/bad/bad_value.yaml:15: load.concurrency: must be at least 1, got 0`},
		{"bad_country.yaml", `testdata/bad/bad_country.yaml:3: metrics.country_iso_code: expected an ISO 3166-1 code such as USA (or US), got "U5A"`},
		{"bad_endpoint.yaml", `testdata/bad/bad_endpoint.yaml:4: backend.endpoint: must be an http:// or https:// URL such as http://localhost:8000/v1, got "localhost:8000"`},
		// Bad enumerations.
		{"bad_enum.yaml", `testdata/bad/bad_enum.yaml:3: backend.type: unknown backend type "vlm" (valid: kserve, llamacpp, ollama, openai, sglang, tgi, triton, vllm, sim; did you mean "vllm"?)`},
		// Reporter types are the sink registry's, checked at plan time.
		{"bad_reporter.yaml", `testdata/bad/bad_reporter.yaml:5: reporter[1].type: required: say what kind of reporter this is (a file such as csv, or a sink)`},
		// Bad durations.
		{"bad_duration.yaml", `testdata/bad/bad_duration.yaml:6: phases.idle_before: invalid duration "5 sec" (use e.g. 5s, 500ms, or a number of seconds)`},
		// YAML syntax.
		{"syntax.yaml", `testdata/bad/syntax.yaml:5: YAML syntax error: mapping values are not allowed in this context`},
		{"unknown_anchor.yaml", `testdata/bad/unknown_anchor.yaml:3: YAML syntax error: unknown anchor "base_model" referenced (define it first with &base_model)`},
		{"two_documents.yaml", `testdata/bad/two_documents.yaml:3: a second YAML document starts here; a config file holds only one`},
		// Rules that tie keys together.
		{"both_models.yaml", `testdata/bad/both_models.yaml:5: backend.models: give backend.model or backend.models, not both`},
		{"no_endpoint.yaml", `testdata/bad/no_endpoint.yaml:2: backend.endpoint: required for backend type openai (e.g. http://localhost:8000/v1)`},
		{"no_model.yaml", `testdata/bad/no_model.yaml:2: backend.model: required: name the model to run (or list several in backend.models)`},
		{"min_over_max.yaml", `testdata/bad/min_over_max.yaml:5: scenario.generate_kwargs.min_new_tokens: must not exceed max_new_tokens (10), got 50`},
		{"meter_no_type.yaml", `testdata/bad/meter_no_type.yaml:3: meters[0].type: required: say what kind of meter this is (e.g. nvml, rapl, exporter)`},
		// Several problems: one self-contained line each, in file order.
		{"several.yaml", strings.Join([]string{
			`testdata/bad/several.yaml:7: scenario.num_samples: must be at least 1, got 0`,
			`testdata/bad/several.yaml:9: load.concurrency: must be at least 1, got -2`,
			`testdata/bad/several.yaml:11: metrics.pue: must be at least 1, got 0.5`,
		}, "\n")},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			c, err := Load("testdata/bad/"+tt.file, nil)
			if err == nil {
				t.Fatalf("Load succeeded (%+v); want error %q", c, tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("errors.As(*Error) failed for %T", err)
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Load("testdata/does-not-exist.yaml", nil)
	want := "testdata/does-not-exist.yaml: config file not found"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("err = %v, want prefix %q", err, want)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error spans several lines: %q", err)
	}
}

// More kinds of mistake, written inline: each must name the line and key.
func TestInlineErrors(t *testing.T) {
	const sim = "backend: {type: sim, model: m}\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"case typo", sim + "Load: {concurrency: 2}\n", `x.yaml:2: Load: unknown key (did you mean "load"?)`},
		{"dash for underscore", sim + "scenario:\n  num-samples: 3\n", `x.yaml:3: scenario.num-samples: unknown key (did you mean "num_samples"?)`},
		{"alias from other tools", sim + "scenario:\n  generate_kwargs:\n    max_tokens: 3\n", `x.yaml:4: scenario.generate_kwargs.max_tokens: unknown key (did you mean "max_new_tokens"?)`},
		{"far from anything", sim + "flux_capacitor: 1\n", `x.yaml:2: flux_capacitor: unknown key`},
		{"float for int", sim + "load: {requests: 2.5}\n", `x.yaml:2: load.requests: expected an integer, got "2.5"`},
		{"mapping for string", "backend: {type: sim, model: {a: 1}}\n", `x.yaml:1: backend.model: expected a string, got a mapping`},
		{"list for mapping", sim + "phases: [1, 2]\n", `x.yaml:2: phases: expected a mapping of keys, got a list`},
		{"huge int", sim + "load: {requests: 99999999999999999999}\n", `x.yaml:2: load.requests: integer 99999999999999999999 is out of range`},
		{"nan", sim + "metrics: {pue: .nan}\n", `x.yaml:2: metrics.pue: expected a number, got ".nan"`},
		{"negative duration", sim + "phases: {idle_after: -1s}\n", `x.yaml:2: phases.idle_after: must not be negative, got -1s`},
		{"interval too short", sim + "sampling: {interval: 100us}\n", `x.yaml:2: sampling.interval: must be at least 1ms, got 100µs`},
		{"reporter as a word", sim + "reporter: csv\n", `x.yaml:2: reporter: expected a mapping or a list of mappings, got "csv"`},
		{"empty mode", sim + "load: {mode: ''}\n", ``},
		{"bad mode", sim + "load: {mode: concurent}\n", `x.yaml:2: load.mode: unknown load mode "concurent" (valid: sequential, concurrency, rate; did you mean "concurrency"?)`},
		{"bad api", "backend: {type: sim, model: m, api: chat_completions}\n", `x.yaml:1: backend.api: unknown API "chat_completions" (valid: chat, completions; did you mean "chat"?)`},
		{"missing type", "backend: {model: m}\n", `x.yaml:1: backend.type: required (valid: kserve, llamacpp, ollama, openai, sglang, tgi, triton, vllm, sim)`},
		{"empty file", "", `x.yaml:1: backend.type: required (valid: kserve, llamacpp, ollama, openai, sglang, tgi, triton, vllm, sim)` + "\n" + `x.yaml:1: backend.model: required: name the model to run (or list several in backend.models)`},
		{"duplicate model", "backend:\n  type: sim\n  models:\n    - a\n    - b\n    - a\n", `x.yaml:6: backend.models[2]: model "a" is listed twice (also at backend.models[0])`},
		{"empty list element", "backend:\n  type: sim\n  models:\n    - a\n    -\n", `x.yaml:5: backend.models[1]: empty list element`},
		{"prompts with dataset", sim + "scenario:\n  dataset_name: AIEnergyScore/text_generation\n  prompts: [hi]\n", `x.yaml:4: scenario.prompts: give scenario.prompts or scenario.dataset_name "AIEnergyScore/text_generation", not both`},
		{"duplicate meter names", sim + "meters:\n  - {name: a, type: rapl}\n  - {name: a, type: nvml}\n", `x.yaml:4: meters[1].name: duplicate meter name "a" (also meters[0]); give each meter its own name`},
		{"meter not a mapping", sim + "meters: [nvml]\n", `x.yaml:2: meters[0]: expected a meter mapping such as {name: gpu, type: nvml}, got "nvml"`},
		{"api key in env name", "backend: {type: sim, model: m, api_key_env: sk=123}\n", `x.yaml:1: backend.api_key_env: must be the name of an environment variable, not the key itself (not shown here: it may be a secret)`},
		{"negative sim refresh", "backend:\n  type: sim\n  model: m\n  sim:\n    metrics_refresh: -1s\n", `x.yaml:5: backend.sim.metrics_refresh: must not be negative, got -1s`},
		{"sim max below idle", "backend:\n  type: sim\n  model: m\n  sim:\n    idle_watts: 100\n    max_watts: 50\n", `x.yaml:6: backend.sim.max_watts: must be at least backend.sim.idle_watts (100), got 50`},
		{"syntax on line 1", "backend: type: sim\n", `x.yaml:1: YAML syntax error: mapping values are not allowed in this context`},
		{"tab indentation", "backend:\n\ttype: sim\n", `x.yaml:2: YAML syntax error: found character that cannot start any token`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tt.yaml), nil)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}
