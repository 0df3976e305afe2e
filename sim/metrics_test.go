package sim

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// An exposition is a parsed /metrics page, independent of the parser.
type exposition map[string]*metricFamily

type metricFamily struct {
	help, kind string
	samples    []promSample
}

type promSample struct {
	labels map[string]string
	value  float64
}

// expositionParsers are the parsers /metrics must satisfy. The strict one
// below always runs; metrics_expfmt_test.go adds Prometheus's own.
var expositionParsers = map[string]func(*testing.T, string) exposition{
	"strict": parseStrict,
}

var (
	sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$`)
	labelPair  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

// parseStrict reads the text format as dcgm-exporter and vLLM write it:
// HELP and TYPE before every family, labelled samples, no timestamps.
func parseStrict(t *testing.T, text string) exposition {
	t.Helper()
	exp := exposition{}
	var current *metricFamily
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if rest, ok := strings.CutPrefix(line, "# HELP "); ok {
			name, help, _ := strings.Cut(rest, " ")
			if exp[name] != nil {
				t.Fatalf("family %s appears twice", name)
			}
			current = &metricFamily{help: help}
			exp[name] = current
			continue
		}
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, kind, _ := strings.Cut(rest, " ")
			if exp[name] != current || current == nil || (kind != "gauge" && kind != "counter") {
				t.Fatalf("TYPE line %q does not follow its HELP line or has an unknown type", line)
			}
			current.kind = kind
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("line %q is not a labelled sample", line)
		}
		if exp[m[1]] != current || current.kind == "" {
			t.Fatalf("sample %q is outside its family's HELP and TYPE", line)
		}
		labels := map[string]string{}
		pairs := labelPair.FindAllStringSubmatch(m[2], -1)
		var rebuilt []string
		for _, p := range pairs {
			labels[p[1]] = strings.NewReplacer(`\\`, `\`, `\"`, `"`, `\n`, "\n").Replace(p[2])
			rebuilt = append(rebuilt, p[0])
		}
		if strings.Join(rebuilt, ",") != m[2] {
			t.Fatalf("labels {%s} are malformed", m[2])
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("sample %q: %v", line, err)
		}
		current.samples = append(current.samples, promSample{labels: labels, value: v})
	}
	return exp
}

// scrape fetches /metrics and parses it with every parser.
func scrape(t *testing.T, h http.Handler, check func(t *testing.T, text string, exp exposition)) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics status %d", rec.Code)
	}
	text := rec.Body.String()
	for name, parse := range expositionParsers {
		t.Run(name, func(t *testing.T) { check(t, text, parse(t, text)) })
	}
}

// TestMetricsExact scrapes two GPUs after 2 s idle and 1 s with one running
// sequence: each GPU has drawn 60×2 + 85×1 = 205 J and draws 85 W now.
func TestMetricsExact(t *testing.T) {
	clk := newFakeClock()
	s, err := newServer(Config{GPUs: 2, Models: []string{"m1", "m2"}}, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	clk.advance(2 * time.Second)
	if err := s.engine.acquire(context.Background(), "m2", nil); err != nil {
		t.Fatal(err)
	}
	s.engine.countPrompt("m2", 11)
	s.engine.countGenerated("m2")
	clk.advance(time.Second)

	scrape(t, s.Handler(), func(t *testing.T, text string, exp exposition) {
		power := exp["DCGM_FI_DEV_POWER_USAGE"]
		energy := exp["DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"]
		if power == nil || energy == nil {
			t.Fatalf("DCGM families missing:\n%s", text)
		}
		if power.kind != "gauge" || energy.kind != "counter" {
			t.Fatalf("types %s and %s, want gauge and counter", power.kind, energy.kind)
		}
		if power.help != "Power draw (in W)." || energy.help != "Total energy consumption since boot (in mJ)." {
			t.Errorf("HELP texts %q and %q differ from dcgm-exporter's", power.help, energy.help)
		}
		if len(power.samples) != 2 || len(energy.samples) != 2 {
			t.Fatalf("want one series per GPU, got %d and %d", len(power.samples), len(energy.samples))
		}
		var sumJ float64
		for i, e := range energy.samples {
			p := power.samples[i]
			for _, name := range []string{"gpu", "UUID", "pci_bus_id", "device", "modelName", "Hostname"} {
				if e.labels[name] == "" || e.labels[name] != p.labels[name] {
					t.Errorf("GPU %d label %s = %q / %q", i, name, e.labels[name], p.labels[name])
				}
			}
			if e.labels["gpu"] != strconv.Itoa(i) || e.labels["device"] != "nvidia"+strconv.Itoa(i) ||
				!strings.HasPrefix(e.labels["UUID"], "GPU-") || e.labels["modelName"] != DefaultGPUModelName {
				t.Errorf("GPU %d labels %v", i, e.labels)
			}
			if p.value != 85 {
				t.Errorf("GPU %d power %g W, want 85 W", i, p.value)
			}
			if e.value != 205000 {
				t.Errorf("GPU %d energy %g mJ, want 205000 mJ", i, e.value)
			}
			sumJ += e.value / 1000
		}
		if sumJ != s.TotalEnergy() {
			t.Errorf("counters sum to %g J, TotalEnergy() = %g J", sumJ, s.TotalEnergy())
		}
		if energy.samples[0].labels["UUID"] == energy.samples[1].labels["UUID"] {
			t.Error("two GPUs share a UUID")
		}
		// DCGM prints the energy counter as an integer, never in exponent form.
		if n := len(regexp.MustCompile(`(?m)^DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION\{[^}]*\} 205000$`).FindAllString(text, -1)); n != 2 {
			t.Errorf("%d energy lines are plain integers, want 2:\n%s", n, text)
		}

		want := map[string]map[string]float64{ // family → model → value
			"vllm:num_requests_running":    {"m1": 0, "m2": 1},
			"vllm:num_requests_waiting":    {"m1": 0, "m2": 0},
			"vllm:prompt_tokens_total":     {"m1": 0, "m2": 11},
			"vllm:generation_tokens_total": {"m1": 0, "m2": 1},
		}
		for name, byModel := range want {
			f := exp[name]
			if f == nil || len(f.samples) != 2 {
				t.Errorf("%s: want one series per model, got %+v", name, f)
				continue
			}
			for _, m := range f.samples {
				if w := byModel[m.labels["model_name"]]; m.value != w {
					t.Errorf("%s{model_name=%q} = %g, want %g", name, m.labels["model_name"], m.value, w)
				}
			}
		}
	})
}

// TestMetricsMatchEnergyLive checks the counter against the real clock: a
// scrape lies between two TotalEnergy readings taken around it.
func TestMetricsMatchEnergyLive(t *testing.T) {
	s := mustNew(t, Config{GPUs: 3, TTFT: -1, ITL: -1, Models: []string{`odd "name"`}})
	ts := startTest(t, s)
	resp := post(t, context.Background(), ts.URL+"/v1/completions", `{"prompt":"warm up","max_tokens":2}`)
	resp.Body.Close()

	var before, after float64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		before = s.TotalEnergy()
		s.Handler().ServeHTTP(w, r)
		after = s.TotalEnergy()
	})
	scrape(t, h, func(t *testing.T, text string, exp exposition) {
		var sum float64
		for _, e := range exp["DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"].samples {
			sum += e.value
		}
		const rounding = 3 * 0.5 // mJ: each of 3 GPUs rounds to the nearest mJ
		if sum < before*1000-rounding || sum > after*1000+rounding {
			t.Errorf("counters sum to %g mJ, outside [%g, %g] mJ", sum, before*1000, after*1000)
		}
		success := exp["vllm:request_success_total"]
		if success == nil || len(success.samples) != 3 {
			t.Fatalf("request_success_total: want stop, length and abort series, got %+v", success)
		}
		var finished float64
		for _, m := range success.samples {
			if m.labels["model_name"] != `odd "name"` {
				t.Errorf("model_name label %q, want the escaped name back", m.labels["model_name"])
			}
			finished += m.value
		}
		if finished != 1 {
			t.Errorf("%g requests finished, want 1", finished)
		}
	})
}

func TestEnergyEndpointAndModels(t *testing.T) {
	clk := newFakeClock()
	s, err := newServer(Config{GPUs: 2, Models: []string{"x", "y"}, MaxModelLen: 4096}, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	origin := clk.now()
	clk.advance(1500 * time.Millisecond)

	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/sim/energy", nil))
	var got EnergyReport
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := EnergyReport{Joules: 180, Watts: 120, IdleWatts: 120, GPUs: 2, Seconds: 1.5}
	if got != want {
		t.Errorf("/sim/energy = %+v, want %+v", got, want)
	}

	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/models", nil))
	var list map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	data, _ := list["data"].([]any)
	if list["object"] != "list" || len(data) != 2 {
		t.Fatalf("/v1/models = %s", rec.Body)
	}
	for i, id := range []string{"x", "y"} {
		m := data[i].(map[string]any)
		if m["id"] != id || m["root"] != id || m["object"] != "model" || m["owned_by"] != "aienergy-sim" ||
			m["max_model_len"] != 4096.0 || m["created"] != float64(origin.Unix()) {
			t.Errorf("model %d = %v", i, m)
		}
	}
	if math.IsNaN(s.TotalEnergy()) {
		t.Error("TotalEnergy is NaN")
	}
}
