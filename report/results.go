package report

import (
	"strconv"
	"strings"

	"github.com/aienergy/aienergy/analysis"
)

// resultsHeader is the flattened results CSV, one row per model. Its
// columns are fixed, whatever a run measured: a figure a run lacks is an
// empty cell, so rows appended from different runs always line up (the
// POC's reporter let columns shift when a run had other fields).
var resultsHeader = []string{
	"name", "run_id", "started_at", "model", "backend", "endpoint", "load_mode", "concurrency",
	"completed", "failed", "input_tokens", "output_tokens", "tokens_estimated", "duration_s",
	"energy_j", "net_energy_j", "energy_method", "energy_basis",
	"joules_per_output_token", "net_joules_per_output_token", "joules_per_token", "net_joules_per_token",
	"wh_per_1000_queries", "net_wh_per_1000_queries", "tokens_per_joule",
	"avg_watts", "peak_watts", "baseline_watts",
	"gpu_energy_j", "cpu_energy_j", "dram_energy_j", "wall_energy_j", "unattributed_j",
	"gco2eq", "net_gco2eq", "gco2eq_per_1000_queries", "carbon_intensity_g_per_kwh", "carbon_region", "pue",
	"ttft_ms_mean", "ttft_ms_p50", "ttft_ms_p90", "ttft_ms_p99",
	"tpot_ms_mean", "tpot_ms_p50", "tpot_ms_p90", "tpot_ms_p99",
	"itl_ms_mean", "itl_ms_p50", "itl_ms_p90", "itl_ms_p99",
	"e2e_ms_mean", "e2e_ms_p50", "e2e_ms_p90", "e2e_ms_p99",
	"requests_per_s", "output_tokens_per_s", "total_tokens_per_s",
	"achieved_concurrency", "interrupted",
}

func resultsTable(s *Summary) *table {
	t := &table{header: resultsHeader}
	for _, m := range s.Models {
		row := []string{
			s.Name, s.RunID, s.StartedAt.UTC().Format("2006-01-02T15:04:05Z"), m.Model, s.Backend.Type, s.Backend.Endpoint,
			s.Load.Mode, strconv.Itoa(s.Load.Concurrency),
			strconv.Itoa(m.Completed), strconv.Itoa(m.Failed), strconv.Itoa(m.InputTokens), strconv.Itoa(m.OutputTokens),
			strconv.FormatBool(m.TokensEstimated), f64(m.DurationS),
			num(m.EnergyJ), num(m.NetEnergyJ), m.EnergyMethod, strings.Join(m.EnergyBasis, " "),
			num(m.JoulesPerOutputToken), num(m.NetJoulesPerOutputToken), num(m.JoulesPerToken), num(m.NetJoulesPerToken),
			num(m.WhPer1000Queries), num(m.NetWhPer1000Queries), num(m.TokensPerJoule),
			num(m.AvgWatts), num(m.PeakWatts), num(m.BaselineWatts),
			num(m.Components["gpu"].EnergyJ), num(m.Components["cpu"].EnergyJ), num(m.Components["dram"].EnergyJ),
			num(m.WallJoules), num(m.UnattributedJoules),
			num(m.GCO2eq), num(m.NetGCO2eq), num(m.GCO2eqPer1000Queries),
			f64(s.Carbon.GCO2eqPerKWh), s.Carbon.Region, f64(s.Carbon.PUE),
		}
		for _, d := range []analysis.Distribution{m.Latency.TTFT, m.Latency.TPOT, m.Latency.ITL, m.Latency.E2E} {
			row = append(row, dist(d)...)
		}
		row = append(row,
			f64(m.Throughput.RequestsPerS), f64(m.Throughput.OutputTokensPerS), f64(m.Throughput.TotalTokensPerS),
			f64(m.Throughput.AchievedConcurrency), strconv.FormatBool(s.Interrupted),
		)
		t.add(row...)
	}
	return t
}

// dist gives mean, p50, p90, p99; empty cells when nothing was observed.
func dist(d analysis.Distribution) []string {
	if d.Count == 0 {
		return []string{"", "", "", ""}
	}
	return []string{f64(d.Mean), f64(d.P50), f64(d.P90), f64(d.P99)}
}
