package analysis

// Result is everything Analyze finds in a run. Energy-derived figures are
// pointers: nil (null in JSON) means "no data", never zero.
type Result struct {
	Models   []ModelResult    `json:"models"` // in the order of the phases
	Totals   RunTotals        `json:"totals"`
	Carbon   Carbon           `json:"carbon"`
	Channels []ChannelSummary `json:"channels"` // how each meter channel behaved over the run
	Warnings []string         `json:"warnings"`
}

// Window is a stretch of the run, in seconds since run start.
type Window struct {
	StartS    float64 `json:"start_s"`
	EndS      float64 `json:"end_s"`
	DurationS float64 `json:"duration_s"`
}

// ModelResult holds one model's figures over its measured phase.
//
// The headline energy (energy_j and everything derived from it) is the sum
// of all component channels — gpu, cpu, dram and other — when the run has
// any, else the sum of the wall channels. Components and wall are never
// added together; both appear in Components, and the wall's excess over
// the components is UnattributedJoules. Net figures subtract each
// channel's idle baseline power times the measured duration.
type ModelResult struct {
	Model  string `json:"model"`
	Window Window `json:"window"`
	RequestCounts
	DurationS float64 `json:"duration_s"`

	EnergyJ    *float64 `json:"energy_j"`
	NetEnergyJ *float64 `json:"net_energy_j"`
	// EnergyUncertaintyJ and NetEnergyUncertaintyJ bound the error of
	// EnergyJ and NetEnergyJ from how they were measured (see
	// ChannelResult.UncertaintyJ), summed over the basis channels. Every
	// figure derived from an energy carries its relative uncertainty.
	EnergyUncertaintyJ    *float64 `json:"energy_uncertainty_j"`
	NetEnergyUncertaintyJ *float64 `json:"net_energy_uncertainty_j"`
	EnergyBasis           []string `json:"energy_basis"`  // channel keys summed into energy_j
	EnergyMethod          string   `json:"energy_method"` // counter, integration or mixed; "" without data

	JoulesPerOutputToken    *float64 `json:"joules_per_output_token"`
	NetJoulesPerOutputToken *float64 `json:"net_joules_per_output_token"`
	JoulesPerToken          *float64 `json:"joules_per_token"`
	NetJoulesPerToken       *float64 `json:"net_joules_per_token"`
	WhPer1000Queries        *float64 `json:"wh_per_1000_queries"`
	NetWhPer1000Queries     *float64 `json:"net_wh_per_1000_queries"`
	TokensPerJoule          *float64 `json:"tokens_per_joule"`
	NetTokensPerJoule       *float64 `json:"net_tokens_per_joule"`
	AvgWatts                *float64 `json:"avg_watts"`
	PeakWatts               *float64 `json:"peak_watts"` // peak of the summed power of the basis channels
	BaselineWatts           *float64 `json:"baseline_watts"`

	// ReasoningTokens are the output tokens spent thinking (as the server
	// reports them); answer tokens are the rest. J per answer token divides
	// the energy by answer tokens only.
	ReasoningTokens         int      `json:"reasoning_tokens,omitempty"`
	JoulesPerAnswerToken    *float64 `json:"joules_per_answer_token,omitempty"`
	NetJoulesPerAnswerToken *float64 `json:"net_joules_per_answer_token,omitempty"`

	// Items is the work a measured phase reported (aienergy measure);
	// JoulesPerItem divides the energy by it (J per image, say).
	Items            int      `json:"items,omitempty"`
	JoulesPerItem    *float64 `json:"joules_per_item,omitempty"`
	NetJoulesPerItem *float64 `json:"net_joules_per_item,omitempty"`

	GCO2eq                  *float64 `json:"gco2eq"`
	NetGCO2eq               *float64 `json:"net_gco2eq"`
	GCO2eqPer1000Queries    *float64 `json:"gco2eq_per_1000_queries"`
	NetGCO2eqPer1000Queries *float64 `json:"net_gco2eq_per_1000_queries"`

	ComponentsJoules      *float64 `json:"components_joules"` // gpu + cpu + dram + other
	NetComponentsJoules   *float64 `json:"net_components_joules"`
	WallJoules            *float64 `json:"wall_joules"`
	NetWallJoules         *float64 `json:"net_wall_joules"`
	UnattributedJoules    *float64 `json:"unattributed_joules"` // wall − components
	NetUnattributedJoules *float64 `json:"net_unattributed_joules"`

	Latency    Latency                    `json:"latency"`
	Throughput Throughput                 `json:"throughput"`
	Channels   []ChannelResult            `json:"channels"`
	Components map[string]ComponentResult `json:"components"`
	Warnings   []string                   `json:"warnings"`
}

