package report

import (
	"fmt"
	"strconv"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/meter"
	"github.com/aienergy/aienergy/rundir"
)

// RequestEnergyCSV holds each request's share of its model's energy.
const RequestEnergyCSV = "request_energy.csv"

// ModelRequestEnergy is one model's energy split among its requests, as
// summary.json's request_energy shows it (analysis.Attribute tells how).
type ModelRequestEnergy struct {
	Model string `json:"model"`
	analysis.AttributionSummary

	// The rows behind the figures, for request_energy.csv.
	rows   []analysis.RequestEnergy
	hasNet bool
}

// Rows are the per-request figures behind the summary, in the order of
// requests.csv: what request_energy.csv holds, for a plot of J per request
// against its prompt and output length. Their net figures are 0 unless
// HasNet.
func (m ModelRequestEnergy) Rows() []analysis.RequestEnergy { return m.rows }

// HasNet says whether the rows' net figures are known (an idle baseline
// for every channel).
func (m ModelRequestEnergy) HasNet() bool { return m.hasNet }

// addRequestEnergy attributes every model's headline energy to its
// requests. A model whose attribution fails keeps its other figures and
// gets a warning.
func (s *Summary) addRequestEnergy(raw *rundir.Raw, res *analysis.Result) {
	// The series as Analyze built them: the same declarations, so the
	// same wraps and resolutions, so the same channel energy.
	series, err := analysis.GroupSeries(raw.Samples, analysis.Declared{
		MaxRangeJ:          maxRanges(raw.Meta.Meters),
		CounterResolutionJ: resolutions(raw.Meta.Meters, func(r meter.Resolution) float64 { return r.EnergyJ }),
		PowerResolutionW:   resolutions(raw.Meta.Meters, func(r meter.Resolution) float64 { return r.PowerW }),
	})
	if err != nil {
		s.Warnings = append(s.Warnings, "per-request energy omitted: "+err.Error())
		return
	}
	for _, m := range res.Models {
		a, err := analysis.AttributeModel(series, m, raw.Requests)
		if err != nil {
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s: per-request energy omitted: %v", m.Model, err))
			continue
		}
		if a == nil || len(a.Requests) == 0 {
			continue
		}
		s.RequestEnergy = append(s.RequestEnergy, ModelRequestEnergy{
			Model: m.Model, AttributionSummary: a.Summary(), rows: a.Requests, hasNet: a.HasNet,
		})
	}
}

// requestEnergyTable is request_energy.csv: one row per request that did
// work in its model's window, every model in turn; nil when no model has
// per-request energy. Net cells are empty without an idle baseline.
func requestEnergyTable(s *Summary) *table {
	if len(s.RequestEnergy) == 0 {
		return nil
	}
	t := &table{header: []string{
		"request_id", "model", "phase", "ok", "partial", "input_tokens", "output_tokens",
		"energy_j", "net_energy_j", "prefill_j", "decode_j", "net_prefill_j", "net_decode_j",
	}}
	for _, m := range s.RequestEnergy {
		net := func(v float64) string {
			if !m.hasNet {
				return ""
			}
			return f64(v)
		}
		for _, r := range m.rows {
			t.add(strconv.Itoa(r.ID), r.Model, r.Phase, strconv.FormatBool(r.OK), strconv.FormatBool(r.Partial),
				strconv.Itoa(r.InputTokens), strconv.Itoa(r.OutputTokens),
				f64(r.Joules), net(r.NetJoules), f64(r.PrefillJoules), f64(r.DecodeJoules),
				net(r.NetPrefillJoules), net(r.NetDecodeJoules))
		}
	}
	return t
}
