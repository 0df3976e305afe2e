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
	if _, err := report.Generate(dir); err != nil {
		t.Fatal(err)
	}
	sum, raw, err := Load(dir)
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

func TestNewRejectsBadOptions(t *testing.T) {
	t.Setenv("AIENERGY_TEST_TOKEN", "tok")
	for _, tc := range []struct {
		kind string
		opts map[string]any
		want []string // every fragment must be in the error
	}{
		{"influxdb", map[string]any{}, []string{"url: missing", "database: missing"}},
		{"influxdb", map[string]any{"url": "127.0.0.1:8086", "database": "x"}, []string{`url: "127.0.0.1:8086" is not an http(s) URL`}},
		{"influxdb", map[string]any{"url": "http://h", "database": "x", "bucket": "b", "org": "o"}, []string{"not both"}},
		{"influxdb", map[string]any{"url": "http://h", "bucket": "b"}, []string{"org: missing"}},
		{"influxdb", map[string]any{"url": "http://h", "database": "x", "token_env": "AIENERGY_TEST_UNSET"}, []string{"token_env: environment variable AIENERGY_TEST_UNSET is not set"}},
		{"influxdb", map[string]any{"url": "http://h", "database": "x", "requests": "yes"}, []string{"requests: want true or false"}},
		{"influxdb", map[string]any{"url": "http://h", "database": "x", "databse": "y"}, []string{`unknown option "databse"`, "known: "}},
		{"clickhouse", map[string]any{"url": "http://h", "table": "runs; DROP TABLE x"}, []string{"table: \"runs; DROP TABLE x\" is not a plain identifier"}},
		{"clickhouse", map[string]any{"url": "http://h", "table": "t", "requests_table": "t"}, []string{"requests_table: must differ"}},
		{"clickhouse", map[string]any{"url": "http://h", "timeout_s": -1}, []string{"timeout_s: want a positive number"}},
		{"mlflow", map[string]any{"url": "http://h", "token_env": "AIENERGY_TEST_TOKEN", "username": "u"}, []string{"not both"}},
		{"mlflow", map[string]any{"url": "http://h", "experiment": 3}, []string{"experiment: want a string, got 3 (int)"}},
		{"prometheus", map[string]any{}, []string{`unknown sink type "prometheus"`}},
	} {
		_, err := New(tc.kind, tc.opts)
		if err == nil {
			t.Errorf("%s %v: no error", tc.kind, tc.opts)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s %v: error %q lacks %q", tc.kind, tc.opts, err, w)
			}
		}
	}
}

func TestNewAcceptsGoodOptions(t *testing.T) {
	t.Setenv("AIENERGY_TEST_TOKEN", "tok")
	for _, tc := range []struct {
		kind, name string
		opts       map[string]any
	}{
		{"influxdb", "influxdb http://h:8086 (database energy)", map[string]any{"type": "influxdb", "url": "http://h:8086/", "database": "energy", "requests": true, "timeout_s": 2.5}},
		{"influxdb", "influxdb http://h:8086 (org o, bucket b)", map[string]any{"url": "http://h:8086", "org": "o", "bucket": "b", "token_env": "AIENERGY_TEST_TOKEN"}},
		{"clickhouse", "clickhouse http://h:8123 (default.aienergy_runs)", map[string]any{"url": "http://h:8123"}},
		{"mlflow", "mlflow https://mlflow.example (experiment aienergy)", map[string]any{"url": "https://mlflow.example", "token_env": "AIENERGY_TEST_TOKEN", "timeout_s": 10}},
	} {
		s, err := New(tc.kind, tc.opts)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if s.Name() != tc.name {
			t.Errorf("Name() = %q, want %q", s.Name(), tc.name)
		}
	}
}

func TestLoadNeedsSummary(t *testing.T) {
	_, _, err := Load(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "aienergy report") {
		t.Fatalf("Load of a directory without summary.json: %v, want a hint to run aienergy report", err)
	}
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
