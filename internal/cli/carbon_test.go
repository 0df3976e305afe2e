package cli

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// With an Electricity Maps zone and token, the run's carbon figures use
// the grid's intensity over the run (recorded in run.json, so `report`
// gives the same figures offline); a failure falls back to the table.
func TestRunUsesLiveGridIntensity(t *testing.T) {
	var gotToken, gotZone string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotToken, gotZone = r.Header.Get("auth-token"), r.URL.Query().Get("zone")
		var points []string
		for h := -3; h <= 1; h++ {
			at := time.Now().UTC().Truncate(time.Hour).Add(time.Duration(h) * time.Hour)
			points = append(points, fmt.Sprintf(`{"zone":"DE","carbonIntensity":250,"datetime":%q,"emissionFactorType":"lifecycle","isEstimated":false}`, at.Format("2006-01-02T15:04:05.000Z")))
		}
		fmt.Fprintf(w, `{"zone":"DE","history":[%s]}`, strings.Join(points, ","))
	}))
	defer srv.Close()
	t.Setenv("EM_TOKEN", "s3cret")

	dir := filepath.Join(t.TempDir(), "em")
	stdout, stderr, code := runCLI(t, "run", "--output", dir, "phases.idle_before=0.3s", "phases.idle_after=0.3s", "load.requests=8",
		"metrics.electricity_maps_zone=DE", "metrics.electricity_maps_token_env=EM_TOKEN", "metrics.electricity_maps_url="+srv.URL)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if gotToken != "s3cret" || gotZone != "DE" {
		t.Errorf("Electricity Maps got token %q zone %q", gotToken, gotZone)
	}
	var sum struct {
		Carbon struct {
			Intensity float64 `json:"g_co2eq_per_kwh"`
			Name      string  `json:"name"`
			Source    string  `json:"source"`
		} `json:"carbon"`
	}
	json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "summary.json"))), &sum)
	if math.Abs(sum.Carbon.Intensity-250) > 1e-9 || !strings.Contains(sum.Carbon.Source, "Electricity Maps") {
		t.Errorf("carbon = %+v, want 250 g/kWh from Electricity Maps", sum.Carbon)
	}
	if strings.Contains(mustRead(t, filepath.Join(dir, "run.json")), "s3cret") {
		t.Error("the token was written to run.json")
	}

	// Unreachable service: the table is used and the summary says why.
	dir2 := filepath.Join(t.TempDir(), "em2")
	if _, stderr, code := runCLI(t, "run", "--output", dir2, "phases.idle_before=0s", "phases.idle_after=0s", "load.requests=2",
		"metrics.electricity_maps_zone=DE", "metrics.electricity_maps_url=http://127.0.0.1:1"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if s := mustRead(t, filepath.Join(dir2, "summary.json")); !strings.Contains(s, "live grid carbon intensity unavailable") || !strings.Contains(s, `"g_co2eq_per_kwh": 379`) {
		t.Errorf("fallback summary lacks the warning or the table's USA figure")
	}
}

// A sink that cannot be reached fails the command with its reason, and the
// run directory stays complete.
func TestFailingSinkKeepsTheRunDirectory(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(cfg, []byte("backend: {type: sim, model: sim-model}\nscenario: {num_samples: 4}\n"+
		"phases: {idle_before: 0s, warmup_requests: 0, idle_after: 0s}\n"+
		"reporter:\n  - {type: influxdb, url: \"http://127.0.0.1:1\", database: x}\n"), 0o644)
	dir := filepath.Join(t.TempDir(), "run")
	_, stderr, code := runCLI(t, "run", cfg, "--output", dir)
	if code == 0 || !strings.Contains(stderr, "reporter influxdb") || !strings.Contains(stderr, "run directory is intact") {
		t.Errorf("exit %d, stderr %q; want a failure naming the reporter", code, stderr)
	}
	for _, f := range []string{"summary.json", "report.html", "power.csv"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("run directory lost %s: %v", f, err)
		}
	}
	// A typo in a sink's options stops the run before it starts.
	os.WriteFile(cfg, []byte("backend: {type: sim, model: sim-model}\nreporter: {type: clickhouse}\n"), 0o644)
	if _, stderr, code := runCLI(t, "run", cfg, "--output", filepath.Join(t.TempDir(), "x")); code == 0 || !strings.Contains(stderr, "url") {
		t.Errorf("clickhouse without url: exit %d, %q", code, stderr)
	}
}
