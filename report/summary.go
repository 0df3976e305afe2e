// Package report turns a run directory's raw data into its figures and
// output files: summary.json, emissions.csv, results.csv, the first seed's
// per-model CSVs, and the terminal summary table.
package report

import (
	"fmt"
	"time"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/internal/redact"
	"github.com/aienergy/aienergy/rundir"
)

// SummarySchema versions summary.json; docs/output.md describes it.
const SummarySchema = "aienergy.summary/v1"

// Summary is summary.json: the run's description and every figure.
type Summary struct {
	Schema      string          `json:"schema"`
	Tool        string          `json:"tool"`
	Version     string          `json:"version"`
	Name        string          `json:"name"`
	RunID       string          `json:"run_id"`
	Project     string          `json:"project_name,omitempty"`
	StartedAt   time.Time       `json:"started_at"`
	EndedAt     time.Time       `json:"ended_at,omitzero"`
	Interrupted bool            `json:"interrupted"`
	Error       string          `json:"error,omitempty"`
	Host        rundir.Host     `json:"host"`
	Backend     rundir.Backend  `json:"backend"`
	Load        rundir.Load     `json:"load"`
	Phases      rundir.Phases   `json:"phases"`
	Meters      []rundir.Meter  `json:"meters"`
	Carbon      analysis.Carbon `json:"carbon"`
	CountryISO  string          `json:"country_iso_code,omitempty"` // as configured

	// Headline figures: the main workload alone, HeadlineModels pooled —
	// each model's plain run and its repetitions. Sweep points, load
	// stages and prefill-only runs measure other workloads and keep to
	// their sections (sweep, prefill_decode, models); pooling them would
	// shift J/token. All null when every run was such a variant.
	HeadlineModels       []string `json:"headline_models"`
	Completed            *int     `json:"completed"`
	Failed               *int     `json:"failed"`
	OutputTokens         *int     `json:"output_tokens"`
	JoulesPerOutputToken *float64 `json:"joules_per_output_token"`
	WhPer1000Queries     *float64 `json:"wh_per_1000_queries"`

	Models   []analysis.ModelResult    `json:"models"`
	Totals   analysis.RunTotals        `json:"totals"`
	Channels []analysis.ChannelSummary `json:"channels"`
	Truth    []rundir.SimTruth         `json:"simulator_truth,omitempty"`
	// ServerStartup is the energy of a launched model server's start-up,
	// from launch to its first healthy answer.
	ServerStartup *analysis.ModelResult `json:"server_startup,omitempty"`
	// Sweep is the energy-vs-latency curve, Pareto front and SLO-optimal
	// point of a run with sweep points; Repetitions the spread of repeated
	// variants; PrefillDecode the prefill/decode energy split.
	Sweep         *SweepResult    `json:"sweep,omitempty"`
	Repetitions   []Repeated      `json:"repetitions,omitempty"`
	PrefillDecode []PrefillDecode `json:"prefill_decode,omitempty"`
	// RequestEnergy is, per model, its energy split among its requests:
	// J per request, its fit against prompt and output length, and the
	// prefill and decode shares; request_energy.csv has the rows.
	RequestEnergy []ModelRequestEnergy `json:"request_energy,omitempty"`
	// RateStats: per model, how the open-loop schedule was kept.
	RateStats []rundir.RateStats `json:"rate_stats,omitempty"`
	Warnings  []string           `json:"warnings"`
}

// A Headline is the main workload's figures: its RunTotals are what the
// run's totals would be had it run the models in Models alone.
type Headline struct {
	Models []string
	analysis.RunTotals
}

// Headline pools the main workload: every model whose label names no
// variant but a repetition. false when every run was a sweep point, load
// stage or prefill-only run: then there is no one workload to headline.
func (s *Summary) Headline() (Headline, bool) {
	var main []analysis.ModelResult
	h := Headline{Models: []string{}}
	for _, m := range s.Models {
		if p := parseLabel(m.Model); p.tag() == "" {
			main = append(main, m)
			h.Models = append(h.Models, m.Model)
		}
	}
	if len(main) == 0 {
		return h, false
	}
	h.RunTotals = analysis.Totals(main, s.Carbon)
	return h, true
}

