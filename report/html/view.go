package html

import (
	"fmt"
	"html/template"
	"maps"
	"slices"
	"strings"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/report"
)

// page is what the template fills in: the summary's figures, formatted.
type page struct {
	S        *report.Summary
	Duration string
	// Load is the load the run applied (report.Summary.LoadShape).
	Load string
	// Served: the run sent requests. A measured command did not: Work
	// is its headline, and the request sections are left out.
	Served    bool
	Work      []workRow
	WorkTotal workRow
	// HasData names the charts that have something to draw: a chart
	// without is left out of the page.
	HasData       map[string]bool
	Sweep         *sweepView
	Repetitions   []repGroup
	PrefillDecode []prefillDecodeRow
	RequestEnergy []requestEnergyView
	Rates         []rateRow
	Headline      []headlineRow
	Totals        headlineRow
	EnergyBar     []template.HTML
	Methods       []modelMethod
	Meters        []meterRow
	Channels      []channelSummaryRow
	Charts        template.JS // chartsData as JSON
	UPlotJS       template.JS
	UPlotCSS      template.CSS
	AppJS         template.JS
	License       string

	Buckets int // display buckets per line
	// HighUncertaintyPct is analysis.UncertaintyWarnFraction in percent.
	HighUncertaintyPct float64
	UPlotVersion       string
}

type headlineRow struct {
	Model, Requests, OutputTokens                string
	JPerToken, WhPer1000, GCO2, GCO2Per1000      string
	Energy, AvgW, BaselineW, TokensPerS, ReqPerS string
	TTFT, E2E, ITL                               string
}

func headline(m analysis.ModelResult) headlineRow {
	lat := func(d analysis.Distribution) string {
		if d.Count == 0 {
			return dash
		}
		return sig(d.P50) + " / " + sig(d.P99)
	}
	e := energies{m.EnergyJ, m.EnergyUncertaintyJ, m.NetEnergyJ, m.NetEnergyUncertaintyJ}
	return headlineRow{
		Model:        m.Model,
		Requests:     requests(m.RequestCounts),
		OutputTokens: fmt.Sprint(m.OutputTokens),
		JPerToken:    e.pair(m.JoulesPerOutputToken, m.NetJoulesPerOutputToken),
		WhPer1000:    e.pair(m.WhPer1000Queries, m.NetWhPer1000Queries),
		GCO2:         pair(m.GCO2eq, m.NetGCO2eq),
		GCO2Per1000:  pair(m.GCO2eqPer1000Queries, m.NetGCO2eqPer1000Queries),
		Energy:       e.energy(),
		AvgW:         opt(m.AvgWatts),
		BaselineW:    opt(m.BaselineWatts),
		TokensPerS:   sig(m.Throughput.OutputTokensPerS),
		ReqPerS:      sig(m.Throughput.RequestsPerS),
		TTFT:         lat(m.Latency.TTFT),
		E2E:          lat(m.Latency.E2E),
		ITL:          lat(m.Latency.ITL),
	}
}

func requests(n analysis.RequestCounts) string {
	s := fmt.Sprintf("%d ok", n.Completed)
	if n.Failed > 0 {
		s += fmt.Sprintf(", %d failed", n.Failed)
	}
	return s
}

// energies are a gross and a net energy with their uncertainties; a
// figure derived from one has its relative uncertainty.
type energies struct{ gross, grossU, net, netU *float64 }

// energy formats "gross ± u (%) / net ± u (%)".
func (e energies) energy() string {
	return withU(e.gross, e.grossU, true) + " / " + withU(e.net, e.netU, true)
}

// pair formats "gross ± u / net ± u" for figures derived from e.
func (e energies) pair(gross, net *float64) string {
	return withU(gross, report.DerivedUncertainty(gross, e.gross, e.grossU), false) + " / " +
		withU(net, report.DerivedUncertainty(net, e.net, e.netU), false)
}

