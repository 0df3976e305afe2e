package report

import (
	"bytes"
	"encoding/csv"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// copyRun copies a fixture run directory's raw files to a temp dir.
func copyRun(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"run.json", "power.csv", "requests.csv", "phases.csv"} {
		data, err := os.ReadFile(filepath.Join("testdata", name, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// The fixture: a 1 Hz GPU energy counter, 50 W idle for 2 s, 150 W for the
// 10 s measured phase, 50 W for 2 s after; 10 requests of 20 input and 10
// output tokens, one second each, first token at 100 ms, a chunk every
// 100 ms; 400 g/kWh, PUE 1.5. By hand:
//
//	gross = 150 W × 10 s = 1500 J; baseline 50 W; net = 1500 − 50 × 10 = 1000 J
//	J/output token = 1500/100 = 15 (net 10); J/token = 1500/300 = 5
//	Wh/1000 queries = 1500 J / 10 / 3.6 = 41.667 (net 27.778)
//	g CO2eq = 1500/3.6e6 kWh × 400 × 1.5 = 0.25 g; per 1000 queries 25 g
//	TTFT 100 ms; ITL 100 ms; TPOT (1000−100)/9 = 100 ms; 1 req/s, 10 tok/s
func TestGenerateHandComputed(t *testing.T) {
	dir := copyRun(t, "run-constant")
	s, _, err := GenerateRaw(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := s.Models[0]
	checks := []struct {
		name string
		got  *float64
		want float64
	}{
		{"energy_j", m.EnergyJ, 1500},
		{"net_energy_j", m.NetEnergyJ, 1000},
		{"baseline_watts", m.BaselineWatts, 50},
		{"joules_per_output_token", m.JoulesPerOutputToken, 15},
		{"net_joules_per_output_token", m.NetJoulesPerOutputToken, 10},
		{"joules_per_token", m.JoulesPerToken, 5},
		{"wh_per_1000_queries", m.WhPer1000Queries, 1500.0 / 10 / 3.6},
		{"net_wh_per_1000_queries", m.NetWhPer1000Queries, 1000.0 / 10 / 3.6},
		{"tokens_per_joule", m.TokensPerJoule, 100.0 / 1500},
		{"gco2eq", m.GCO2eq, 0.25},
		{"gco2eq_per_1000_queries", m.GCO2eqPer1000Queries, 25},
		{"summary joules_per_output_token", s.JoulesPerOutputToken, 15},
	}
	for _, c := range checks {
		if c.got == nil {
			t.Errorf("%s is null, want %g", c.name, c.want)
		} else if math.Abs(*c.got-c.want) > 1e-9*c.want {
			t.Errorf("%s = %.12g, want %g", c.name, *c.got, c.want)
		}
	}
	for name, d := range map[string]float64{"ttft": m.Latency.TTFT.Mean, "itl": m.Latency.ITL.Mean, "tpot": m.Latency.TPOT.Mean} {
		if math.Abs(d-100) > 1e-6 {
			t.Errorf("%s mean = %g ms, want 100", name, d)
		}
	}
	if m.Completed != 10 || m.OutputTokens != 100 || s.Completed == nil || *s.Completed != 10 || *s.OutputTokens != 100 {
		t.Errorf("counts: model %d/%d, summary %v/%v; want 10 requests, 100 output tokens", m.Completed, m.OutputTokens, s.Completed, s.OutputTokens)
	}

	// emissions.csv in CodeCarbon's units, kWh and kg, its energy × PUE.
	em := readCSV(t, filepath.Join(dir, "emissions.csv"))
	if got := em[1][col(em, "energy_consumed")]; got != f64(1500*1.5/3.6e6) {
		t.Errorf("emissions.csv energy_consumed = %s kWh, want %s", got, f64(1500*1.5/3.6e6))
	}
	if got := em[1][col(em, "emissions")]; got != f64(0.25/1000) {
		t.Errorf("emissions.csv emissions = %s kg, want %s", got, f64(0.25/1000))
	}
	if got := em[1][col(em, "cpu_energy")]; got != "" {
		t.Errorf("emissions.csv cpu_energy = %q without a CPU meter, want empty (not zero)", got)
	}

	for _, f := range []string{"summary.json", "emissions.csv", "results.csv", "m1_power.csv", "m1_stats.csv"} {
		checkGolden(t, filepath.Join(dir, f), filepath.Join("testdata", "golden", "run-constant", f))
	}
}

func checkGolden(t *testing.T, gotPath, goldenPath string) {
	t.Helper()
	got, err := os.ReadFile(gotPath)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		os.MkdirAll(filepath.Dir(goldenPath), 0o755)
		if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (go test ./report -update rewrites it after a deliberate change)", filepath.Base(gotPath), goldenPath)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func col(rows [][]string, name string) int {
	for i, h := range rows[0] {
		if h == name {
			return i
		}
	}
	panic("no column " + name)
}

// PublishEmissions appends the run's rows to emissions.csv in
// metrics.output_dir across runs with the header written once; with no
// output_dir it writes nothing.
func TestPublishEmissionsAppends(t *testing.T) {
	dir := copyRun(t, "run-constant")
	s, _, err := GenerateRaw(dir)
	if err != nil {
		t.Fatal(err)
	}
	emissionsDir := filepath.Join(t.TempDir(), "emissions")
	for range 2 {
		if err := PublishEmissions(emissionsDir, s); err != nil {
			t.Fatal(err)
		}
	}
	if em := readCSV(t, filepath.Join(emissionsDir, "emissions.csv")); len(em) != 3 {
		t.Errorf("emissions.csv in metrics.output_dir has %d rows, want header + 2", len(em))
	}
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := PublishEmissions("", s); err != nil {
		t.Errorf("no output_dir: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cwd, "emissions.csv")); !os.IsNotExist(err) {
		t.Errorf("no output_dir wrote emissions.csv in the working directory (%v)", err)
	}
	// A file in the way of the directory is an error naming the key.
	blocked := filepath.Join(t.TempDir(), "file")
	writeFile(t, blocked, "x")
	if err := PublishEmissions(blocked, s); err == nil || !strings.Contains(err.Error(), "metrics.output_dir: ") {
		t.Errorf("output_dir that is a file: err = %v, want one naming metrics.output_dir", err)
	}
}

// A RAPL package counter (max_energy_range_uj = 262143328850 µJ) wraps
// during the measured phase. With the range recorded in run.json the
// energy is exact to the microjoule: 150 W × 10 s = 1500 J. Without it,
// the wrap would read as a reset and lose energy.
func TestRAPLWrapExactToTheMicrojoule(t *testing.T) {
	dir := copyRun(t, "run-rapl-wrap")
	s, _, err := GenerateRaw(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := s.Models[0]
	if m.EnergyJ == nil || math.Abs(*m.EnergyJ-1500) > 1e-6 {
		t.Fatalf("energy = %v J, want 1500 J to the µJ", m.EnergyJ)
	}
	if m.NetEnergyJ == nil || math.Abs(*m.NetEnergyJ-1000) > 1e-6 {
		t.Errorf("net energy = %v J, want 1000 J to the µJ", m.NetEnergyJ)
	}
	if ch := m.Channels[0]; ch.Wraps != 1 || ch.Resets != 0 || ch.Method != "counter" {
		t.Errorf("channel: %d wraps, %d resets, method %s; want 1 wrap by counter", ch.Wraps, ch.Resets, ch.Method)
	}

	// The same data without the range: a reset, and the figure is wrong.
	meta := filepath.Join(dir, "run.json")
	data, _ := os.ReadFile(meta)
	os.WriteFile(meta, []byte(strings.Replace(string(data), `"max_range_j"`, `"no_range"`, 1)), 0o644)
	s, _, err = GenerateRaw(dir)
	if err != nil {
		t.Fatal(err)
	}
	if e := s.Models[0].EnergyJ; e == nil || math.Abs(*e-1500) < 1 {
		t.Errorf("without the range the energy is %v J: the test no longer shows what the range is for", e)
	}
}

// generatedCSV reports a copy of fixture and reads one of the CSV files
// the report writes.
func generatedCSV(t *testing.T, fixture, file string) [][]string {
	t.Helper()
	dir := copyRun(t, fixture)
	if _, _, err := GenerateRaw(dir); err != nil {
		t.Fatal(err)
	}
	return readCSV(t, filepath.Join(dir, file))
}
