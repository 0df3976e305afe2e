package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/rundir"
)

// RequestEnergyCSV holds each request's share of its model's energy.
const RequestEnergyCSV = "request_energy.csv"

// RequestSampleMax is the most per-request rows a model's
// ModelRequestEnergy keeps for drawing: a day-long run's millions are
// streamed to request_energy.csv, never held.
const RequestSampleMax = 5000

// ModelRequestEnergy is one model's energy split among its requests, as
// summary.json's request_energy shows it (analysis.Attribute tells how).
type ModelRequestEnergy struct {
	Model string `json:"model"`
	analysis.AttributionSummary

	// What report.html draws of the rows behind the figures.
	sample RequestSample
	hasNet bool
	// run is the run's attribution between its two passes, index the
	// model's in it: set by addRequestEnergy, until finishRequestEnergy's
	// pass fills the figures in.
	run   *analysis.RunAttributor
	index int
}

// Rows are an even pick of at most RequestSampleMax of the per-request
// figures behind the summary, in the order of requests.csv, for a plot of
// J per request against its prompt and output length (Sample tells how
// many there are in all); request_energy.csv has every one. Their net
// figures are 0 unless HasNet.
func (m ModelRequestEnergy) Rows() []analysis.RequestEnergy { return m.sample.Rows }

// Sample is Rows with the tally of every row they were picked from.
func (m ModelRequestEnergy) Sample() RequestSample { return m.sample }

// HasNet says whether the rows' net figures are known (an idle baseline
// for every channel).
func (m ModelRequestEnergy) HasNet() bool { return m.hasNet }

// RequestSample is what a report draws of a model's per-request rows: at
// most a limit of them, picked evenly in their order as they stream by,
// and a tally of them all.
type RequestSample struct {
	// Rows: row ⌊j·Total/limit⌋ for j = 0, 1, …, or every row when there
	// are no more than the limit; the same at every reading of the run.
	Rows []analysis.RequestEnergy
	// Total counts every row; Fitted those the distributions and the fit
	// use (analysis.RequestEnergy.Fitted), Partial those that succeeded
	// but were cut by the window's edge, Failed the failed ones.
	Total, Fitted, Partial, Failed int
	// The fitted rows' token counts: their means and ranges, as the fit
	// saw them (0 without fitted rows).
	PromptMean, PromptMin, PromptMax float64
	OutputMean, OutputMin, OutputMax float64
}

// requestSampler builds a RequestSample one row at a time, expecting
// total rows (known from a first pass): the picks are those of the whole
// list, without holding it. More rows than expected are tallied but not
// picked past the limit.
type requestSampler struct {
	s                    RequestSample
	limit, expected      int
	next, picked         int // index of the next row to pick; rows picked so far
	sumPrompt, sumOutput float64
}

func newRequestSampler(expected, limit int) *requestSampler {
	return &requestSampler{limit: limit, expected: expected,
		s: RequestSample{PromptMin: math.Inf(1), PromptMax: math.Inf(-1), OutputMin: math.Inf(1), OutputMax: math.Inf(-1)}}
}

func (sp *requestSampler) add(r analysis.RequestEnergy) {
	s := &sp.s
	i := s.Total
	s.Total++
	switch {
	case !r.OK:
		s.Failed++
	case r.Partial:
		s.Partial++
	default:
		s.Fitted++
		p, o := float64(r.InputTokens), float64(r.OutputTokens)
		sp.sumPrompt, sp.sumOutput = sp.sumPrompt+p, sp.sumOutput+o
		s.PromptMin, s.PromptMax = math.Min(s.PromptMin, p), math.Max(s.PromptMax, p)
		s.OutputMin, s.OutputMax = math.Min(s.OutputMin, o), math.Max(s.OutputMax, o)
	}
	if sp.picked >= sp.limit {
		return
	}
	if sp.expected <= sp.limit {
		s.Rows = append(s.Rows, r) // every row, up to the limit
		sp.picked++
		return
	}
	if i == sp.next {
		s.Rows = append(s.Rows, r)
		sp.picked++
		sp.next = sp.picked * sp.expected / sp.limit
	}
}

func (sp *requestSampler) sample() RequestSample {
	s := sp.s
	if s.Fitted == 0 {
		s.PromptMin, s.PromptMax, s.OutputMin, s.OutputMax = 0, 0, 0, 0
	} else {
		n := float64(s.Fitted)
		s.PromptMean, s.OutputMean = sp.sumPrompt/n, sp.sumOutput/n
	}
	return s
}

