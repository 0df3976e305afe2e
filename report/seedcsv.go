package report

import (
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

// seedPowerTable holds the readings from the model's first phase to its
// last, each labelled with the phase it fell in.
func seedPowerTable(raw *rundir.Raw, model string) *table {
	t := &table{header: seedPowerHeader}
	var phases []trace.Phase
	for _, p := range raw.Phases {
		if p.Model == model {
			phases = append(phases, p)
		}
	}
	if len(phases) == 0 {
		return t
	}
	from, to := phases[0].Start, phases[len(phases)-1].End
	origin := float64(raw.Meta.StartedAt.UnixNano()) / 1e9
	for _, s := range raw.Samples {
		if s.T < from || s.T > to {
			continue
		}
		phase := ""
		for _, p := range phases {
			if s.T >= p.Start && s.T <= p.End {
				phase = p.Name
				break
			}
		}
		t.add(strconv.FormatFloat(origin+s.T, 'f', 6, 64), strconv.FormatFloat(s.T-from, 'f', 6, 64),
			phase, s.Meter, s.Channel, s.Component, nanCell(s.Watts), nanCell(s.Joules))
	}
	return t
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
