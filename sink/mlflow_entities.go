package sink

import (
	"strconv"
	"strings"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/report"
)

// totalFigures are the headline metrics — the main workload's, as in
// summary.json's top level, never pooled with sweep points or
// prefill-only runs — logged under their plain names; each model's
// figures, variants' too, go under "<model>/<figure>".
var totalFigures = []struct {
	name string
	get  func(t *analysis.RunTotals) *float64
}{
	{"energy_j", func(t *analysis.RunTotals) *float64 { return t.EnergyJ }},
	{"net_energy_j", func(t *analysis.RunTotals) *float64 { return t.NetEnergyJ }},
	{"components_joules", func(t *analysis.RunTotals) *float64 { return t.ComponentsJoules }},
	{"net_components_joules", func(t *analysis.RunTotals) *float64 { return t.NetComponentsJoules }},
	{"wall_joules", func(t *analysis.RunTotals) *float64 { return t.WallJoules }},
	{"net_wall_joules", func(t *analysis.RunTotals) *float64 { return t.NetWallJoules }},
	{"unattributed_joules", func(t *analysis.RunTotals) *float64 { return t.UnattributedJoules }},
	{"net_unattributed_joules", func(t *analysis.RunTotals) *float64 { return t.NetUnattributedJoules }},
	{"joules_per_output_token", func(t *analysis.RunTotals) *float64 { return t.JoulesPerOutputToken }},
	{"net_joules_per_output_token", func(t *analysis.RunTotals) *float64 { return t.NetJoulesPerOutputToken }},
	{"wh_per_1000_queries", func(t *analysis.RunTotals) *float64 { return t.WhPer1000Queries }},
	{"net_wh_per_1000_queries", func(t *analysis.RunTotals) *float64 { return t.NetWhPer1000Queries }},
	{"gco2eq", func(t *analysis.RunTotals) *float64 { return t.GCO2eq }},
	{"net_gco2eq", func(t *analysis.RunTotals) *float64 { return t.NetGCO2eq }},
}

// mlflowEntities is what a run logs: metrics (missing figures are left
// out, never logged as 0), params (the run's settings) and tags.
func mlflowEntities(sum *report.Summary) (metrics []mlflowMetric, params, tags []mlflowKV) {
	endMS := sum.EndedAt.UnixMilli()
	if sum.EndedAt.IsZero() {
		endMS = sum.StartedAt.UnixMilli()
	}
	headline, ok := sum.Headline()
	if ok {
		t := &headline.RunTotals
		for _, c := range []struct {
			name string
			v    int
		}{{"completed", t.Completed}, {"failed", t.Failed}, {"input_tokens", t.InputTokens}, {"output_tokens", t.OutputTokens}} {
			metrics = append(metrics, mlflowMetric{Key: c.name, Value: float64(c.v), Timestamp: endMS})
		}
		metrics = append(metrics, mlflowMetric{Key: "duration_s", Value: t.DurationS, Timestamp: endMS})
		for _, f := range totalFigures {
			if v := f.get(t); v != nil {
				metrics = append(metrics, mlflowMetric{Key: f.name, Value: *v, Timestamp: endMS})
			}
		}
	}
	models := make([]string, len(sum.Models))
	for i, m := range sum.Models {
		models[i] = m.Model
	}
	prefixes := modelPrefixes(models)
	var modelParams []mlflowKV
	for i := range sum.Models {
		m := &sum.Models[i]
		ts := windowEnd(sum, m) / 1e6
		for _, f := range figures {
			if v, ok := f.get(sum, m); ok {
				metrics = append(metrics, mlflowMetric{Key: mlflowKey(prefixes[i] + "/" + f.name), Value: v, Timestamp: ts})
			}
		}
		modelParams = append(modelParams,
			mlflowKV{prefixes[i] + "/model", m.Model},
			mlflowKV{prefixes[i] + "/energy_method", m.EnergyMethod},
			mlflowKV{prefixes[i] + "/energy_basis", strings.Join(m.EnergyBasis, ",")})
	}

	var meters []string
	for _, m := range sum.Meters {
		meters = append(meters, m.Name+":"+m.Type)
	}
	l, b, h, c := sum.Load, sum.Backend, sum.Host, sum.Carbon
	for _, p := range append([]mlflowKV{
		{"backend.type", b.Type}, {"backend.endpoint", b.Endpoint}, {"backend.api", b.API},
		{"backend.stream", strconv.FormatBool(b.Stream)},
		{"load.mode", l.Mode}, {"load.concurrency", strconv.Itoa(l.Concurrency)},
		{"load.requests", itoaNonZero(l.Requests)}, {"load.duration_s", ftoaNonZero(l.DurationS)},
		{"load.max_tokens", itoaNonZero(l.MaxTokens)}, {"load.min_tokens", itoaNonZero(l.MinTokens)},
		{"load.ignore_eos", strconv.FormatBool(l.IgnoreEOS)}, {"load.dataset", l.Dataset},
		{"phases.idle_before_s", fmtFloat(sum.Phases.IdleBeforeS)},
		{"phases.warmup_requests", strconv.Itoa(sum.Phases.WarmupRequests)},
		{"phases.idle_after_s", fmtFloat(sum.Phases.IdleAfterS)},
		{"carbon.region", c.Region}, {"carbon.g_co2eq_per_kwh", fmtFloat(c.GCO2eqPerKWh)},
		{"carbon.source", c.Source}, {"carbon.pue", fmtFloat(c.PUE)},
		{"host.hostname", h.Hostname}, {"host.os", h.OS}, {"host.arch", h.Arch}, {"host.cpus", strconv.Itoa(h.CPUs)},
		{"meters", strings.Join(meters, ",")},
		{"models", strings.Join(models, ",")},
		{"headline_models", strings.Join(headline.Models, ",")},
		{"aienergy.version", sum.Version},
	}, modelParams...) {
		// MLflow rejects an empty param value on some stores; an unset
		// setting is simply not logged.
		if p.Value != "" {
			params = append(params, mlflowKV{mlflowKey(p.Key), truncate(p.Value, mlflowMaxParamValue)})
		}
	}

	for _, tg := range []mlflowKV{
		{"mlflow.source.name", "aienergy"},
		{"mlflow.source.type", "LOCAL"},
		{"aienergy.run_id", sum.RunID},
		{"aienergy.name", sum.Name},
		{"aienergy.project", sum.Project},
		{"aienergy.schema", sum.Schema},
		{"aienergy.interrupted", strconv.FormatBool(sum.Interrupted)},
		{"aienergy.error", sum.Error},
		{"aienergy.warnings", strings.Join(sum.Warnings, "\n")},
	} {
		if tg.Value != "" {
			tags = append(tags, mlflowKV{tg.Key, truncate(tg.Value, mlflowMaxTagValue)})
		}
	}
	return metrics, params, tags
}

func itoaNonZero(v int) string {
	if v == 0 {
		return ""
	}
	return strconv.Itoa(v)
}

func ftoaNonZero(v float64) string {
	if v == 0 {
		return ""
	}
	return fmtFloat(v)
}
