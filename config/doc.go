// Package config is aienergy's typed configuration: YAML loading with
// precise errors, Hydra-style command-line overrides, defaults, validation,
// redaction, and an embedded default configuration.
//
// It reads the optimum-benchmark-style files of the ai-energy-benchmarks
// POC unchanged and adds keys of its own. The schema, with defaults
// (docs/config.md has the full reference):
//
//	name: my_run                    # default: the file name without extension
//	backend:
//	  type: vllm                    # vllm | openai | tgi | sglang | llamacpp | sim (required)
//	  device: cuda                  # informational
//	  device_ids: [0]               # informational, recorded
//	  model: openai/gpt-oss-120b    # or models: [a, b], run one after another
//	  endpoint: http://localhost:8000/v1   # required unless type is sim
//	  api: chat                     # chat | completions
//	  stream: true
//	  api_key_env: OPENAI_API_KEY   # name of the variable holding the key
//	  headers: {X-Team: energy}     # extra HTTP headers
//	  timeout: 5m                   # per request
//	  ignore_eos: false
//	  sim: {ttft: 50ms, itl: 10ms, max_num_seqs: 16, idle_watts: 60,
//	        watts_per_seq: 25, max_watts: 400, gpus: 1, seed: 0,
//	        metrics_refresh: 0}     # > 0: /metrics changes only this often
//	scenario:
//	  dataset_name: builtin         # or a dataset such as AIEnergyScore/text_generation
//	  text_column_name: text
//	  num_samples: 10
//	  prompts: []                   # inline prompts, used instead of the dataset
//	  generate_kwargs:
//	    max_new_tokens: 0           # request max_tokens; 0: server default
//	    min_new_tokens: 0           # vLLM min_tokens; 0: not sent
//	    ignore_eos: false
//	    temperature: null           # not sent unless given
//	load:
//	  mode: sequential              # sequential | concurrency (default concurrency when concurrency > 1)
//	  concurrency: 1                # sequential forces 1
//	  requests: <num_samples>
//	  duration: 0                   # > 0: run this long instead of counting requests
//	phases: {idle_before: 5s, warmup_requests: 2, idle_after: 5s}
//	meters:                         # name, type, enabled; other keys are the meter's own
//	  - {name: gpu, type: exporter, url: http://localhost:9400/metrics, preset: dcgm}
//	sampling: {interval: 100ms}
//	metrics:
//	  type: codecarbon              # means aienergy's own energy and carbon accounting
//	  enabled: true
//	  project_name: <name>
//	  output_dir: ""
//	  country_iso_code: USA
//	  carbon_intensity: null        # gCO2eq/kWh; overrides the country's figure
//	  pue: 1.0
//	reporter: {type: csv, output_file: results.csv}   # or a list of them
//	output: {dir: runs}
//
// Durations are Go duration strings ("5s", "100ms", "1m30s") or plain
// numbers of seconds.
//
// Every error is one line naming file:line (or the override) and the
// dotted key, e.g.
//
//	my.yaml:7: backend.modle: unknown key (did you mean "model"?)
//
// The file is walked as a yaml.Node tree against the Config struct (its
// yaml tags are the schema), rather than decoded with yaml's KnownFields,
// so that every message can say exactly where and what.
package config