// newSummary describes the run; series are its samples grouped as the
// analysis grouped them (nil: no per-request energy).
func newSummary(raw *rundir.Raw, res *analysis.Result, series []*analysis.Series) (*Summary, error) {
	m := raw.Meta
	s := &Summary{
		Schema: SummarySchema, Tool: m.Tool, Version: m.Version, Name: m.Name, RunID: m.RunID, Project: m.Carbon.ProjectName,
		StartedAt: m.StartedAt, EndedAt: m.EndedAt, Interrupted: m.Interrupted, Error: m.Error,
		Host: m.Host, Backend: m.Backend, Load: m.Load, Phases: m.Phases, Meters: m.Meters,
		Carbon:     res.Carbon,
		CountryISO: m.Carbon.CountryISO,
		Models:     res.Models,
		Totals:     res.Totals,
		Channels:   res.Channels,
		Truth:      m.Truth,
		RateStats:  m.RateStats,
	}
	// A run directory from before redaction may hold a URL password.
	s.Backend.Endpoint = redact.URLs(s.Backend.Endpoint)
	s.HeadlineModels = []string{}
	if h, ok := s.Headline(); ok {
		s.HeadlineModels = h.Models
		s.Completed, s.Failed, s.OutputTokens = &h.Completed, &h.Failed, &h.OutputTokens
		s.JoulesPerOutputToken, s.WhPer1000Queries = h.JoulesPerOutputToken, h.WhPer1000Queries
	}
	s.Warnings = append(s.Warnings, raw.Warnings...)
	if m.Interrupted {
		s.Warnings = append(s.Warnings, "the run was interrupted: figures cover what was measured before it stopped")
	}
	if e := m.Carbon.IntensityError; e != "" {
		s.Warnings = append(s.Warnings, "live grid carbon intensity unavailable, the embedded table was used: "+e)
	}
	for _, mt := range m.Meters {
		if mt.Error != "" {
			s.Warnings = append(s.Warnings, "meter "+mt.Name+" was not used: "+mt.Error)
		}
	}
	s.Warnings = append(s.Warnings, res.Warnings...)
	s.Warnings = append(s.Warnings, s.TooManyFailures()...)
	s.Warnings = append(s.Warnings, queueWarnings(m.RateStats)...)
	var err error
	if s.Sweep, err = sweep(res.Models, raw.Requests, m.SLO); err != nil {
		return nil, err
	}
	if s.Sweep != nil && m.SLO != nil {
		seen := map[string]bool{}
		for _, p := range s.Sweep.Points {
			if _, ok := s.Sweep.Best[p.Model]; !ok && !seen[p.Model] {
				seen[p.Model] = true
				s.Warnings = append(s.Warnings, fmt.Sprintf("%s: no sweep point meets the SLOs (%.0f%% of requests within every objective)", p.Model, 100*minAttainment))
			}
		}
	}
	var repWarnings []string
	s.Repetitions, repWarnings = repetitions(res.Models)
	s.Warnings = append(s.Warnings, repWarnings...)
	s.PrefillDecode = prefillDecode(res.Models)
	s.addRequestEnergy(raw, res, series)
	if s.Warnings == nil {
		s.Warnings = []string{}
	}
	return s, nil
}

// TooManyFailures says, for each model run in which more of the measured
// requests failed than load.max_failure_ratio allows, how many did. The
// energy of a phase is shared among the requests that succeeded, so such a
// run's per-token figures are too high: aienergy run exits with status 3.
func (s *Summary) TooManyFailures() []string {
	limit := s.Load.MaxFailureRatio
	if limit == nil {
		return nil
	}
	var out []string
	for _, m := range s.Models {
		total := m.Completed + m.Failed
		if total > 0 && float64(m.Failed) > *limit*float64(total) {
			out = append(out, fmt.Sprintf("%s: %d of %d measured requests failed, more than load.max_failure_ratio %g allows: "+
				"the phase's energy is charged to the requests that succeeded, so per-request and per-token figures are too high",
				m.Model, m.Failed, total, *limit))
		}
	}
	return out
}

// queueWarnings tell where an open loop's cap on requests in flight held
// requests back: the server fell behind the schedule, and the load was
// partly closed-loop.
func queueWarnings(stats []rundir.RateStats) []string {
	var out []string
	for _, st := range stats {
		if st.Queued == 0 {
			continue
		}
		out = append(out, fmt.Sprintf("%s: %d of %d requests waited for a free slot under load.max_concurrency %d (p99 %.0f ms in the client's queue): "+
			"the server fell behind %g req/s, so this load was partly closed-loop; raise load.max_concurrency or lower the rate",
			st.Model, st.Queued, st.Requests, st.MaxConcurrency, st.QueueMs.P99, st.RequestedRPS))
	}
	return out
}
