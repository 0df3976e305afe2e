package config

import (
	"fmt"
	"os"
	"time"

	"github.com/aienergy/aienergy/backend"
)

// Config is one benchmark configuration, with every default filled in.
// Build it with Load, Parse or Default; a Config built by hand has no file
// positions for its errors.
type Config struct {
	Name     string   `yaml:"name"`
	Backend  Backend  `yaml:"backend"`
	Scenario Scenario `yaml:"scenario"`
	Load     Workload `yaml:"load"`
	Sweep    Sweep    `yaml:"sweep"`
	// GPUControl sets the GPUs for sweep.power_limits_w and
	// sweep.gpu_clocks_mhz.
	GPUControl GPUControl `yaml:"gpu_control"`
	SLO        SLO        `yaml:"slo"`
	// Repetitions runs every model (and sweep point) this many times; the
	// summary gives mean, standard deviation and a 95 % interval.
	Repetitions int        `yaml:"repetitions"`
	Phases      Phases     `yaml:"phases"`
	Meters      []Meter    `yaml:"meters"`
	Sampling    Sampling   `yaml:"sampling"`
	Metrics     Metrics    `yaml:"metrics"`
	Reporters   []Reporter `yaml:"reporter" config:"one-or-many"`
	Output      Output     `yaml:"output"`

	// Source is the file the configuration came from, or "embedded default".
	Source string `yaml:"-"`
	// Notes say what loading changed that the user did not write, such as
	// the embedded default measuring a named endpoint; shown before a run.
	Notes []string `yaml:"-"`

	src     *source
	command bool // read for a measured command: no backend (LoadForCommand)
}

// Backend says which model server to drive and how.
type Backend struct {
	// Type is one of BackendTypes: a kind the backend package registers,
	// or "sim", aienergy's embedded simulator, started by the CLI.
	Type      string   `yaml:"type"`
	Device    string   `yaml:"device"`     // informational, e.g. "cuda"
	DeviceIDs []int    `yaml:"device_ids"` // informational, recorded with the run
	Model     string   `yaml:"model"`
	Models    []string `yaml:"models"` // run one after another; exclusive with Model
	// Endpoint is the server's base URL, e.g. "http://localhost:8000/v1".
	// Required for every type except sim.
	Endpoint string `yaml:"endpoint"`
	API      string `yaml:"api"` // "chat" or "completions"
	Stream   bool   `yaml:"stream"`
	// APIKeyEnv names the environment variable that holds the API key; the
	// key itself is never part of the configuration.
	APIKeyEnv string            `yaml:"api_key_env"`
	Headers   map[string]string `yaml:"headers"` // extra HTTP headers on every request
	// ExtraBody are extra top-level fields of every request, sent as they
	// are: reasoning_effort, chat_template_kwargs, top_k, …
	ExtraBody map[string]any `yaml:"extra_body"`
	Timeout   time.Duration  `yaml:"timeout"` // per request
	IgnoreEOS bool           `yaml:"ignore_eos"`
	// Launch starts the server as part of the run, e.g. "vllm serve
	// meta-llama/Llama-3.1-8B --port 8000" (split like a shell would, but
	// never run by one), waits for it to answer on the endpoint's host,
	// benchmarks it and stops it; its start-up energy is reported apart.
	Launch        string        `yaml:"launch"`
	LaunchTimeout time.Duration `yaml:"launch_timeout"` // default 10m
	// Images is a folder of .jpg/.png images a kserve backend sends,
	// resized to the model's input shape, instead of synthetic tensors;
	// relative to the config file.
	Images string `yaml:"images"`
	// BatchSize is the number of items (images) per inference request of
	// a kserve backend.
	BatchSize int `yaml:"batch_size"`
	Sim       Sim `yaml:"sim"` // used only when Type is "sim"
}

// Sim configures the embedded simulated server and its power model.
type Sim struct {
	TTFT        time.Duration `yaml:"ttft"` // time to first token
	ITL         time.Duration `yaml:"itl"`  // inter-token latency
	MaxNumSeqs  int           `yaml:"max_num_seqs"`
	IdleWatts   float64       `yaml:"idle_watts"`
	WattsPerSeq float64       `yaml:"watts_per_seq"`
	MaxWatts    float64       `yaml:"max_watts"`
	GPUs        int           `yaml:"gpus"`
	Seed        int64         `yaml:"seed"`
	// MetricsRefresh is how often the simulator's dcgm-exporter metrics
	// change, as a real exporter's collect interval; 0: every scrape.
	MetricsRefresh time.Duration `yaml:"metrics_refresh"`
}

