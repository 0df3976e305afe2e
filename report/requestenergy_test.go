package report

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// The run-constant fixture (see TestGenerateHandComputed) runs its 10
// requests one after another, one a second at 150 W over a 50 W baseline,
// so by hand each is due 150 J, 100 J net. Its first 100 ms are prefill:
// 20 prompt tokens against 9 decode tokens over 900 ms, so the weight
// that makes the two rates equal is 10/s ÷ 200/s = 0.05, and prefill is a
// tenth: 15 J, 10 J net. The baseline over the 10 s is the idle line,
// 500 J; nothing is unattributed.
func TestRequestEnergyHandComputed(t *testing.T) {
	dir := copyRun(t, "run-constant")
	s, _, err := GenerateRaw(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.RequestEnergy) != 1 {
		t.Fatalf("request_energy has %d models, want 1", len(s.RequestEnergy))
	}
	re := s.RequestEnergy[0]
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"energy_j", re.EnergyJ, 1500},
		{"attributed_j", re.AttributedJ, 1500},
		{"net_attributed_j", orNaN(re.NetAttributedJ), 1000},
		{"idle_j", orNaN(re.IdleJ), 500},
		{"unattributed_j", re.UnattributedJ, 0},
		{"p50 J/request", re.JoulesPerRequest.P50, 150},
		{"p99 net J/request", re.NetJoulesPerRequest.P99, 100},
		{"prefill_share", orNaN(re.PrefillShare), 0.1},
		{"prefill weight", re.PrefillWeights[0].Weight, 0.05},
		// Every request alike: the intercept holds their energy.
		{"fit intercept", orNaN(re.Fit.InterceptJ), 100},
	} {
		if !(math.Abs(c.got-c.want) <= 1e-9*math.Max(1, c.want)) { // a NaN fails too
			t.Errorf("%s = %.12g, want %g", c.name, c.got, c.want)
		}
	}
	if re.Basis != "net" || re.Fit.R2 != nil || re.Fit.JoulesPerOutputToken != nil {
		t.Errorf("basis %q, R² %v, J/output token %v; want net and no slope nor R² for identical requests", re.Basis, re.Fit.R2, re.Fit.JoulesPerOutputToken)
	}

	rows := readCSV(t, filepath.Join(dir, RequestEnergyCSV))
	if len(rows) != 11 {
		t.Fatalf("%s has %d rows, want a header and 10", RequestEnergyCSV, len(rows))
	}
	want := map[string]string{
		"model": "m1", "phase": "measured", "ok": "true", "partial": "false", "input_tokens": "20", "output_tokens": "10",
		"energy_j": "150", "net_energy_j": "100", "prefill_j": "15", "decode_j": "135", "net_prefill_j": "10", "net_decode_j": "90",
	}
	for i, r := range rows[1:] {
		if got := r[col(rows, "request_id")]; got != f64(float64(i)) {
			t.Errorf("row %d: request_id %s", i, got)
		}
		for name, w := range want {
			if got := r[col(rows, name)]; got != w {
				t.Errorf("row %d: %s = %s, want %s", i, name, got, w)
			}
		}
	}
}

// Without any meter there is no energy to split: no section, no file.
func TestRequestEnergyWithoutEnergy(t *testing.T) {
	dir := copyRun(t, "run-constant")
	if err := os.WriteFile(filepath.Join(dir, "power.csv"), []byte("t_s,unix_s,meter,channel,component,watts,joules\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, _, err := GenerateRaw(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.RequestEnergy) != 0 {
		t.Errorf("request_energy = %+v without energy, want none", s.RequestEnergy)
	}
	if _, err := os.Stat(filepath.Join(dir, RequestEnergyCSV)); !os.IsNotExist(err) {
		t.Errorf("%s written without energy (%v)", RequestEnergyCSV, err)
	}
}

// orNaN reads an optional figure, NaN (which no check accepts) when absent.
func orNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}