// summaryRow is the row under the models: the run's totals, or, when
// the run has variants (sweep points, prefill-only runs), the main
// workload alone, since per-work figures pooled over variants answer no
// question.
func summaryRow(s *report.Summary) headlineRow {
	h, ok := s.Headline()
	if !ok && len(s.Models) > 1 {
		// Every run was a variant (a sweep point, a prefill-only run):
		// their sum is the run's energy, but a J per token pooled over
		// different loads describes none of them.
		r := totalsRow(s.Totals)
		r.Model, r.JPerToken, r.WhPer1000 = "all runs", dash, dash
		return r
	}
	if !ok || len(h.Models) == len(s.Models) {
		return totalsRow(s.Totals)
	}
	r := totalsRow(h.RunTotals)
	r.Model = fmt.Sprintf("main workload (%d of %d runs)", len(h.Models), len(s.Models))
	return r
}

func totalsRow(t analysis.RunTotals) headlineRow {
	e := energies{t.EnergyJ, t.EnergyUncertaintyJ, t.NetEnergyJ, t.NetEnergyUncertaintyJ}
	return headlineRow{
		Model: "all models", Requests: requests(t.RequestCounts), OutputTokens: fmt.Sprint(t.OutputTokens),
		JPerToken: e.pair(t.JoulesPerOutputToken, t.NetJoulesPerOutputToken),
		WhPer1000: e.pair(t.WhPer1000Queries, t.NetWhPer1000Queries),
		GCO2:      pair(t.GCO2eq, t.NetGCO2eq), GCO2Per1000: dash,
		Energy: e.energy(), AvgW: dash, BaselineW: dash,
		TokensPerS: dash, ReqPerS: dash, TTFT: dash, E2E: dash, ITL: dash,
	}
}

// componentNames are the components in report order, as the analysis
// orders them: wall last, the total the others are checked against.
var componentNames = []string{analysis.ComponentGPU, analysis.ComponentCPU, analysis.ComponentDRAM, analysis.ComponentOther, analysis.ComponentWall}

// energyBars draws, per model, its energy by component, and then every
// model's energy side by side.
func energyBars(s *report.Summary) ([]template.HTML, error) {
	var charts []barChart
	for _, m := range s.Models {
		c := barChart{Title: "Energy by component, " + m.Model + ", measured phase (darker: net of idle baseline)", Unit: "J"}
		for _, name := range componentNames {
			if r, ok := m.Components[name]; ok {
				c.Rows = append(c.Rows, barRow{Label: name + " (" + r.Meter + ")", Gross: r.EnergyJ, Net: r.NetEnergyJ})
			}
		}
		if m.UnattributedJoules != nil {
			c.Rows = append(c.Rows, barRow{Label: "unattributed (wall − components)", Gross: m.UnattributedJoules, Net: m.NetUnattributedJoules})
		}
		if len(c.Rows) > 0 {
			charts = append(charts, c)
		}
	}
	per := barChart{Title: "Energy per model, measured phase (darker: net of idle baseline)", Unit: "J"}
	perTok := barChart{Title: "Energy per output token, per model (darker: net)", Unit: "J/token"}
	// A measured command has no tokens: its work is the items it reported.
	perItem := barChart{Title: "Energy per item, per phase (darker: net)", Unit: "J/item"}
	for _, m := range s.Models {
		per.Rows = append(per.Rows, barRow{Label: m.Model, Gross: m.EnergyJ, Net: m.NetEnergyJ})
		perTok.Rows = append(perTok.Rows, barRow{Label: m.Model, Gross: m.JoulesPerOutputToken, Net: m.NetJoulesPerOutputToken})
		if m.Items > 0 {
			perItem.Rows = append(perItem.Rows, barRow{Label: m.Model, Gross: m.JoulesPerItem, Net: m.NetJoulesPerItem})
		}
	}
	charts = append(charts, per)
	if served(s) {
		charts = append(charts, perTok)
	}
	if len(perItem.Rows) > 0 {
		charts = append(charts, perItem)
	}
	var out []template.HTML
	for _, c := range charts {
		h, err := c.svg()
		if err != nil {
			return nil, fmt.Errorf("drawing %q: %w", c.Title, err)
		}
		out = append(out, h)
	}
	return out, nil
}