// Scenario says what to ask the model.
type Scenario struct {
	// DatasetName is "builtin" (the built-in prompt set) or a dataset
	// name such as "AIEnergyScore/text_generation".
	DatasetName    string `yaml:"dataset_name"`
	TextColumnName string `yaml:"text_column_name"`
	NumSamples     int    `yaml:"num_samples"`
	// DatasetConfig and DatasetSplit pick a Hub dataset's table; empty
	// picks the first config and split "train", else "test".
	DatasetConfig string `yaml:"dataset_config"`
	DatasetSplit  string `yaml:"dataset_split"`
	// PrefillDecode also runs every point with one output token, so that
	// prefill energy per request and decode energy per token can be told
	// apart (optimum-benchmark's energy_star way).
	PrefillDecode bool `yaml:"prefill_decode"`
	// Shuffle takes num_samples rows at random (seeded) instead of the
	// first ones.
	Shuffle bool  `yaml:"shuffle"`
	Seed    int64 `yaml:"seed"`
	// Prompts, when given, are used instead of the dataset.
	Prompts        []string       `yaml:"prompts"`
	GenerateKwargs GenerateKwargs `yaml:"generate_kwargs"`
}

// GenerateKwargs are the generation settings sent with every request.
type GenerateKwargs struct {
	MaxTokens   int      `yaml:"max_new_tokens"` // request max_tokens; 0: server default
	MinTokens   int      `yaml:"min_new_tokens"` // vLLM min_tokens; 0: not sent
	IgnoreEOS   bool     `yaml:"ignore_eos"`
	Temperature *float64 `yaml:"temperature"` // nil: not sent
}

// Workload says how requests are sent.
type Workload struct {
	Mode        string        `yaml:"mode"`        // "sequential" or "concurrency"
	Concurrency int           `yaml:"concurrency"` // requests in flight; 1 when sequential
	Requests    int           `yaml:"requests"`    // measured requests per model
	Duration    time.Duration `yaml:"duration"`    // when > 0, run this long instead of counting requests
	// Open loop (mode rate): requests per second on an absolute schedule,
	// arrivals poisson, gamma (with burstiness, vLLM's shape) or constant,
	// capped at max_concurrency in flight (default
	// DefaultRateMaxConcurrency; an explicit 0: no cap).
	// Profile runs a load profile instead of one load: a preset (light,
	// moderate, heavy, stress, or all of them in turn), each stage with its
	// own concurrency, request count and output-token range.
	Profile string `yaml:"profile"`
	// SteadyState measures only the steady state of each measured phase:
	// from the first completed request to the last request started, so
	// that ramp-up and tail do not flatter or burden the figures.
	SteadyState    bool    `yaml:"steady_state"`
	Rate           float64 `yaml:"rate"`
	Arrival        string  `yaml:"arrival"`
	Burstiness     float64 `yaml:"burstiness"`
	MaxConcurrency int     `yaml:"max_concurrency"`
	// MaxFailureRatio is the share of failed measured requests, per model
	// run, above which the run warns and exits with status 3: its figures
	// spread the energy over the few requests that succeeded.
	MaxFailureRatio float64 `yaml:"max_failure_ratio"`
	// Shard makes this process send one share of a load sent from several
	// machines at once (a Kubernetes Indexed Job), which aienergy merge
	// combines; nil sends all of it.
	Shard *Shard `yaml:"shard"`
}

// Shard is one load generator's share of a load sent from Count machines:
// in mode rate every shard draws the same schedule and sends the arrivals
// k with k mod Count = Index; in a closed loop it runs its share of the
// workers and requests. Every shard begins its measured phase at StartAt.
type Shard struct {
	Index   int    `yaml:"index"`    // 0 to Count−1
	Count   int    `yaml:"count"`    // shards in all
	StartAt string `yaml:"start_at"` // RFC 3339, e.g. 2026-05-01T10:00:00Z
}

// Start is StartAt as a time; the zero time when it does not parse
// (validation reports that).
func (s *Shard) Start() time.Time {
	t, _ := time.Parse(time.RFC3339, s.StartAt)
	return t
}

