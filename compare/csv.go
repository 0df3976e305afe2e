package compare

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// CSVHeader is WriteCSV's fixed column set: every board, whatever its
// runs, has these columns in this order, so files from different
// comparisons line up. A missing figure is an empty cell.
var CSVHeader = []string{
	"task", "group", "model", "run_id", "run_name", "run_dir",
	"stars", "star_metric", "star_value",
	"joules_per_output_token", "net_joules_per_output_token",
	"wh_per_1000_queries", "net_wh_per_1000_queries", "gpu_wh_per_1000_queries",
	"gco2eq_per_1000_queries", "items", "joules_per_item", "avg_watts",
	"ttft_p50_ms", "ttft_p99_ms", "e2e_p50_ms", "output_tokens_per_s",
	"pareto", "pareto_latency", "model_params",
	"energy_method", "energy_basis", "meters", "host", "gpu", "warnings",
}

// WriteCSV writes one row per (run, model) under CSVHeader.
func (lb *Leaderboard) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, r := range lb.Rows {
		stars := ""
		if r.Stars > 0 {
			stars = strconv.Itoa(r.Stars)
		}
		items := ""
		if r.Items > 0 {
			items = strconv.Itoa(r.Items)
		}
		rec := []string{
			r.Task, strconv.Itoa(r.Group), r.Model, r.RunID, r.RunName, r.Dir,
			stars, r.StarMetric, exact(r.StarValue),
			exact(r.JoulesPerOutputToken), exact(r.NetJoulesPerOutputToken),
			exact(r.WhPer1000Queries), exact(r.NetWhPer1000Queries), exact(r.GPUWhPer1000Queries),
			exact(r.GCO2eqPer1000Queries), items, exact(r.JoulesPerItem), exact(r.AvgWatts),
			exact(r.TTFTP50ms), exact(r.TTFTP99ms), exact(r.E2EP50ms), exact(r.OutputTokensPerS),
			strconv.FormatBool(r.Pareto), lb.Latency, exact(r.Params),
			r.EnergyMethod, r.Basis, strings.Join(r.Meters, "; "), r.Host, r.GPU, strconv.Itoa(r.Warnings),
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