// modelMethod says how a model's figures were computed.
type modelMethod struct {
	Model, Window, Basis, Method, Uncertainty string
	Items                                     string
	Channels                                  []channelRow
	Components                                []componentRow
	Warnings                                  []string
}

// channelRow is one channel over a model's measured phase; its warnings
// are the model's, prefixed with its key.
type channelRow struct {
	Key, Component, Method, MethodReason, Samples, Gaps string
	Baseline, Power, Energy, Net, Alternative           string
}

type componentRow struct {
	Name, Meter, Channels, Method, Energy, Baseline, PerToken, CrossChecks string
}

func methods(s *report.Summary) []modelMethod {
	var out []modelMethod
	for _, m := range s.Models {
		mm := modelMethod{
			Model:       m.Model,
			Window:      fmt.Sprintf("%s s to %s s (%s s)", sig(m.Window.StartS), sig(m.Window.EndS), sig(m.Window.DurationS)),
			Basis:       strings.Join(m.EnergyBasis, " + "),
			Method:      m.EnergyMethod,
			Uncertainty: energies{m.EnergyJ, m.EnergyUncertaintyJ, m.NetEnergyJ, m.NetEnergyUncertaintyJ}.energy(),
			Warnings:    m.Warnings,
		}
		if m.Items > 0 {
			mm.Items = fmt.Sprintf("%d items, %s J/item (net %s)", m.Items, opt(m.JoulesPerItem), opt(m.NetJoulesPerItem))
		}
		if mm.Basis == "" {
			mm.Basis = "no channel had data over the measured phase"
		}
		for _, c := range m.Channels {
			gaps := fmt.Sprintf("%d gaps (max %s s), %d resets, %d wraps", c.Gaps, sig(c.MaxGapS), c.Resets, c.Wraps)
			if len(c.Rejected) > 0 {
				gaps += "; rejected: " + rejected(c.Rejected)
			}
			mm.Channels = append(mm.Channels, channelRow{
				Key: c.Key, Component: c.Component, Method: orDash(c.Method), MethodReason: c.MethodReason,
				Samples:  fmt.Sprintf("%d (%s covered)", c.Samples, percent(c.Coverage)),
				Gaps:     gaps,
				Baseline: fmt.Sprintf("%s (%s / %s)", opt(c.BaselineWatts), opt(c.BaselineBeforeWatts), opt(c.BaselineAfterWatts)),
				Power:    opt(c.AvgWatts) + " / " + opt(c.PeakWatts),
				Energy:   withU(c.EnergyJ, c.UncertaintyJ, true), Net: withU(c.NetEnergyJ, c.NetUncertaintyJ, true),
				Alternative: alternative(c.Alternative, c.Method),
			})
		}
		for _, name := range componentNames {
			r, ok := m.Components[name]
			if !ok {
				continue
			}
			var checks []string
			for _, x := range r.CrossChecks {
				diff := dash
				if x.DiffPercent != nil {
					diff = fmt.Sprintf("%+.2f %%", *x.DiffPercent)
				}
				checks = append(checks, fmt.Sprintf("%s (%s, %s): %s J, %s", x.Meter, strings.Join(x.Channels, ", "), orDash(x.Method), opt(x.EnergyJ), diff))
			}
			e := energies{r.EnergyJ, r.UncertaintyJ, r.NetEnergyJ, r.NetUncertaintyJ}
			mm.Components = append(mm.Components, componentRow{
				Name: name, Meter: r.Meter, Channels: strings.Join(r.Channels, ", "), Method: orDash(r.Method),
				Energy: e.energy(), Baseline: opt(r.BaselineWatts),
				PerToken:    e.pair(r.JoulesPerOutputToken, r.NetJoulesPerOutputToken),
				CrossChecks: orDash(strings.Join(checks, "; ")),
			})
		}
		out = append(out, mm)
	}
	return out
}

