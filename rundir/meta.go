package rundir

import (
	"encoding/json"
	"time"

	"github.com/aienergy/aienergy/gpuctl"
	"github.com/aienergy/aienergy/load"
	"github.com/aienergy/aienergy/meter"
)

// Meta is run.json: what ran, where, with which meters, and how it ended.
// It holds everything the analysis needs besides the raw CSV files.
type Meta struct {
	Tool        string     `json:"tool"`
	Version     string     `json:"version"`
	Name        string     `json:"name"`
	RunID       string     `json:"run_id"`     // the run directory's base name
	StartedAt   time.Time  `json:"started_at"` // wall clock at the run's clock origin (t_s = 0)
	EndedAt     time.Time  `json:"ended_at,omitzero"`
	Interrupted bool       `json:"interrupted"`
	Error       string     `json:"error,omitempty"`
	Host        Host       `json:"host"`
	Models      []string   `json:"models"`
	Backend     Backend    `json:"backend"`
	Load        Load       `json:"load"`
	Phases      Phases     `json:"phases"`
	Meters      []Meter    `json:"meters"`
	Carbon      Carbon     `json:"carbon"`
	Reporters   []Reporter `json:"reporters,omitempty"`
	// Server describes a model server the run launched itself; its
	// start-up energy is the measured phase of the "server start-up" label.
	Server *Server `json:"server,omitempty"`
	// SLO are the latency objectives good requests must meet (goodput, J
	// per good token); nil when none were given.
	SLO *SLO `json:"slo,omitempty"`
	// RateStats tell, per model, how an open-loop schedule was kept: send
	// lag (actual − scheduled), client queue time, achieved vs requested
	// rate.
	RateStats []RateStats `json:"rate_stats,omitempty"`
	// ClientCPU is aienergy's own CPU use over each measured phase: a CPU
	// meter on the same host counts it too.
	ClientCPU []ClientCPU `json:"client_cpu,omitempty"`
	// Truth is the simulator's exact modeled energy per model window, when
	// the backend was the built-in simulator: a check on the measurement.
	Truth []SimTruth `json:"simulator_truth,omitempty"`
	// GPUSettings are the power limit and clock of each GPU at each point
	// of a power-cap or clock sweep: asked for, in force, default.
	GPUSettings []gpuctl.Applied `json:"gpu_settings,omitempty"`
	// Shard is set when this run sent one share of a load sent from
	// several machines at once (load.shard); Merge when aienergy merge
	// combined such shards into this run directory.
	Shard *Shard `json:"shard,omitempty"`
	Merge *Merge `json:"merge,omitempty"`
}

// Host describes the machine that ran the benchmark.
type Host struct {
	Hostname string `json:"hostname"`
	OS       string `json:"os"`
	Arch     string `json:"arch"`
	CPUs     int    `json:"cpus"`
	// CPUModel and RAMTotalGB are /proc's, empty where it has none.
	CPUModel   string  `json:"cpu_model,omitempty"`
	RAMTotalGB float64 `json:"ram_total_gb,omitempty"`
	// GPUs are the GPU models the meters read, one per board.
	GPUs []string `json:"gpus,omitempty"`
}

// Backend describes the model server.
type Backend struct {
	Type     string `json:"type"`
	Endpoint string `json:"endpoint"`
	API      string `json:"api"`
	Stream   bool   `json:"stream"`
}

// Load is the requested load.
type Load struct {
	Mode        string  `json:"mode"`
	Concurrency int     `json:"concurrency"`
	Requests    int     `json:"requests,omitempty"`
	DurationS   float64 `json:"duration_s,omitempty"`
	MaxTokens   int     `json:"max_tokens,omitempty"`
	MinTokens   int     `json:"min_tokens,omitempty"`
	IgnoreEOS   bool    `json:"ignore_eos,omitempty"`
	Dataset     string  `json:"dataset"`
	// Open loop (mode rate).
	RateRPS        float64 `json:"rate_rps,omitempty"`
	Arrival        string  `json:"arrival,omitempty"`
	Burstiness     float64 `json:"burstiness,omitempty"`
	MaxConcurrency int     `json:"max_concurrency,omitempty"`
	// MaxFailureRatio is the share of failed measured requests per model
	// run above which the summary warns (and aienergy run exits 3); nil in
	// runs from before it existed.
	MaxFailureRatio *float64 `json:"max_failure_ratio,omitempty"`
}

