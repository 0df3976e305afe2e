package cli

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// refreshSummary is the part of summary.json the refresh test reads.
type refreshSummary struct {
	Models []struct {
		DurationS             float64  `json:"duration_s"`
		EnergyJ               *float64 `json:"energy_j"`
		NetEnergyJ            *float64 `json:"net_energy_j"`
		EnergyUncertaintyJ    *float64 `json:"energy_uncertainty_j"`
		NetEnergyUncertaintyJ *float64 `json:"net_energy_uncertainty_j"`
		EnergyMethod          string   `json:"energy_method"`
		BaselineWatts         *float64 `json:"baseline_watts"`
	} `json:"models"`
	Channels []struct {
		Key            string   `json:"key"`
		CounterUpdateS *float64 `json:"counter_update_s"`
	} `json:"channels"`
	Truth []struct {
		SteadyState bool    `json:"steady_state"`
		MeasuredJ   float64 `json:"measured_j"`
		IdleWatts   float64 `json:"idle_watts"`
	} `json:"simulator_truth"`
	Warnings []string `json:"warnings"`
}

// TestRunSlowMeterMatchesSimulatorTruth runs the embedded default through
// the real CLI while the simulator's dcgm metrics refresh once a second,
// as a dcgm-exporter's do, and the sampler reads them at its default
// 10 Hz: gross and net energy of a ~20 s measured phase must match the
// simulator's exact energy within 2 %, with stated uncertainties that
// cover the actual errors. Metrics fresh at every scrape are the control.
func TestRunSlowMeterMatchesSimulatorTruth(t *testing.T) {
	for _, tc := range []struct {
		name    string
		refresh string
		updateS float64 // the counter's refresh interval the run should detect
	}{
		{"refresh 1s", "1s", 1},
		{"fresh", "0s", 0.1}, // the sampling interval
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "run")
			// 120 requests × 64 tokens at concurrency 4: 30 rounds of
			// 50 ms + 63 × 10 ms, about 20 s at 160 W over 60 W idle.
			stdout, stderr, code := runCLI(t, "run", "--output", dir,
				"backend.sim.metrics_refresh="+tc.refresh,
				"phases.idle_before=8s", "phases.idle_after=8s",
				"scenario.generate_kwargs.ignore_eos=true")
			if code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
			if err != nil {
				t.Fatal(err)
			}
			var s refreshSummary
			if err := json.Unmarshal(data, &s); err != nil {
				t.Fatal(err)
			}
			if len(s.Models) != 1 || len(s.Truth) != 1 || len(s.Channels) != 1 {
				t.Fatalf("got %d models, %d truths and %d channels, want 1 each", len(s.Models), len(s.Truth), len(s.Channels))
			}
			m, truth, ch := s.Models[0], s.Truth[0], s.Channels[0]
			if truth.SteadyState {
				t.Fatal("the truth covers the steady state, the figures the measured phase")
			}
			if ch.CounterUpdateS == nil || math.Abs(*ch.CounterUpdateS-tc.updateS) > 0.2*tc.updateS {
				t.Errorf("%s: counter update interval %v s, want about %g s", ch.Key, deref(ch.CounterUpdateS), tc.updateS)
			}
			t.Logf("method %s, baseline %.2f W (truth %g W), warnings %q",
				m.EnergyMethod, deref(m.BaselineWatts), truth.IdleWatts, s.Warnings)
			net := truth.MeasuredJ - truth.IdleWatts*m.DurationS
			checkCovered(t, "gross energy", m.EnergyJ, m.EnergyUncertaintyJ, truth.MeasuredJ)
			checkCovered(t, "net energy", m.NetEnergyJ, m.NetEnergyUncertaintyJ, net)
		})
	}
}

// checkCovered wants got within 2 % of truth and its stated uncertainty u
// at least as large as its actual error.
func checkCovered(t *testing.T, what string, got, u *float64, truth float64) {
	t.Helper()
	if got == nil || u == nil {
		t.Errorf("%s = %v ± %v: want both figures", what, got, u)
		return
	}
	err := *got - truth
	t.Logf("%s = %.1f J ± %.1f J (%.2f %%), truth %.1f J: error %+.1f J (%+.2f %%)",
		what, *got, *u, 100**u/truth, truth, err, 100*err/truth)
	if math.Abs(err) > 0.02*math.Abs(truth) {
		t.Errorf("%s = %.1f J, more than 2 %% from the truth %.1f J", what, *got, truth)
	}
	if math.Abs(err) > *u {
		t.Errorf("%s: error %.1f J exceeds the stated uncertainty %.1f J", what, err, *u)
	}
}

func deref(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}