// alternative formats the other method's energy for a channel, in J, a
// cross-check of the chosen one: "integration: 1495 ± 29, -0.33 % vs
// counter".
func alternative(a *analysis.MethodAlternative, chosen string) string {
	if a == nil {
		return dash
	}
	s := a.Method + ": " + withU(&a.EnergyJ, &a.UncertaintyJ, false)
	if a.DifferencePct != nil {
		s += fmt.Sprintf(", %+.2f %% vs %s", *a.DifferencePct, orDash(chosen))
	}
	return s
}

// rejected lists readings left out as impossible, by reason: "3
// negative power, 1 counter backwards".
func rejected(by map[string]int) string {
	var out []string
	for _, reason := range slices.Sorted(maps.Keys(by)) {
		out = append(out, fmt.Sprintf("%d %s", by[reason], reason))
	}
	return orDash(strings.Join(out, ", "))
}

// channelSummaryRow is how one channel behaved over the whole run.
type channelSummaryRow struct {
	Key, Component, Method, Samples, Rate, Spacing, CounterUpdate string
	Gaps, ResetsWraps, CounterRes, PowerRes, Rejected             string
}

func channelSummaries(s *report.Summary) []channelSummaryRow {
	var out []channelSummaryRow
	unit := func(v *float64, u string) string {
		if v == nil {
			return dash
		}
		return sig(*v) + " " + u
	}
	for _, c := range s.Channels {
		out = append(out, channelSummaryRow{
			Key: c.Key, Component: c.Component, Method: orDash(c.Method), Samples: fmt.Sprint(c.Samples),
			Rate: unit(c.SampleRateHz, "Hz"), Spacing: sig(c.SampleSpacingS) + " s",
			CounterUpdate: unit(c.CounterUpdateS, "s"),
			Gaps:          fmt.Sprintf("%d (max %s s)", c.Gaps, sig(c.MaxGapS)),
			ResetsWraps:   fmt.Sprintf("%d / %d", c.Resets, c.Wraps),
			CounterRes:    unit(c.CounterResolutionJ, "J"), PowerRes: unit(c.PowerResolutionW, "W"),
			Rejected: rejected(c.Rejected),
		})
	}
	return out
}

type meterRow struct {
	Name, Type, Kind, Reads, Rate, Update, MaxGap, Notes string
}

func meters(s *report.Summary) []meterRow {
	var out []meterRow
	for _, m := range s.Meters {
		kind := "measured"
		if m.Estimate {
			kind = "estimate (modeled, not measured)"
		}
		var notes []string
		for _, n := range []string{m.Error, m.LastError, m.WindowError} {
			if n != "" && !slices.Contains(notes, n) {
				notes = append(notes, n)
			}
		}
		if m.LiveName != "" {
			notes = append(notes, fmt.Sprintf("store-backed: %d samples read back from the store; live reads kept as %s", m.WindowSamples, m.LiveName))
		}
		row := meterRow{
			Name: m.Name, Type: m.Type, Kind: kind,
			Reads:  fmt.Sprintf("%d (%d errors)", m.Reads, m.Errors),
			Rate:   sig(m.AchievedHz) + " Hz",
			Update: sig(m.UpdateIntervalS) + " s", MaxGap: sig(m.MaxGapS) + " s",
			Notes: strings.Join(notes, "; "),
		}
		if m.StatsFrom != "" {
			// Errors and the update interval leave no trace in the
			// readings the figures were derived from: no data, not zero.
			row.Reads = fmt.Sprintf("%d (from %s, run cut off)", m.Reads, m.StatsFrom)
			row.Update = dash
		}
		out = append(out, row)
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return dash
	}
	return s
}
