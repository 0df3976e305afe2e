package sink

import (
	"math"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/report"
)

// figure is one numeric headline figure of a model's measured phase, as
// every sink sends it: an InfluxDB field, a ClickHouse column, an MLflow
// metric. Names are summary.json's, flattened (latency.ttft_ms.p50 is
// ttft_p50_ms).
type figure struct {
	name string
	// integer figures are counts (InfluxDB integer fields, ClickHouse
	// UInt64 columns).
	integer bool
	// optional figures can be missing (null in summary.json): the sinks
	// then leave them out, or write NULL — never 0.
	optional bool
	get      func(s *report.Summary, m *analysis.ModelResult) (float64, bool)
}

func ptr(f func(m *analysis.ModelResult) *float64) func(*report.Summary, *analysis.ModelResult) (float64, bool) {
	return func(_ *report.Summary, m *analysis.ModelResult) (float64, bool) {
		if p := f(m); p != nil {
			return *p, true
		}
		return 0, false
	}
}

func always(f func(m *analysis.ModelResult) float64) func(*report.Summary, *analysis.ModelResult) (float64, bool) {
	return func(_ *report.Summary, m *analysis.ModelResult) (float64, bool) { return f(m), true }
}

func count(name string, f func(m *analysis.ModelResult) int) figure {
	return figure{name: name, integer: true, get: always(func(m *analysis.ModelResult) float64 { return float64(f(m)) })}
}

func opt(name string, f func(m *analysis.ModelResult) *float64) figure {
	return figure{name: name, optional: true, get: ptr(f)}
}

// latencyFigures are the statistics of each latency distribution, missing
// when it holds no values.
func latencyFigures() []figure {
	dists := []struct {
		name string
		get  func(l *analysis.Latency) *analysis.Distribution
	}{
		{"ttft", func(l *analysis.Latency) *analysis.Distribution { return &l.TTFT }},
		{"tpot", func(l *analysis.Latency) *analysis.Distribution { return &l.TPOT }},
		{"itl", func(l *analysis.Latency) *analysis.Distribution { return &l.ITL }},
		{"e2e", func(l *analysis.Latency) *analysis.Distribution { return &l.E2E }},
	}
	stats := []struct {
		name string
		get  func(d *analysis.Distribution) float64
	}{
		{"mean", func(d *analysis.Distribution) float64 { return d.Mean }},
		{"p50", func(d *analysis.Distribution) float64 { return d.P50 }},
		{"p90", func(d *analysis.Distribution) float64 { return d.P90 }},
		{"p99", func(d *analysis.Distribution) float64 { return d.P99 }},
		{"min", func(d *analysis.Distribution) float64 { return d.Min }},
		{"max", func(d *analysis.Distribution) float64 { return d.Max }},
	}
	var out []figure
	for _, d := range dists {
		for _, st := range stats {
			out = append(out, figure{name: d.name + "_" + st.name + "_ms", optional: true,
				get: func(_ *report.Summary, m *analysis.ModelResult) (float64, bool) {
					dist := d.get(&m.Latency)
					return st.get(dist), dist.Count > 0
				}})
		}
	}
	return out
}