// Sweep runs the measured load at several points, each with its own
// energy figures, giving the energy-vs-latency curve: a list of
// concurrencies (closed loop) or of request rates (open loop).
type Sweep struct {
	Concurrency []int     `yaml:"concurrency"`
	Rates       []float64 `yaml:"rates"`
	// RatesBetween sweeps automatically: sequential, then maximum
	// throughput at MaxConcurrency, then this many open-loop rates evenly
	// spaced between the two achieved rates.
	RatesBetween   int `yaml:"rates_between"`
	MaxConcurrency int `yaml:"max_concurrency"`
	// PowerLimitsW and GPUClocksMHz sweep the GPUs' power limit
	// (nvidia-smi -pl) and locked graphics clock (nvidia-smi -lgc), set
	// through gpu_control: the load line of energy against latency. Each
	// value is an outer loop around the load points above, and the two
	// lists give their cross product.
	PowerLimitsW []float64 `yaml:"power_limits_w"`
	GPUClocksMHz []int     `yaml:"gpu_clocks_mhz"`
}

// GPUControl says which GPUs a power-limit or clock sweep sets, and how.
type GPUControl struct {
	// Type is nvml (this machine's GPUs; needs root) or sim (the
	// simulator's modeled GPUs); default: sim when backend.type is sim,
	// else nvml.
	Type string `yaml:"type"`
	// Devices are NVML indices or GPU UUIDs; default: every GPU.
	Devices []string `yaml:"devices"`
	// URL is the address of an aienergy sim to control (type sim with a
	// backend other than the built-in simulator), e.g.
	// http://127.0.0.1:8000.
	URL string `yaml:"url"`
}

// GPUControlTypes are the valid gpu_control.type values.
var GPUControlTypes = []string{"nvml", "sim"}

// Bounds of sweep.power_limits_w and sweep.gpu_clocks_mhz: far above any
// GPU's (a board draws at most a few kW and clocks at a few GHz), low
// enough that NVML's milliwatts fit its 32 bits. Each GPU's own range is
// checked when the run starts.
const (
	MaxPowerLimitW = 100_000
	MaxClockMHz    = 100_000
)

// GPUControlType is gpu_control.type with its default filled in.
func (c *Config) GPUControlType() string {
	switch {
	case c.GPUControl.Type != "":
		return c.GPUControl.Type
	case c.Backend.Type == "sim":
		return "sim"
	}
	return "nvml"
}

// SweepsGPU reports whether the plan changes GPU settings.
func (c *Config) SweepsGPU() bool {
	return len(c.Sweep.PowerLimitsW)+len(c.Sweep.GPUClocksMHz) > 0
}

// SLO are latency objectives: a request is good when it meets every one
// given; goodput and J per good token count good requests only.
type SLO struct {
	TTFTMs float64 `yaml:"ttft_ms"`
	TPOTMs float64 `yaml:"tpot_ms"`
	E2EMs  float64 `yaml:"e2e_ms"`
}

// Phases are the parts of each model's run around the measured load.
type Phases struct {
	IdleBefore     time.Duration `yaml:"idle_before"`
	WarmupRequests int           `yaml:"warmup_requests"`
	IdleAfter      time.Duration `yaml:"idle_after"`
}

// Sampling says how often meters are read.
type Sampling struct {
	Interval time.Duration `yaml:"interval"`
}

// Metrics configures energy and carbon accounting. The seed's
// "type: codecarbon" is accepted and means aienergy's own accounting.
type Metrics struct {
	Type           string `yaml:"type"`
	Enabled        bool   `yaml:"enabled"`
	ProjectName    string `yaml:"project_name"`
	OutputDir      string `yaml:"output_dir"`
	CountryISOCode string `yaml:"country_iso_code"` // ISO 3166-1 alpha-3, e.g. "USA"
	// CarbonIntensity in gCO₂eq/kWh overrides the country's figure; nil: not given.
	CarbonIntensity *float64 `yaml:"carbon_intensity"`
	PUE             float64  `yaml:"pue"`
	// ElectricityMapsZone and ElectricityMapsTokenEnv fetch the grid's
	// carbon intensity over the run from Electricity Maps (zone such as
	// "DE" or "US-CAL-CISO"); on any failure the embedded table is used,
	// with a warning.
	ElectricityMapsZone     string `yaml:"electricity_maps_zone"`
	ElectricityMapsTokenEnv string `yaml:"electricity_maps_token_env"`
	ElectricityMapsURL      string `yaml:"electricity_maps_url"` // default https://api.electricitymap.org
}