// Phases are the configured phase lengths.
type Phases struct {
	IdleBeforeS    float64 `json:"idle_before_s"`
	WarmupRequests int     `json:"warmup_requests"`
	IdleAfterS     float64 `json:"idle_after_s"`
}

// Meter is one configured meter and how it behaved during the run.
type Meter struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Error string `json:"error,omitempty"` // why it could not be used
	// How the sampler saw it.
	Reads             int     `json:"reads"`
	Errors            int     `json:"errors"`
	LastError         string  `json:"last_error,omitempty"`
	AchievedHz        float64 `json:"achieved_hz"`
	MaxGapS           float64 `json:"max_gap_s"`
	Gaps              int     `json:"gaps"`
	UpdateIntervalS   float64 `json:"update_interval_s"`
	MeanReadLatencyMS float64 `json:"mean_read_latency_ms"`
	IntervalS         float64 `json:"interval_s"`
	// StatsFrom names the file the statistics above were derived from,
	// when the run did not record them: "power.csv" for a run cut off
	// before it could (see recoverCutOff). Empty when the sampler's own.
	StatsFrom string `json:"stats_from,omitempty"`
	// MaxRangeJ gives, keyed "meter/channel", where energy counters wrap.
	MaxRangeJ map[string]float64 `json:"max_range_j,omitempty"`
	// Resolution gives, keyed "meter/channel", the step of each channel's
	// counter and power reading as the meter declares it.
	Resolution map[string]meter.Resolution `json:"resolution,omitempty"`
	// LiveName is set for a meter backed by a time-series store: its live
	// reads are recorded under this name, and the store's own samples of
	// the run, read afterwards, under Name (WindowSamples of them, or
	// WindowError saying why not).
	LiveName      string `json:"live_name,omitempty"`
	WindowSamples int    `json:"window_samples,omitempty"`
	WindowError   string `json:"window_error,omitempty"`
	// Estimate marks a meter whose readings are modeled, not measured.
	Estimate bool `json:"estimate,omitempty"`
}

// Carbon holds what turns energy into emissions.
type Carbon struct {
	CountryISO       string  `json:"country_iso_code"`
	IntensityGPerKWh float64 `json:"intensity_g_per_kwh,omitempty"` // explicit override; 0: table	// IntensityName and IntensitySource say where IntensityGPerKWh came
	// from when it was fetched (Electricity Maps) rather than configured.
	IntensityName   string `json:"intensity_name,omitempty"`
	IntensitySource string `json:"intensity_source,omitempty"`
	// LiveZone and LiveTokenEnv ask for the grid's intensity over the run
	// from Electricity Maps; the token is read from the named variable.
	LiveZone     string `json:"electricity_maps_zone,omitempty"`
	LiveTokenEnv string `json:"electricity_maps_token_env,omitempty"`
	LiveURL      string `json:"electricity_maps_url,omitempty"`
	// IntensityError says why the live intensity could not be had.
	IntensityError string `json:"intensity_error,omitempty"`

	PUE         float64 `json:"pue"`
	ProjectName string  `json:"project_name,omitempty"`
	// EmissionsDir is metrics.output_dir: where, like CodeCarbon, the run
	// also appends its rows to emissions.csv.
	EmissionsDir string `json:"emissions_dir,omitempty"`
}

// Reporter is one configured result sink.
type Reporter struct {
	Type       string `json:"type"`
	OutputFile string `json:"output_file,omitempty"`
	// Options configure a sink (url, database, …); secrets are only ever
	// named here by their environment variables.
	Options map[string]any `json:"options,omitempty"`
}