// figures lists every figure, in a fixed order (the order of ClickHouse's
// columns).
var figures = append([]figure{
	count("completed", func(m *analysis.ModelResult) int { return m.Completed }),
	count("failed", func(m *analysis.ModelResult) int { return m.Failed }),
	count("input_tokens", func(m *analysis.ModelResult) int { return m.InputTokens }),
	count("output_tokens", func(m *analysis.ModelResult) int { return m.OutputTokens }),
	{name: "items", integer: true, optional: true, get: func(_ *report.Summary, m *analysis.ModelResult) (float64, bool) {
		return float64(m.Items), m.Items > 0 // 0: the phase reported no items
	}},
	{name: "duration_s", get: always(func(m *analysis.ModelResult) float64 { return m.DurationS })},
	opt("energy_j", func(m *analysis.ModelResult) *float64 { return m.EnergyJ }),
	opt("net_energy_j", func(m *analysis.ModelResult) *float64 { return m.NetEnergyJ }),
	opt("energy_uncertainty_j", func(m *analysis.ModelResult) *float64 { return m.EnergyUncertaintyJ }),
	opt("net_energy_uncertainty_j", func(m *analysis.ModelResult) *float64 { return m.NetEnergyUncertaintyJ }),
	opt("joules_per_output_token", func(m *analysis.ModelResult) *float64 { return m.JoulesPerOutputToken }),
	opt("net_joules_per_output_token", func(m *analysis.ModelResult) *float64 { return m.NetJoulesPerOutputToken }),
	opt("joules_per_token", func(m *analysis.ModelResult) *float64 { return m.JoulesPerToken }),
	opt("net_joules_per_token", func(m *analysis.ModelResult) *float64 { return m.NetJoulesPerToken }),
	opt("wh_per_1000_queries", func(m *analysis.ModelResult) *float64 { return m.WhPer1000Queries }),
	opt("net_wh_per_1000_queries", func(m *analysis.ModelResult) *float64 { return m.NetWhPer1000Queries }),
	opt("tokens_per_joule", func(m *analysis.ModelResult) *float64 { return m.TokensPerJoule }),
	opt("net_tokens_per_joule", func(m *analysis.ModelResult) *float64 { return m.NetTokensPerJoule }),
	opt("joules_per_item", func(m *analysis.ModelResult) *float64 { return m.JoulesPerItem }),
	opt("net_joules_per_item", func(m *analysis.ModelResult) *float64 { return m.NetJoulesPerItem }),
	opt("avg_watts", func(m *analysis.ModelResult) *float64 { return m.AvgWatts }),
	opt("peak_watts", func(m *analysis.ModelResult) *float64 { return m.PeakWatts }),
	opt("baseline_watts", func(m *analysis.ModelResult) *float64 { return m.BaselineWatts }),
	opt("gco2eq", func(m *analysis.ModelResult) *float64 { return m.GCO2eq }),
	opt("net_gco2eq", func(m *analysis.ModelResult) *float64 { return m.NetGCO2eq }),
	opt("gco2eq_per_1000_queries", func(m *analysis.ModelResult) *float64 { return m.GCO2eqPer1000Queries }),
	opt("net_gco2eq_per_1000_queries", func(m *analysis.ModelResult) *float64 { return m.NetGCO2eqPer1000Queries }),
	opt("components_joules", func(m *analysis.ModelResult) *float64 { return m.ComponentsJoules }),
	opt("net_components_joules", func(m *analysis.ModelResult) *float64 { return m.NetComponentsJoules }),
	opt("wall_joules", func(m *analysis.ModelResult) *float64 { return m.WallJoules }),
	opt("net_wall_joules", func(m *analysis.ModelResult) *float64 { return m.NetWallJoules }),
	opt("unattributed_joules", func(m *analysis.ModelResult) *float64 { return m.UnattributedJoules }),
	opt("net_unattributed_joules", func(m *analysis.ModelResult) *float64 { return m.NetUnattributedJoules }),
	{name: "requests_per_s", get: always(func(m *analysis.ModelResult) float64 { return m.Throughput.RequestsPerS })},
	{name: "output_tokens_per_s", get: always(func(m *analysis.ModelResult) float64 { return m.Throughput.OutputTokensPerS })},
	{name: "total_tokens_per_s", get: always(func(m *analysis.ModelResult) float64 { return m.Throughput.TotalTokensPerS })},
	{name: "achieved_concurrency", get: always(func(m *analysis.ModelResult) float64 { return m.Throughput.AchievedConcurrency })},
	{name: "carbon_intensity_g_per_kwh", get: func(s *report.Summary, _ *analysis.ModelResult) (float64, bool) {
		return s.Carbon.GCO2eqPerKWh, true
	}},
	{name: "pue", get: func(s *report.Summary, _ *analysis.ModelResult) (float64, bool) { return s.Carbon.PUE, true }},
}, latencyFigures()...)

// windowEnd is the wall-clock end of a model's measured phase: the
// timestamp of its results.
func windowEnd(s *report.Summary, m *analysis.ModelResult) int64 {
	return s.StartedAt.UnixNano() + int64(math.Round(m.Window.EndS*1e9))
}

// windowStart is windowEnd's counterpart for the phase's start.
func windowStart(s *report.Summary, m *analysis.ModelResult) int64 {
	return s.StartedAt.UnixNano() + int64(math.Round(m.Window.StartS*1e9))
}