// ChannelResult is one channel's energy over a model's measured phase.
type ChannelResult struct {
	Key       string `json:"key"` // meter/channel
	Meter     string `json:"meter"`
	Channel   string `json:"channel"`
	Component string `json:"component"`
	Method    string `json:"method"` // "" without data

	EnergyJ             *float64 `json:"energy_j"`
	NetEnergyJ          *float64 `json:"net_energy_j"`
	BaselineWatts       *float64 `json:"baseline_watts"` // idle before and after together
	BaselineBeforeWatts *float64 `json:"baseline_before_watts"`
	BaselineAfterWatts  *float64 `json:"baseline_after_watts"`
	AvgWatts            *float64 `json:"avg_watts"`
	PeakWatts           *float64 `json:"peak_watts"`
	// UncertaintyJ bounds the error of EnergyJ from the method: for a
	// counter, its step (resolution or refresh) at each window edge; for
	// integrated power, the power change across the sample interval at
	// each edge, the sampling error inside the window and the power
	// reading's resolution. NetUncertaintyJ adds the baseline's
	// uncertainty over the covered time.
	UncertaintyJ    *float64 `json:"uncertainty_j"`
	NetUncertaintyJ *float64 `json:"net_uncertainty_j"`
	// MethodReason says why Method was chosen for this window (a counter
	// too coarse for it, say); Alternative is the other method's figure,
	// kept as a cross-check.
	MethodReason string             `json:"method_reason,omitempty"`
	Alternative  *MethodAlternative `json:"alternative,omitempty"`
	// Rejected counts the channel's readings left out of every figure of
	// the run as physically impossible (negative power, a counter that
	// ran backwards, a time that is not a number), by reason.
	Rejected map[string]int `json:"rejected_readings,omitempty"`

	Samples  int      `json:"samples"`
	CoveredS float64  `json:"covered_s"`
	Coverage float64  `json:"coverage"`
	MaxGapS  float64  `json:"max_gap_s"`
	Gaps     int      `json:"gaps"`
	Resets   int      `json:"resets"`
	Wraps    int      `json:"wraps"`
	Warnings []string `json:"warnings"`
}

// ComponentResult sums the channels of one component (all GPUs, say):
// energies and powers add; they are never averaged.
type ComponentResult struct {
	// Meter is the meter whose channels make the figures; other meters of
	// the same component are compared in CrossChecks, never added.
	Meter                   string   `json:"meter"`
	Channels                []string `json:"channels"`
	Method                  string   `json:"method"`
	EnergyJ                 *float64 `json:"energy_j"`
	NetEnergyJ              *float64 `json:"net_energy_j"`
	UncertaintyJ            *float64 `json:"uncertainty_j"`
	NetUncertaintyJ         *float64 `json:"net_uncertainty_j"`
	BaselineWatts           *float64 `json:"baseline_watts"`
	AvgWatts                *float64 `json:"avg_watts"`
	PeakWatts               *float64 `json:"peak_watts"` // peak of the summed power
	JoulesPerOutputToken    *float64 `json:"joules_per_output_token"`
	NetJoulesPerOutputToken *float64 `json:"net_joules_per_output_token"`
	WhPer1000Queries        *float64 `json:"wh_per_1000_queries"`
	NetWhPer1000Queries     *float64 `json:"net_wh_per_1000_queries"`

	CrossChecks []CrossCheck `json:"cross_checks,omitempty"`
}

// RunTotals adds up the models. An energy total is nil unless every model
// has that figure.
type RunTotals struct {
	Models int `json:"models"`
	RequestCounts
	DurationS               float64  `json:"duration_s"` // sum of the measured phases
	EnergyJ                 *float64 `json:"energy_j"`
	NetEnergyJ              *float64 `json:"net_energy_j"`
	EnergyUncertaintyJ      *float64 `json:"energy_uncertainty_j"`
	NetEnergyUncertaintyJ   *float64 `json:"net_energy_uncertainty_j"`
	ComponentsJoules        *float64 `json:"components_joules"`
	NetComponentsJoules     *float64 `json:"net_components_joules"`
	WallJoules              *float64 `json:"wall_joules"`
	NetWallJoules           *float64 `json:"net_wall_joules"`
	UnattributedJoules      *float64 `json:"unattributed_joules"`
	NetUnattributedJoules   *float64 `json:"net_unattributed_joules"`
	JoulesPerOutputToken    *float64 `json:"joules_per_output_token"`
	NetJoulesPerOutputToken *float64 `json:"net_joules_per_output_token"`
	WhPer1000Queries        *float64 `json:"wh_per_1000_queries"`
	NetWhPer1000Queries     *float64 `json:"net_wh_per_1000_queries"`
	GCO2eq                  *float64 `json:"gco2eq"`
	NetGCO2eq               *float64 `json:"net_gco2eq"`
}

// ChannelSummary tells how a meter channel behaved over the whole run.
type ChannelSummary struct {
	Key            string   `json:"key"`
	Meter          string   `json:"meter"`
	Channel        string   `json:"channel"`
	Component      string   `json:"component"`
	Method         string   `json:"method"` // how its energy is computed
	Samples        int      `json:"samples"`
	FirstS         float64  `json:"first_s"`
	LastS          float64  `json:"last_s"`
	SampleSpacingS float64  `json:"sample_spacing_s"` // median
	SampleRateHz   *float64 `json:"sample_rate_hz"`
	// CounterUpdateS is the median time between counter changes: the
	// meter's real refresh interval.
	CounterUpdateS *float64 `json:"counter_update_s,omitempty"`
	// PowerUpdateS is how often the power reading really changes, when
	// that is slower than the sampling (a 1 Hz exporter read at 10 Hz).
	PowerUpdateS *float64 `json:"power_update_s,omitempty"`
	Gaps         int      `json:"gaps"`
	MaxGapS      float64  `json:"max_gap_s"`
	Resets       int      `json:"resets"`
	Wraps        int      `json:"wraps"`
	// Resolution is the coarser of the declared and the observed step of
	// the channel's counter (J) and power reading (W).
	CounterResolutionJ *float64 `json:"counter_resolution_j,omitempty"`
	PowerResolutionW   *float64 `json:"power_resolution_w,omitempty"`
	// Rejected counts readings left out as physically impossible, by reason.
	Rejected map[string]int `json:"rejected_readings,omitempty"`
}

// MethodAlternative is the energy the method not chosen gives for the same
// window, with its own uncertainty, kept as a cross-check.
type MethodAlternative struct {
	Method       string  `json:"method"`
	EnergyJ      float64 `json:"energy_j"`
	UncertaintyJ float64 `json:"uncertainty_j"`
	// DifferencePct is (alternative − chosen) / chosen × 100.
	DifferencePct *float64 `json:"difference_pct"`
}