// SampleRequests is the RequestSample of rows held in memory, with at
// most limit of them picked: what a streamed pass over them would keep.
func SampleRequests(rows []analysis.RequestEnergy, limit int) RequestSample {
	sp := newRequestSampler(len(rows), limit)
	for _, r := range rows {
		sp.add(r)
	}
	return sp.sample()
}

// addRequestEnergy prepares the attribution of every model's headline
// energy to its requests: the first of two passes over the run's records,
// for all the models together. Each model that has energy gets its entry,
// whose figures finishRequestEnergy's pass fills in (GenerateRaw makes it
// as it writes request_energy.csv). A model whose attribution fails keeps
// its other figures and gets a warning.
func (s *Summary) addRequestEnergy(raw *rundir.Raw, res *analysis.Result, series []*analysis.Series) {
	if series == nil {
		return
	}
	run, err := analysis.NewRunAttributor(series, res.Models, raw.Requests)
	if err != nil {
		for _, m := range res.Models {
			if len(m.EnergyBasis) > 0 {
				s.Warnings = append(s.Warnings, fmt.Sprintf("%s: per-request energy omitted: %v", m.Model, err))
			}
		}
		return
	}
	for i, m := range res.Models {
		at, err := run.Model(i)
		if err != nil {
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s: per-request energy omitted: %v", m.Model, err))
		}
		if at != nil {
			s.RequestEnergy = append(s.RequestEnergy, ModelRequestEnergy{Model: m.Model, run: run, index: i})
		}
	}
}

// requestEnergyHeader is request_energy.csv's header.
var requestEnergyHeader = []string{
	"request_id", "model", "phase", "ok", "partial", "input_tokens", "output_tokens",
	"energy_j", "net_energy_j", "prefill_j", "decode_j", "net_prefill_j", "net_decode_j",
}

// finishRequestEnergy makes the attribution's second pass over the run's
// records (see addRequestEnergy): every model's figures, the sample of
// its rows report.html draws, and request_energy.csv in dir, written as
// the rows go by — one row per request that did work in its model's
// window, in the order of requests.csv (so the models in turn, as they
// ran); net cells empty without an idle baseline. A model left with no
// row is dropped. Records that cannot be read leave every model without
// per-request figures, and a warning; only a file that cannot be written
// is an error.
func (s *Summary) finishRequestEnergy(dir string) error {
	var run *analysis.RunAttributor
	samplers := map[int]*requestSampler{}
	hasNet := map[int]bool{}
	for _, m := range s.RequestEnergy {
		if m.run == nil {
			continue
		}
		run = m.run
		at, _ := run.Model(m.index)
		samplers[m.index] = newRequestSampler(at.Rows(), RequestSampleMax)
		hasNet[m.index] = at.HasNet()
	}
	if run == nil {
		return nil
	}
	var atts []*analysis.Attribution
	var readErr error
	err := rundir.WriteAtomic(filepath.Join(dir, RequestEnergyCSV), func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(requestEnergyHeader); err != nil {
			return err
		}
		row := make([]string, len(requestEnergyHeader))
		var writeErr error
		var err error
		atts, err = run.Attribute(func(i int, r analysis.RequestEnergy) error {
			sp := samplers[i]
			if sp == nil {
				return nil
			}
			sp.add(r)
			net := func(v float64) string {
				if !hasNet[i] {
					return ""
				}
				return f64(v)
			}
			row = append(row[:0], strconv.Itoa(r.ID), r.Model, r.Phase, strconv.FormatBool(r.OK), strconv.FormatBool(r.Partial),
				strconv.Itoa(r.InputTokens), strconv.Itoa(r.OutputTokens),
				f64(r.Joules), net(r.NetJoules), f64(r.PrefillJoules), f64(r.DecodeJoules),
				net(r.NetPrefillJoules), net(r.NetDecodeJoules))
			writeErr = cw.Write(row)
			return writeErr
		})
		if err != nil {
			if writeErr == nil {
				readErr = err
			}
			return err
		}
		cw.Flush()
		return cw.Error()
	})
	kept := s.RequestEnergy[:0]
	for _, m := range s.RequestEnergy {
		if m.run == nil {
			kept = append(kept, m)
			continue
		}
		switch {
		case readErr != nil:
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s: per-request energy omitted: %v", m.Model, readErr))
		case err != nil:
		case atts[m.index] != nil && atts[m.index].Requests > 0:
			a := atts[m.index]
			m.AttributionSummary, m.sample, m.hasNet = a.Summary(), samplers[m.index].sample(), a.HasNet
			m.run = nil
			kept = append(kept, m)
		}
	}
	s.RequestEnergy = kept
	if readErr != nil {
		return nil
	}
	return err
}
