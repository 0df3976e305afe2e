package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aienergy/aienergy/analysis"
)

// results.csv is the ai_energy_benchmarks POC's reporter CSV (the version
// shared/seeds describes: neuralwatt/ai_energy_benchmarks da72ea7), one
// row per model label: its CSVReporter flattens the results dict with "_"
// between keys (reporters/csv_reporter.py lines 69-92) and appends a
// "timestamp" (line 34); runner.py _aggregate_results (lines 199-247)
// builds that dict from config, summary, energy (metrics/codecarbon.py
// stop(), lines 108-118), backend_info (backends/vllm.py
// get_endpoint_info, lines 62-74) and metrics_metadata
// (metrics/codecarbon.py get_metadata, lines 142-165). pocHeader is that
// flattening for a vLLM run with CodeCarbon, in its order.
//
// The POC's columns shifted whenever its dict had other keys (an "error"
// under energy, say); these are fixed: a figure a run lacks is an empty
// cell. aienergy's own figures follow, under "aienergy_".
var pocHeader = []string{
	"config_name", "config_backend", "config_model", "config_dataset", "config_num_samples",
	"summary_total_prompts", "summary_successful_prompts", "summary_failed_prompts",
	"summary_total_duration_seconds", "summary_avg_latency_seconds", "summary_total_tokens",
	"summary_total_prompt_tokens", "summary_total_completion_tokens", "summary_throughput_tokens_per_second",
	"energy_emissions_kg_co2eq", "energy_emissions_g_co2eq", "energy_energy_kwh", "energy_energy_wh",
	"energy_duration_seconds", "energy_carbon_intensity_g_per_kwh", "energy_project_name", "energy_country", "energy_region",
	"backend_info_backend", "backend_info_endpoint", "backend_info_model", "backend_info_healthy", "backend_info_validated",
	"metrics_metadata_name", "metrics_metadata_version", "metrics_metadata_capabilities",
	"metrics_metadata_project_name", "metrics_metadata_output_dir",
	"timestamp",
}

var resultsHeader = slices.Concat(pocHeader, prefixed("aienergy_",
	"label", "run_id", "started_at", "load_mode", "concurrency", "request_rate", "tokens_estimated",
	"energy_j", "net_energy_j", "energy_method", "energy_basis",
	"joules_per_output_token", "net_joules_per_output_token", "joules_per_token", "net_joules_per_token",
	"wh_per_1000_queries", "net_wh_per_1000_queries", "tokens_per_joule",
	"avg_watts", "peak_watts", "baseline_watts",
	"gpu_energy_j", "cpu_energy_j", "dram_energy_j", "wall_energy_j", "unattributed_j",
	"gco2eq", "net_gco2eq", "gco2eq_per_1000_queries", "pue",
	"ttft_ms_mean", "ttft_ms_p50", "ttft_ms_p90", "ttft_ms_p99",
	"tpot_ms_mean", "tpot_ms_p50", "tpot_ms_p90", "tpot_ms_p99",
	"itl_ms_mean", "itl_ms_p50", "itl_ms_p90", "itl_ms_p99",
	"e2e_ms_mean", "e2e_ms_p50", "e2e_ms_p90", "e2e_ms_p99",
	"requests_per_s", "output_tokens_per_s", "total_tokens_per_s",
	"achieved_concurrency", "interrupted",
))

func prefixed(prefix string, names ...string) []string {
	for i := range names {
		names[i] = prefix + names[i]
	}
	return names
}

