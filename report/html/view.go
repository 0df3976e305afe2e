package html

import (
	"fmt"
	"html/template"
	"slices"
	"strings"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/report"
)

// page is what the template fills in: the summary's figures, formatted.
type page struct {
	S         *report.Summary
	Duration  string
	Headline  []headlineRow
	Totals    headlineRow
	EnergyBar []template.HTML
	Methods   []modelMethod
	Meters    []meterRow
	Charts    template.JS // chartsData as JSON
	UPlotJS   template.JS
	UPlotCSS  template.CSS
	AppJS     template.JS
	License   string

	Buckets      int // display buckets per line
	UPlotVersion string
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
	return headlineRow{
		Model:        m.Model,
		Requests:     requests(m.RequestCounts),
		OutputTokens: fmt.Sprint(m.OutputTokens),
		JPerToken:    pair(m.JoulesPerOutputToken, m.NetJoulesPerOutputToken),
		WhPer1000:    pair(m.WhPer1000Queries, m.NetWhPer1000Queries),
		GCO2:         pair(m.GCO2eq, m.NetGCO2eq),
		GCO2Per1000:  pair(m.GCO2eqPer1000Queries, m.NetGCO2eqPer1000Queries),
		Energy:       pair(m.EnergyJ, m.NetEnergyJ),
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

func totalsRow(t analysis.RunTotals) headlineRow {
	return headlineRow{
		Model: "all models", Requests: requests(t.RequestCounts), OutputTokens: fmt.Sprint(t.OutputTokens),
		JPerToken: pair(t.JoulesPerOutputToken, t.NetJoulesPerOutputToken),
		WhPer1000: pair(t.WhPer1000Queries, t.NetWhPer1000Queries),
		GCO2:      pair(t.GCO2eq, t.NetGCO2eq), GCO2Per1000: dash,
		Energy: pair(t.EnergyJ, t.NetEnergyJ), AvgW: dash, BaselineW: dash,
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
	for _, m := range s.Models {
		per.Rows = append(per.Rows, barRow{Label: m.Model, Gross: m.EnergyJ, Net: m.NetEnergyJ})
		perTok.Rows = append(perTok.Rows, barRow{Label: m.Model, Gross: m.JoulesPerOutputToken, Net: m.NetJoulesPerOutputToken})
	}
	charts = append(charts, per, perTok)
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

type channelRow struct {
	Key, Component, Method, Samples, Coverage, Gaps          string
	Baseline, BaselineSplit, Avg, Peak, Energy, Net, EdgeUnc string
	Warnings                                                 string
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
			Uncertainty: opt(m.EnergyEdgeUncertaintyJ),
			Warnings:    m.Warnings,
		}
		if m.Items > 0 {
			mm.Items = fmt.Sprintf("%d items, %s J/item (net %s)", m.Items, opt(m.JoulesPerItem), opt(m.NetJoulesPerItem))
		}
		if mm.Basis == "" {
			mm.Basis = "no channel had data over the measured phase"
		}
		for _, c := range m.Channels {
			mm.Channels = append(mm.Channels, channelRow{
				Key: c.Key, Component: c.Component, Method: orDash(c.Method),
				Samples: fmt.Sprint(c.Samples), Coverage: percent(c.Coverage),
				Gaps:          fmt.Sprintf("%d gaps (max %s s), %d resets, %d wraps", c.Gaps, sig(c.MaxGapS), c.Resets, c.Wraps),
				Baseline:      opt(c.BaselineWatts),
				BaselineSplit: opt(c.BaselineBeforeWatts) + " / " + opt(c.BaselineAfterWatts),
				Avg:           opt(c.AvgWatts), Peak: opt(c.PeakWatts),
				Energy: opt(c.EnergyJ), Net: opt(c.NetEnergyJ), EdgeUnc: opt(c.EdgeUncertaintyJ),
				Warnings: strings.Join(c.Warnings, "; "),
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
			mm.Components = append(mm.Components, componentRow{
				Name: name, Meter: r.Meter, Channels: strings.Join(r.Channels, ", "), Method: orDash(r.Method),
				Energy: pair(r.EnergyJ, r.NetEnergyJ), Baseline: opt(r.BaselineWatts),
				PerToken:    pair(r.JoulesPerOutputToken, r.NetJoulesPerOutputToken),
				CrossChecks: orDash(strings.Join(checks, "; ")),
			})
		}
		out = append(out, mm)
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
		out = append(out, meterRow{
			Name: m.Name, Type: m.Type, Kind: kind,
			Reads:  fmt.Sprintf("%d (%d errors)", m.Reads, m.Errors),
			Rate:   sig(m.AchievedHz) + " Hz",
			Update: sig(m.UpdateIntervalS) + " s", MaxGap: sig(m.MaxGapS) + " s",
			Notes: strings.Join(notes, "; "),
		})
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return dash
	}
	return s
}
