package live

// Metric names, fixed: the Grafana dashboard shipped with aienergy queries
// them by name, so renaming one breaks the dashboard.
const (
	// MetricPower is the latest power reading of each channel, in watts.
	// Labels: meter, channel, component.
	MetricPower = "aienergy_power_watts"
	// MetricEnergy is each channel's energy since its first reading in
	// this run, in joules. Labels: meter, channel, component.
	MetricEnergy = "aienergy_energy_joules_total"
	// MetricPhase is 1 for the phase running now, the only series it has:
	// as every _info metric, it is 1 while it holds and then absent.
	// Labels: model, phase.
	MetricPhase = "aienergy_phase_info"
	// MetricRequests counts finished requests. Labels: model, phase,
	// outcome (ok or error).
	MetricRequests = "aienergy_requests_total"
	// MetricOutputTokens and MetricInputTokens count the tokens of
	// finished requests. Labels: model, phase.
	MetricOutputTokens = "aienergy_output_tokens_total"
	MetricInputTokens  = "aienergy_input_tokens_total"
	// MetricInFlight is the number of requests sent and not yet finished.
	// Label: model.
	MetricInFlight = "aienergy_in_flight_requests"
	// MetricRun is 1 and names the run. Labels: name, run_id.
	MetricRun = "aienergy_run_info"
)

// Request outcomes, the values of the outcome label.
const (
	OutcomeOK    = "ok"
	OutcomeError = "error"
)
