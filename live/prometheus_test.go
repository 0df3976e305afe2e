package live

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/internal/testenv"
	"github.com/aienergy/aienergy/meter"
)

// TestAgainstPrometheus has a real Prometheus (Debian package prometheus)
// scrape the exporter every second, as the shipped Grafana dashboard's
// data source does, and checks the series it stores, by the queries a
// dashboard makes, before and after the run moves on.
func TestAgainstPrometheus(t *testing.T) {
	e := fixture()
	target, stop, err := e.Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	prom := startPrometheus(t, strings.TrimSuffix(strings.TrimPrefix(target, "http://"), MetricsPath))

	waitFor(t, prom, `aienergy_run_info{name="llama-sweep",run_id="20240501T120000Z-ab12",job="aienergy"}`, 1)
	waitFor(t, prom, `aienergy_energy_joules_total{meter="nvml",channel="gpu0",component="gpu"}`, 520)
	waitFor(t, prom, `sum(aienergy_requests_total{phase="measured"})`, 3)
	waitFor(t, prom, `aienergy_requests_total{outcome="error"}`, 1)
	waitFor(t, prom, `aienergy_phase_info == 1`, 1)
	waitFor(t, prom, `count(aienergy_phase_info{phase="measured"} == 1)`, 1)
	waitFor(t, prom, `aienergy_in_flight_requests{model="llama-8b"}`, 2)

	// The run goes on: 2 s more at 270 W, and the next phase.
	e.Readings([]meter.Reading{{Meter: "nvml", Channel: "gpu0", Component: meter.GPU, Time: t0.Add(4 * time.Second), Watts: 270, Joules: nan}})
	e.Phase("llama-8b", "idle_after")
	waitFor(t, prom, `aienergy_energy_joules_total{channel="gpu0"}`, 520+540)
	waitFor(t, prom, `count(aienergy_phase_info{phase="idle_after"} == 1)`, 1)
	waitFor(t, prom, `absent(aienergy_phase_info{phase="measured"})`, 1) // gone stale, not 0
}

type prometheus struct{ base string }

// startPrometheus runs Prometheus on a free loopback port scraping target
// every second, and waits until it is ready.
func startPrometheus(t *testing.T, target string) *prometheus {
	t.Helper()
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: aienergy
    static_configs:
      - targets: ['%s']
`, target)
	return &prometheus{base: testenv.StartPrometheus(t, config, "")}
}

// query runs an instant query and returns the value of each series.
func (p *prometheus) query(q string) ([]float64, error) {
	resp, err := http.Get(p.base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("query %s: %s: %w", q, resp.Status, err)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("query %s: %s", q, body.Error)
	}
	var out []float64
	for _, r := range body.Data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("query %s: value %v: %w", q, r.Value[1], err)
		}
		out = append(out, v)
	}
	return out, nil
}

// waitFor waits (up to 30 s: scrapes are 1 s apart, the machine may be
// loaded) until q returns exactly one series of value want.
func waitFor(t *testing.T, p *prometheus, q string, want float64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := p.query(q)
		if err == nil && len(got) == 1 && near(got[0], want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus: %s = %v (%v); want one series of %v", q, got, err, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
