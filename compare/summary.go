package compare

import "time"

// The structs below decode only what a leaderboard needs from
// summary.json. They are this package's own so that new fields in the
// schema never break reading older or newer runs, and so that figures
// written as null stay nil (analysis.Distribution only marshals).

type summaryFile struct {
	Schema      string      `json:"schema"`
	Name        string      `json:"name"`
	RunID       string      `json:"run_id"`
	StartedAt   time.Time   `json:"started_at"`
	Interrupted bool        `json:"interrupted"`
	Host        hostFile    `json:"host"`
	Backend     backendFile `json:"backend"`
	Meters      []meterFile `json:"meters"`
	Carbon      carbonFile  `json:"carbon"`
	Models      []modelFile `json:"models"`
	Warnings    []string    `json:"warnings"`
}

type hostFile struct {
	Hostname string `json:"hostname"`
	OS       string `json:"os"`
	Arch     string `json:"arch"`
	CPUs     int    `json:"cpus"`
	// GPUs names the GPU models ("NVIDIA H100 80GB HBM3"), one per board,
	// when the run recorded them; older runs have none.
	GPUs []string `json:"gpus"`
}

type backendFile struct {
	Type     string `json:"type"`
	Endpoint string `json:"endpoint"`
	API      string `json:"api"`
}

type meterFile struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Error    string `json:"error"`
	LiveName string `json:"live_name"`
	Estimate bool   `json:"estimate"`
}

type carbonFile struct {
	Name         string   `json:"name"`
	GCO2eqPerKWh *float64 `json:"g_co2eq_per_kwh"`
	PUE          *float64 `json:"pue"`
}

type modelFile struct {
	Model           string   `json:"model"`
	Completed       int      `json:"completed"`
	Failed          int      `json:"failed"`
	OutputTokens    int      `json:"output_tokens"`
	TokensEstimated bool     `json:"tokens_estimated"`
	Items           int      `json:"items"`
	EnergyJ         *float64 `json:"energy_j"`
	EnergyBasis     []string `json:"energy_basis"`
	EnergyMethod    string   `json:"energy_method"`

	JoulesPerOutputToken    *float64 `json:"joules_per_output_token"`
	NetJoulesPerOutputToken *float64 `json:"net_joules_per_output_token"`
	WhPer1000Queries        *float64 `json:"wh_per_1000_queries"`
	NetWhPer1000Queries     *float64 `json:"net_wh_per_1000_queries"`
	GCO2eqPer1000Queries    *float64 `json:"gco2eq_per_1000_queries"`
	JoulesPerItem           *float64 `json:"joules_per_item"`
	AvgWatts                *float64 `json:"avg_watts"`

	Latency struct {
		TTFT distFile `json:"ttft_ms"`
		E2E  distFile `json:"e2e_ms"`
	} `json:"latency"`
	Throughput struct {
		OutputTokensPerS *float64 `json:"output_tokens_per_s"`
	} `json:"throughput"`
	Channels []struct {
		Key       string `json:"key"`
		Meter     string `json:"meter"`
		Component string `json:"component"`
	} `json:"channels"`
	Components map[string]struct {
		WhPer1000Queries *float64 `json:"wh_per_1000_queries"`
	} `json:"components"`
	Warnings []string `json:"warnings"`
}

type distFile struct {
	Count int      `json:"count"`
	P50   *float64 `json:"p50"`
	P99   *float64 `json:"p99"`
}
