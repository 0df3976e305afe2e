package sink

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
)

// run is a finished run directory made from a fixture: its summary as
// the sinks get it, and summary.json decoded on its own as plain JSON,
// the independent truth the tests compare what the servers hold with.
type run struct {
	dir  string
	sum  *report.Summary
	raw  *rundir.Raw
	json map[string]any
}

// finishedRun copies testdata/<name> (raw files only) and computes its
// summary the way a run does at its end.
func finishedRun(t *testing.T, name string) *run {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join("testdata", name)
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sum, raw, err := report.GenerateRaw(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := &run{dir: dir, sum: sum, raw: raw}
	data, err := os.ReadFile(filepath.Join(dir, rundir.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &r.json); err != nil {
		t.Fatal(err)
	}
	return r
}

// models is summary.json's models array.
func (r *run) models(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, m := range r.json["models"].([]any) {
		out = append(out, m.(map[string]any))
	}
	return out
}

// figure reads a flattened figure (energy_j, ttft_p50_ms, requests_per_s,
// …) of one model from summary.json by its documented path; ok is false
// for null. It fails the test for a name it cannot place, so every figure
// the sinks send must exist in summary.json.
func (r *run) figure(t *testing.T, model map[string]any, name string) (float64, bool) {
	t.Helper()
	var v any
	switch {
	case name == "carbon_intensity_g_per_kwh":
		v = r.json["carbon"].(map[string]any)["g_co2eq_per_kwh"]
	case name == "pue":
		v = r.json["carbon"].(map[string]any)["pue"]
	case strings.HasSuffix(name, "_ms") && strings.Count(name, "_") == 2:
		parts := strings.Split(name, "_") // ttft_p50_ms
		dist, ok := model["latency"].(map[string]any)[parts[0]+"_ms"].(map[string]any)
		if !ok {
			t.Fatalf("summary.json has no latency.%s_ms", parts[0])
		}
		v, ok = dist[parts[1]]
		if !ok {
			t.Fatalf("summary.json has no latency.%s_ms.%s", parts[0], parts[1])
		}
	default:
		var ok bool
		if v, ok = model[name]; !ok {
			if v, ok = model["throughput"].(map[string]any)[name]; !ok {
				if name == "items" || strings.HasSuffix(name, "_item") {
					return 0, false // omitted when not reported
				}
				t.Fatalf("summary.json's models have no figure %q", name)
			}
		}
	}
	if v == nil {
		return 0, false
	}
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("%s: %v is not a number", name, v)
	}
	return f, true
}

// Every sink sends the energies' uncertainties beside them, and leaves
// them out (never 0) where the analysis could not give one.
func TestFiguresCarryUncertainty(t *testing.T) {
	get := func(name string, m *analysis.ModelResult) (float64, bool) {
		for _, f := range figures {
			if f.name == name {
				return f.get(&report.Summary{}, m)
			}
		}
		t.Fatalf("no figure %q", name)
		return 0, false
	}
	gross, net := 12.5, 30.0
	m := &analysis.ModelResult{EnergyUncertaintyJ: &gross, NetEnergyUncertaintyJ: &net}
	for name, want := range map[string]float64{"energy_uncertainty_j": gross, "net_energy_uncertainty_j": net} {
		if v, ok := get(name, m); !ok || v != want {
			t.Errorf("%s = %v, %v; want %v", name, v, ok, want)
		}
		if v, ok := get(name, &analysis.ModelResult{}); ok {
			t.Errorf("%s without an uncertainty = %v, want it left out", name, v)
		}
	}
}