// SimTruth is the simulator's exact energy over one model's phases.
type SimTruth struct {
	// SteadyState: MeasuredJ covers the steady-state window, not the
	// whole measured phase.
	SteadyState bool    `json:"steady_state,omitempty"`
	Model       string  `json:"model"`
	MeasuredJ   float64 `json:"measured_j"`
	IdleWatts   float64 `json:"idle_watts"`
	IdleBeforeJ float64 `json:"idle_before_j"`
	IdleAfterJ  float64 `json:"idle_after_j"`
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

// RateStats is one model's open-loop load statistics.
type RateStats struct {
	Model string `json:"model"`
	load.RateStats
}

// ClientCPU is the process's CPU over one model's measured phase.
type ClientCPU struct {
	Model string `json:"model"`
	load.ClientCPU
	// IncludesServer: the built-in simulator ran in the same process, so
	// its CPU is in the figure too.
	IncludesServer bool `json:"includes_server,omitempty"`
}

// SLO are latency objectives in milliseconds; 0 means not set.
type SLO struct {
	TTFTMs float64 `json:"ttft_ms,omitempty"`
	TPOTMs float64 `json:"tpot_ms,omitempty"`
	E2EMs  float64 `json:"e2e_ms,omitempty"`
}

// Server is a launched model server.
type Server struct {
	Argv     []string `json:"argv"`
	StartupS float64  `json:"startup_s"`
}

// Shard is one load generator's share of a load sent from several
// machines (load.shard): the arrivals k of the common schedule with
// k mod Count = Index, or its share of the workers and requests of a
// closed loop. Every shard begins its first measured phase at StartAt.
// Its request ids are those of the whole schedule, unique across shards.
// Load in run.json is the whole schedule's, not the share.
type Shard struct {
	Index   int       `json:"index"`
	Count   int       `json:"count"`
	StartAt time.Time `json:"start_at"`
	// LateS is how long after StartAt the first measured phase began, as
	// this machine's clock saw it; nil until it began.
	LateS *float64 `json:"late_s,omitempty"`
}

// Merge records how aienergy merge combined shard run directories into
// this one.
type Merge struct {
	Shards []MergedShard `json:"shards"`
	// PhaseToleranceS is how far apart the shards' measured phases may
	// start or end before the merge warns.
	PhaseToleranceS float64 `json:"phase_tolerance_s"`
	// PowerFrom gives, keyed "meter/channel", the shard index whose
	// samples power.csv holds: a meter that several shards read (the
	// cluster's Prometheus or DCGM exporter) is kept once, never summed.
	PowerFrom map[string]int `json:"power_from"`
	// ClockCheckOn names the energy counter ("meter/channel") several
	// shards read, on which each shard's clock was checked against the
	// clock of the shard whose copy of it was kept (power_from): the
	// merged clock. Empty when the shards read no counter in common.
	ClockCheckOn string `json:"clock_check_on,omitempty"`
	// Warnings are what the merge found doubtful, as it printed them.
	Warnings []string `json:"warnings,omitempty"`
}

// MergedShard is one shard of a merged run.
type MergedShard struct {
	Index     int       `json:"index"`
	Dir       string    `json:"dir"`
	RunID     string    `json:"run_id"`
	Host      Host      `json:"host"`
	StartedAt time.Time `json:"started_at"`
	// OffsetS places the shard's times on the merged clock: a time t_s in
	// its CSV files is t_s + OffsetS in the merged run's. It is
	// WallOffsetS + ClockCorrectionS.
	OffsetS float64 `json:"offset_s"`
	// WallOffsetS is the shard's started_at less the merged run's (wall
	// clocks, as each machine kept them).
	WallOffsetS float64 `json:"wall_offset_s"`
	// ClockCheckS is the shard's clock error against the shard whose
	// samples were kept (Merge.ClockCheckOn), measured on an energy
	// counter both read: the median time between the two reaching the
	// same counter value; positive when this shard's clock is ahead. Nil
	// when it could not be measured; ClockNote says why.
	ClockCheckS *float64 `json:"clock_check_s,omitempty"`
	// ClockCheckUncertaintyS bounds the error of ClockCheckS: the
	// counter's time resolution (how long a value may have stood before
	// it was read), the spread of the measurements, read latency.
	ClockCheckUncertaintyS *float64 `json:"clock_check_uncertainty_s,omitempty"`
	// ClockCorrectionS is added to the shard's wall-clock offset:
	// −ClockCheckS when the check was precise enough to correct (its
	// uncertainty at most half of it), else 0.
	ClockCorrectionS float64 `json:"clock_correction_s"`
	// ClockNote says how the shard's clock was placed: the reference,
	// corrected, or why not.
	ClockNote   string `json:"clock_note,omitempty"`
	Requests    int    `json:"requests"`
	Interrupted bool   `json:"interrupted,omitempty"`
}
