// Package html writes report.html: one self-contained page that shows a
// run's figures and charts and works offline. The chart library (uPlot,
// MIT) and the page's script are embedded in the binary and inlined into
// the page, so nothing is fetched when it is opened.
//
// uPlot rather than hand-drawn SVG: hours of 10 Hz samples from several
// channels need zooming to be read, and uPlot draws hundreds of thousands
// of points on a canvas in milliseconds in 50 KB. Bar charts, which need
// neither, are drawn here in Go as inline SVG.
package html

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"path/filepath"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
)

// File is the report's name inside a run directory.
const File = "report.html"

// UPlotVersion is the embedded chart library's version.
const UPlotVersion = "1.6.32"

var (
	//go:embed uplot/uPlot.iife.min.js
	uplotJS string
	//go:embed uplot/uPlot.min.css
	uplotCSS string
	//go:embed uplot/LICENSE
	uplotLicense string
	//go:embed app.js
	appJS string
	//go:embed page.tmpl
	pageTemplate string
	//go:embed variants.tmpl
	variantsTemplate string
)

var pageTmpl = template.Must(template.Must(template.New("page").Parse(pageTemplate)).Parse(variantsTemplate))

// Write renders the report of a run: s is its summary (report.GenerateRaw's
// result) and raw its raw data (rundir.Read), from which the charts are
// drawn.
func Write(w io.Writer, s *report.Summary, raw *rundir.Raw) error {
	data, err := Render(s, raw)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// Render is Write into memory.
func Render(s *report.Summary, raw *rundir.Raw) ([]byte, error) {
	if s == nil || raw == nil {
		return nil, errors.New("html report: need both the summary and the raw data of the run")
	}
	cd, err := buildCharts(s, raw)
	if err != nil {
		return nil, fmt.Errorf("html report: %w", err)
	}
	charts, err := json.Marshal(cd)
	if err != nil {
		return nil, fmt.Errorf("html report: encoding chart data: %w", err)
	}
	sw, err := sweepSection(s.Sweep)
	if err != nil {
		return nil, fmt.Errorf("html report: %w", err)
	}
	bars, err := energyBars(s)
	if err != nil {
		return nil, fmt.Errorf("html report: %w", err)
	}
	perRequest, err := requestEnergyViews(s)
	if err != nil {
		return nil, fmt.Errorf("html report: %w", err)
	}
	p := page{
		S:                  s,
		Duration:           duration(s),
		Load:               s.LoadShape(),
		Served:             served(s),
		HasData:            cd.withData(),
		Sweep:              sw,
		Repetitions:        repetitionGroups(s.Repetitions),
		PrefillDecode:      prefillDecodeRows(s.PrefillDecode),
		RequestEnergy:      perRequest,
		Rates:              rateRows(s),
		Totals:             summaryRow(s),
		EnergyBar:          bars,
		Methods:            methods(s),
		Meters:             meters(s),
		Channels:           channelSummaries(s),
		Buckets:            displayBuckets,
		HighUncertaintyPct: 100 * analysis.UncertaintyWarnFraction,
		// json.Marshal escapes <, > and &, so the data cannot close its
		// script element.
		Charts:       template.JS(charts),
		UPlotJS:      template.JS("/*! uPlot v" + UPlotVersion + " | MIT licence | (c) 2022 Leon Sorokin | https://github.com/leeoniya/uPlot */\n" + uplotJS),
		UPlotCSS:     template.CSS(uplotCSS),
		AppJS:        template.JS(appJS),
		License:      uplotLicense,
		UPlotVersion: UPlotVersion,
	}
	if p.Served {
		for _, m := range s.Models {
			p.Headline = append(p.Headline, headline(m))
		}
	} else {
		p.Work, p.WorkTotal = workRows(s), workTotal(s)
	}
	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, p); err != nil {
		return nil, fmt.Errorf("html report: %w", err)
	}
	return b.Bytes(), nil
}

// WriteFile (re)writes report.html in the run directory dir. raw may be
// nil: it is then read from dir.
func WriteFile(dir string, s *report.Summary, raw *rundir.Raw) error {
	if raw == nil {
		var err error
		if raw, err = rundir.Read(dir); err != nil {
			return err
		}
		// Token counts as the analysis corrected them, as in raw data
		// that comes from report.GenerateRaw.
		raw.Requests = analysis.CorrectUsage(raw.Requests)
	}
	data, err := Render(s, raw)
	if err != nil {
		return err
	}
	return rundir.WriteFileAtomic(filepath.Join(dir, File), data)
}

func duration(s *report.Summary) string {
	if s.EndedAt.IsZero() || s.EndedAt.Before(s.StartedAt) {
		return ""
	}
	return s.EndedAt.Sub(s.StartedAt).Round(1e9).String()
}
