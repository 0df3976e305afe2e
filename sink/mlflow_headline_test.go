package sink

import (
	"math"
	"testing"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/report"
)

// MLflow's plain-name metrics are summary.json's headline: the main
// workload "m" (1000 J, 10 requests, 100 output tokens: 10 J/token,
// 1000/10/3.6 Wh per 1000 queries), not pooled with "m [prefill]" (300
// J, 10 requests, 10 tokens), which would give 1300/110 J/token. A sweep
// has no main workload, so no plain-name figures at all.
func TestMLflowHeadlineLeavesVariantsOut(t *testing.T) {
	result := func(label string, joules float64, completed, tokens int) analysis.ModelResult {
		m := analysis.ModelResult{Model: label, EnergyJ: &joules, DurationS: 10}
		m.Completed, m.OutputTokens = completed, tokens
		return m
	}
	tests := []struct {
		name   string
		models []analysis.ModelResult
		want   map[string]float64 // NaN: not logged
	}{
		{"prefill/decode", []analysis.ModelResult{result("m [prefill]", 300, 10, 10), result("m", 1000, 10, 100)},
			map[string]float64{"joules_per_output_token": 10, "wh_per_1000_queries": 1000 / 3.6 / 10, "completed": 10, "output_tokens": 100, "energy_j": 1000}},
		{"sweep", []analysis.ModelResult{result("m [c=1]", 1000, 10, 100), result("m [c=8]", 400, 10, 100)},
			map[string]float64{"joules_per_output_token": math.NaN(), "completed": math.NaN(), "energy_j": math.NaN()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			metrics, _, _ := mlflowEntities(&report.Summary{Models: tt.models})
			got := map[string]float64{}
			for _, m := range metrics {
				got[m.Key] = m.Value
			}
			for k, want := range tt.want {
				v, ok := got[k]
				switch {
				case math.IsNaN(want) && ok:
					t.Errorf("%s = %v, want it not logged", k, v)
				case !math.IsNaN(want) && (!ok || math.Abs(v-want) > 1e-9*want):
					t.Errorf("%s = %v (logged %v), want %v", k, v, ok, want)
				}
			}
		})
	}
}
