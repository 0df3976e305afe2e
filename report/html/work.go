package html

import (
	"fmt"
	"slices"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/report"
)

// A run that sent no request — a command under `aienergy measure` —
// has no tokens to divide energy by: its headline is the work the
// command reported (J per item), the power and the time instead, and the
// sections about requests are left out.

// served tells whether any model of the run handled requests.
func served(s *report.Summary) bool {
	return slices.ContainsFunc(s.Models, func(m analysis.ModelResult) bool { return m.Completed+m.Failed > 0 })
}

// workRow is one measured phase of a command.
type workRow struct {
	Model, Duration, Items, JPerItem, Energy, AvgW, PeakW, BaselineW, GCO2 string
}

func workRows(s *report.Summary) []workRow {
	var out []workRow
	for _, m := range s.Models {
		e := energies{m.EnergyJ, m.EnergyUncertaintyJ, m.NetEnergyJ, m.NetEnergyUncertaintyJ}
		row := workRow{
			Model: m.Model, Duration: sig(m.DurationS), Items: dash, JPerItem: dash,
			Energy: e.energy(), AvgW: opt(m.AvgWatts), PeakW: opt(m.PeakWatts), BaselineW: opt(m.BaselineWatts),
			GCO2: pair(m.GCO2eq, m.NetGCO2eq),
		}
		if m.Items > 0 {
			row.Items = fmt.Sprint(m.Items)
			row.JPerItem = e.pair(m.JoulesPerItem, m.NetJoulesPerItem)
		}
		out = append(out, row)
	}
	return out
}

// workTotal is the row under the phases. Items of different phases may
// count different things (images, batches), so no J per item is pooled.
func workTotal(s *report.Summary) workRow {
	t := s.Totals
	e := energies{t.EnergyJ, t.EnergyUncertaintyJ, t.NetEnergyJ, t.NetEnergyUncertaintyJ}
	return workRow{
		Model: "all phases", Duration: sig(t.DurationS), Items: dash, JPerItem: dash,
		Energy: e.energy(), AvgW: dash, PeakW: dash, BaselineW: dash, GCO2: pair(t.GCO2eq, t.NetGCO2eq),
	}
}
