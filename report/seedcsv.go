package report

import (
	"encoding/csv"
	"io"
	"math"
	"strconv"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// The first seed (llms.py) wrote, per model, <model>_power.csv with the
// power readings around the model's run and <model>_stats.csv with tokens,
// duration, tokens/s, J and J/token. These are the same files, with a
// column per reading attribute instead of a column per meter, so that any
// number of meters fits.
var (
	seedPowerHeader = []string{"timestamp", "elapsed_s", "phase", "meter", "channel", "component", "power_w", "energy_counter_j"}
	seedStatsHeader = []string{"model", "tokens", "duration_s", "tokens_per_s", "energy_j", "joules_per_token",
		"net_energy_j", "net_joules_per_token", "energy_method"}
)

// writeSeedPower writes the readings from the model's first phase to its
// last, each labelled with the phase it fell in, row by row: a day of
// four channels at 10 Hz is 3.5 million rows, which as a table in memory
// took 2 GB.
func writeSeedPower(w io.Writer, raw *rundir.Raw, model string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(seedPowerHeader); err != nil {
		return err
	}
	var phases []trace.Phase
	for _, p := range raw.Phases {
		if p.Model == model {
			phases = append(phases, p)
		}
	}
	if len(phases) > 0 && raw.Samples != nil {
		from, to := phases[0].Start, phases[len(phases)-1].End
		origin := float64(raw.Meta.StartedAt.UnixNano()) / 1e9
		row := make([]string, len(seedPowerHeader))
		if err := raw.Samples.Each(func(s trace.Sample) error {
			if s.T < from || s.T > to {
				return nil
			}
			phase := ""
			for _, p := range phases {
				if s.T >= p.Start && s.T <= p.End {
					phase = p.Name
					break
				}
			}
			row[0], row[1] = strconv.FormatFloat(origin+s.T, 'f', 6, 64), strconv.FormatFloat(s.T-from, 'f', 6, 64)
			row[2], row[3], row[4], row[5] = phase, s.Meter, s.Channel, s.Component
			row[6], row[7] = nanCell(s.Watts), nanCell(s.Joules)
			return cw.Write(row)
		}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func seedStatsTable(m analysis.ModelResult) *table {
	t := &table{header: seedStatsHeader}
	tps := ""
	if m.DurationS > 0 {
		tps = f64(float64(m.OutputTokens) / m.DurationS)
	}
	t.add(m.Model, strconv.Itoa(m.OutputTokens), f64(m.DurationS), tps,
		num(m.EnergyJ), num(m.JoulesPerOutputToken), num(m.NetEnergyJ), num(m.NetJoulesPerOutputToken), m.EnergyMethod)
	return t
}

func nanCell(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return f64(v)
}