// Reporter is one results writer: a file (csv, json) or a sink that
// results flow into (influxdb, clickhouse, mlflow). Secrets are never in
// the config: *_env keys name environment variables that hold them.
type Reporter struct {
	Type       string `yaml:"type"` // a kind the sink package registers
	OutputFile string `yaml:"output_file"`

	// Sinks.
	URL                string        `yaml:"url"`
	Database           string        `yaml:"database"`         // influxdb 1.x, clickhouse
	RetentionPolicy    string        `yaml:"retention_policy"` // influxdb 1.x
	Org                string        `yaml:"org"`              // influxdb 2.x
	Bucket             string        `yaml:"bucket"`           // influxdb 2.x
	Measurement        string        `yaml:"measurement"`      // influxdb
	RequestMeasurement string        `yaml:"request_measurement"`
	Table              string        `yaml:"table"` // clickhouse
	RequestsTable      string        `yaml:"requests_table"`
	Requests           *bool         `yaml:"requests"`   // also write one row per request
	Experiment         string        `yaml:"experiment"` // mlflow
	Artifacts          *bool         `yaml:"artifacts"`  // mlflow: upload the run directory
	Username           string        `yaml:"username"`
	PasswordEnv        string        `yaml:"password_env"`
	TokenEnv           string        `yaml:"token_env"`
	Timeout            time.Duration `yaml:"timeout"`
}

// SinkOptions are the reporter's keys for a sink, as the sink package
// reads them; unset keys are left out so the sink's defaults apply.
func (r Reporter) SinkOptions() map[string]any {
	m := map[string]any{}
	for k, v := range map[string]string{
		"url": r.URL, "database": r.Database, "retention_policy": r.RetentionPolicy, "org": r.Org,
		"bucket": r.Bucket, "measurement": r.Measurement, "request_measurement": r.RequestMeasurement,
		"table": r.Table, "requests_table": r.RequestsTable, "experiment": r.Experiment,
		"username": r.Username, "password_env": r.PasswordEnv, "token_env": r.TokenEnv,
	} {
		if v != "" {
			m[k] = v
		}
	}
	if r.Requests != nil {
		m["requests"] = *r.Requests
	}
	if r.Artifacts != nil {
		m["artifacts"] = *r.Artifacts
	}
	if r.Timeout > 0 {
		m["timeout_s"] = r.Timeout.Seconds()
	}
	return m
}

// Output says where run directories go.
type Output struct {
	Dir string `yaml:"dir"`
}

// Valid values of the enumerated keys.
var (
	APIs         = []string{"chat", "completions"}
	LoadModes    = []string{"sequential", "concurrency", "rate"}
	Arrivals     = []string{"poisson", "gamma", "constant"}
	LoadProfiles = []string{"light", "moderate", "heavy", "stress", "all"}
	MetricsTypes = []string{"codecarbon"}
)

// BackendTypes are the valid backend.type values: every kind registered
// with the backend package (a program registers them by importing
// backend/all) and "sim".
func BackendTypes() []string { return append(backend.Kinds(), "sim") }

// BuiltinDataset is the dataset_name of the built-in prompt set.
const BuiltinDataset = "builtin"

// Models lists the models to run, in order: backend.models, or
// backend.model as a one-element list.
func (c *Config) Models() []string {
	if len(c.Backend.Models) > 0 {
		return append([]string(nil), c.Backend.Models...)
	}
	if c.Backend.Model != "" {
		return []string{c.Backend.Model}
	}
	return nil
}

// IgnoreEOS reports whether requests ask the server to ignore end-of-sequence
// tokens (backend.ignore_eos or scenario.generate_kwargs.ignore_eos).
func (c *Config) IgnoreEOS() bool {
	return c.Backend.IgnoreEOS || c.Scenario.GenerateKwargs.IgnoreEOS
}

// APIKey reads the API key from the environment variable named by
// backend.api_key_env; "" when none is named.
func (c *Config) APIKey() (string, error) {
	name := c.Backend.APIKeyEnv
	if name == "" {
		return "", nil
	}
	key, ok := os.LookupEnv(name)
	if !ok || key == "" {
		return "", c.Errorf("backend.api_key_env", "environment variable %s is not set", name)
	}
	return key, nil
}

// Errorf makes a one-line error about key that points at where the key was
// set (file:line, or the override), for problems found after loading, e.g.
// a dataset that does not exist.
func (c *Config) Errorf(key, format string, args ...any) error {
	if c.src == nil {
		return &Error{File: c.Source, Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	return c.src.errKey(key, format, args...)
}