// resultsTable maps each label onto the POC's columns as its dict would
// hold them: energies in kWh and Wh include the PUE (they were
// CodeCarbon's energy_consumed); the carbon intensity is the grid's in
// g/kWh (the POC wrote CodeCarbon's emissions_rate there, a kg/s);
// backend_info_healthy and _validated are True when the server answered
// at least one measured request; timestamp is the measured phase's end,
// UTC, in Python's isoformat (as the POC's datetime.utcnow().isoformat()).
func resultsTable(s *Summary) *table {
	t := &table{header: resultsHeader}
	pue := s.Carbon.PUE
	for _, m := range s.Models {
		ld := s.LoadOf(m.Model)
		end := s.StartedAt.Add(time.Duration(m.Window.EndS * float64(time.Second)))
		avgLatency := ""
		if m.Latency.E2E.Count > 0 {
			avgLatency = f64(m.Latency.E2E.Mean / 1000)
		}
		kg, kWh := scaled(m.GCO2eq, 1e-3), scaled(m.EnergyJ, pue/joulesPerKWh)
		wh := scaled(m.EnergyJ, pue/3600)
		answered := pyBool(m.Completed > 0)
		row := []string{
			s.Name, s.Backend.Type, ld.Model, s.Load.Dataset, strconv.Itoa(m.Completed + m.Failed),
			strconv.Itoa(m.Completed + m.Failed), strconv.Itoa(m.Completed), strconv.Itoa(m.Failed),
			f64(m.DurationS), avgLatency, strconv.Itoa(m.InputTokens + m.OutputTokens),
			strconv.Itoa(m.InputTokens), strconv.Itoa(m.OutputTokens), f64(m.Throughput.TotalTokensPerS),
			kg, num(m.GCO2eq), kWh, wh,
			f64(m.DurationS), f64(s.Carbon.GCO2eqPerKWh), s.ProjectName(), s.CountryISO, s.Carbon.Region,
			s.Backend.Type, s.Backend.Endpoint, ld.Model, answered, answered,
			s.Tool, s.Version, capabilities(m),
			s.ProjectName(), "",
			pyISOFormat(end),

			m.Model, s.RunID, s.StartedAt.UTC().Format(time.RFC3339), ld.Mode, intCell(ld.Concurrency), rateCell(ld.RateRPS),
			strconv.FormatBool(m.TokensEstimated),
			num(m.EnergyJ), num(m.NetEnergyJ), m.EnergyMethod, strings.Join(m.EnergyBasis, " "),
			num(m.JoulesPerOutputToken), num(m.NetJoulesPerOutputToken), num(m.JoulesPerToken), num(m.NetJoulesPerToken),
			num(m.WhPer1000Queries), num(m.NetWhPer1000Queries), num(m.TokensPerJoule),
			num(m.AvgWatts), num(m.PeakWatts), num(m.BaselineWatts),
			num(m.Components["gpu"].EnergyJ), num(m.Components["cpu"].EnergyJ), num(m.Components["dram"].EnergyJ),
			num(m.WallJoules), num(m.UnattributedJoules),
			num(m.GCO2eq), num(m.NetGCO2eq), num(m.GCO2eqPer1000Queries), f64(pue),
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

// capabilities lists what the label's figures measured, as the POC's
// metrics_metadata did ("gpu_energy,cpu_energy,ram_energy,carbon_emissions").
func capabilities(m analysis.ModelResult) string {
	var out []string
	for _, c := range []struct{ component, name string }{{"gpu", "gpu_energy"}, {"cpu", "cpu_energy"}, {"dram", "ram_energy"}, {"wall", "wall_energy"}} {
		if r, ok := m.Components[c.component]; ok && r.EnergyJ != nil {
			out = append(out, c.name)
		}
	}
	if m.WallJoules != nil && !slices.Contains(out, "wall_energy") {
		out = append(out, "wall_energy")
	}
	if m.GCO2eq != nil {
		out = append(out, "carbon_emissions")
	}
	return strings.Join(out, ",")
}

// pyISOFormat is Python's datetime.isoformat() of t in UTC, without a
// zone: microseconds only when there are any.
func pyISOFormat(t time.Time) string {
	t = t.UTC().Truncate(time.Microsecond)
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05")
	}
	return t.Format("2006-01-02T15:04:05.000000")
}

func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func intCell(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func rateCell(rps float64) string {
	if rps == 0 {
		return ""
	}
	return f64(rps)
}

// appendResults adds t's rows to a reporter's results CSV at path. A file
// made by the POC's reporter, or by aienergy, has a header whose columns
// are all results.csv's: the rows are appended in its own column order. A
// file with any other column is refused, as appending would shift them.
func appendResults(path string, t *table) error {
	ours := func(h []string) bool {
		for _, c := range h {
			if !slices.Contains(t.header, c) {
				return false
			}
		}
		return true
	}
	ok, err := appendRows(path, t, ours)
	if err == nil && !ok {
		err = fmt.Errorf("%s has other columns than this run's; not appending (move it aside or choose another output_file)", path)
	}
	return err
}

// dist gives mean, p50, p90, p99; empty cells when nothing was observed.
func dist(d analysis.Distribution) []string {
	if d.Count == 0 {
		return []string{"", "", "", ""}
	}
	return []string{f64(d.Mean), f64(d.P50), f64(d.P90), f64(d.P99)}
}

// ParseLabel splits a model label as the runner records it ("llama3 [c=8
// prefill #2]") into the served model and its variant.
func ParseLabel(label string) Point { return parseLabel(label) }

// A LabelLoad is the load one model label ran under.
type LabelLoad struct {
	Model string // the served model: the label without its variant
	Mode  string // sequential, concurrency or rate
	// Closed loop (sequential, concurrency): requests in flight.
	Concurrency int
	// Open loop (rate): requests per second and the cap in flight, 0 for
	// none.
	RateRPS        float64
	MaxConcurrency int
}

// LoadOf is the load of a model label: its own sweep point or stage where
// it is one, else the configured load.
func (s *Summary) LoadOf(label string) LabelLoad {
	p := parseLabel(label)
	l := LabelLoad{Model: p.Model, Mode: s.Load.Mode}
	switch {
	case p.RateRPS > 0:
		l.Mode, l.RateRPS = "rate", p.RateRPS
	case p.Concurrency > 0:
		l.Mode, l.Concurrency = "concurrency", p.Concurrency
	case l.Mode == "rate":
		l.RateRPS = s.Load.RateRPS
	case l.Mode == "sequential":
		l.Concurrency = 1
	default:
		l.Concurrency = max(s.Load.Concurrency, 1)
	}
	if l.Mode == "rate" {
		l.MaxConcurrency = s.Load.MaxConcurrency
		// The cap the label's schedule ran under, as the load recorded it.
		for _, st := range s.RateStats {
			if st.Model == label && st.MaxConcurrency > 0 {
				l.MaxConcurrency = st.MaxConcurrency
			}
		}
	}
	return l
}
