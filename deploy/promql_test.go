package deploy_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/internal/testenv"
)

// A fixture series: constant (a gauge) or growing at a constant rate from
// zero (a counter), per second.
type fixtureSeries struct {
	labels string  // `instance="a:9464",meter="dcgm",...`
	value  float64 // the gauge's value, or the counter's slope per second
}

// The fixture: two aienergy instances, as two runs on two machines would
// be. Instance a runs model m on two GPUs (plus a GPU memory "part" that
// must not count, and a CPU meter); instance b runs m2 on one GPU.
var fixture = []struct {
	name    string
	counter bool
	series  []fixtureSeries
}{
	{"aienergy_run_info", false, []fixtureSeries{
		{`instance="a:9464",name="compose-vllm",run_id="r1"`, 1},
		{`instance="b:9464",name="k8s-vllm",run_id="r2"`, 1},
	}},
	{"aienergy_power_watts", false, []fixtureSeries{
		{`instance="a:9464",meter="dcgm",channel="gpu0",component="gpu"`, 150},
		{`instance="a:9464",meter="dcgm",channel="gpu1",component="gpu"`, 250},
		{`instance="a:9464",meter="dcgm",channel="gpu0-memory",component="part"`, 20},
		{`instance="a:9464",meter="rapl",channel="cpu-package-0",component="cpu"`, 80},
		{`instance="b:9464",meter="dcgm",channel="gpu0",component="gpu"`, 100},
	}},
	{"aienergy_energy_joules_total", true, []fixtureSeries{
		{`instance="a:9464",meter="dcgm",channel="gpu0",component="gpu"`, 150},
		{`instance="a:9464",meter="dcgm",channel="gpu1",component="gpu"`, 250},
		{`instance="a:9464",meter="dcgm",channel="gpu0-memory",component="part"`, 20},
		{`instance="a:9464",meter="rapl",channel="cpu-package-0",component="cpu"`, 80},
		{`instance="b:9464",meter="dcgm",channel="gpu0",component="gpu"`, 100},
	}},
	{"aienergy_phase_info", false, []fixtureSeries{
		{`instance="a:9464",model="m",phase="measured"`, 1},
		{`instance="b:9464",model="m2",phase="measured"`, 1},
	}},
	{"aienergy_requests_total", true, []fixtureSeries{
		{`instance="a:9464",model="m",phase="measured",outcome="ok"`, 4},
		{`instance="a:9464",model="m",phase="measured",outcome="error"`, 1},
		{`instance="a:9464",model="m",phase="warmup",outcome="ok"`, 0},
		{`instance="b:9464",model="m2",phase="measured",outcome="ok"`, 2},
	}},
	{"aienergy_output_tokens_total", true, []fixtureSeries{
		{`instance="a:9464",model="m",phase="measured"`, 100},
		{`instance="a:9464",model="m",phase="warmup"`, 0},
		{`instance="b:9464",model="m2",phase="measured"`, 50},
	}},
	{"aienergy_input_tokens_total", true, []fixtureSeries{
		{`instance="a:9464",model="m",phase="measured"`, 300},
		{`instance="b:9464",model="m2",phase="measured"`, 60},
	}},
	{"aienergy_in_flight_requests", false, []fixtureSeries{
		{`instance="a:9464",model="m"`, 8},
		{`instance="b:9464",model="m2"`, 3},
	}},
}

// What each query of the dashboard must return over the fixture, by panel
// title and refId: result labels (sorted, without __name__) → value,
// exactly these series. Worked out by hand from the fixture.
var wantQueries = map[string]map[string]float64{
	"Run/A": {
		`instance=a:9464,job=aienergy,name=compose-vllm,run_id=r1`: 1,
		`instance=b:9464,job=aienergy,name=k8s-vllm,run_id=r2`:     1,
	},
	"Current phase/A": { // only the phase at 1
		`instance=a:9464,job=aienergy,model=m,phase=measured`:  1,
		`instance=b:9464,job=aienergy,model=m2,phase=measured`: 1,
	},
	"Power now/A": { // 150 + 250 W of GPUs; the 20 W part is left out
		`component=gpu,instance=a:9464,meter=dcgm`: 400,
		`component=cpu,instance=a:9464,meter=rapl`: 80,
		`component=gpu,instance=b:9464,meter=dcgm`: 100,
	},
	"Energy in the time range/A": { // W × 600 s
		`component=gpu,instance=a:9464,meter=dcgm`: 400 * 600,
		`component=cpu,instance=a:9464,meter=rapl`: 80 * 600,
		`component=gpu,instance=b:9464,meter=dcgm`: 100 * 600,
	},
	"Power per channel/A": {
		`channel=gpu0,component=gpu,instance=a:9464,job=aienergy,meter=dcgm`:          150,
		`channel=gpu1,component=gpu,instance=a:9464,job=aienergy,meter=dcgm`:          250,
		`channel=gpu0-memory,component=part,instance=a:9464,job=aienergy,meter=dcgm`:  20,
		`channel=cpu-package-0,component=cpu,instance=a:9464,job=aienergy,meter=rapl`: 80,
		`channel=gpu0,component=gpu,instance=b:9464,job=aienergy,meter=dcgm`:          100,
	},
	"Energy rate per channel/A": { // the counters' slopes: the same watts
		`channel=gpu0,component=gpu,instance=a:9464,job=aienergy,meter=dcgm`:          150,
		`channel=gpu1,component=gpu,instance=a:9464,job=aienergy,meter=dcgm`:          250,
		`channel=gpu0-memory,component=part,instance=a:9464,job=aienergy,meter=dcgm`:  20,
		`channel=cpu-package-0,component=cpu,instance=a:9464,job=aienergy,meter=rapl`: 80,
		`channel=gpu0,component=gpu,instance=b:9464,job=aienergy,meter=dcgm`:          100,
	},
	"Requests per second/A": {
		`model=m,outcome=ok,phase=measured`:    4,
		`model=m,outcome=error,phase=measured`: 1,
		`model=m,outcome=ok,phase=warmup`:      0,
		`model=m2,outcome=ok,phase=measured`:   2,
	},
	"Tokens per second/A": {
		`model=m,phase=measured`:  100,
		`model=m,phase=warmup`:    0,
		`model=m2,phase=measured`: 50,
	},
	"Tokens per second/B": {
		`model=m,phase=measured`:  300,
		`model=m2,phase=measured`: 60,
	},
	"In-flight requests/A": {`model=m`: 8, `model=m2`: 3},
	// Per instance: a's 400 W of GPU over a's 100 tok/s (not b's), and
	// so on; the part channel gives no line.
	"Joules per output token/A": {
		`component=gpu,instance=a:9464,meter=dcgm`: 4,
		`component=cpu,instance=a:9464,meter=rapl`: 0.8,
		`component=gpu,instance=b:9464,meter=dcgm`: 2,
	},
	"Phases/A": {
		`model=m,phase=measured`:  1,
		`model=m2,phase=measured`: 1,
	},
}

// TestDashboardQueries runs every query of the dashboard in a real
// Prometheus holding a backfilled fixture, and compares each result with
// figures worked out by hand: PromQL syntax, label matching (J per token
// divides each instance's energy by its own tokens), legends that name
// labels the result has.
func TestDashboardQueries(t *testing.T) {
	promtool := testenv.Binary(t, "promtool", "prometheus")
	dir := t.TempDir()

	// 15 minutes of 1-s samples, an hour ago (recent, so that retention
	// keeps them); the queries look at the last 10 minutes of them.
	start := time.Now().Add(-time.Hour).Truncate(time.Minute)
	const seconds = 15 * 60
	at := start.Add(12 * time.Minute)
	om := filepath.Join(dir, "fixture.om")
	if err := os.WriteFile(om, []byte(openMetrics(start, seconds)), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	if out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", om, data).CombinedOutput(); err != nil {
		t.Fatalf("promtool tsdb create-blocks-from: %v\n%s", err, out)
	}
	base := testenv.StartPrometheus(t, "global:\n  scrape_interval: 15s\n", data, "--storage.tsdb.retention.time=10y")

	seen := map[string]bool{}
	for _, p := range readDashboard(t).Panels {
		for _, q := range p.Targets {
			key := p.Title + "/" + q.RefID
			seen[key] = true
			want, ok := wantQueries[key]
			if !ok {
				t.Errorf("%s: no expected result in this test; add one", key)
				continue
			}
			got := instantQuery(t, base, grafanaMacros(q.Expr), at)
			for labels := range got.labels {
				for _, l := range legendLabels(q.LegendFormat) {
					if !strings.Contains(","+labels, ","+l+"=") {
						t.Errorf("%s: legend names {{%s}}, which result {%s} lacks", key, l, labels)
					}
				}
			}
			if !sameResult(got.values, want) {
				t.Errorf("%s: %s\n got %v\nwant %v", key, q.Expr, got.values, want)
			}
		}
	}
	for key := range wantQueries {
		if !seen[key] {
			t.Errorf("%s: expected by this test, but the dashboard has no such query", key)
		}
	}
}

// openMetrics renders the fixture with timestamps, as promtool backfills
// it: one family at a time, each series in time order.
func openMetrics(start time.Time, seconds int) string {
	var b strings.Builder
	t0 := start.Unix()
	for _, f := range fixture {
		family, typ := f.name, "gauge"
		if f.counter {
			family, typ = strings.TrimSuffix(f.name, "_total"), "counter"
		}
		fmt.Fprintf(&b, "# TYPE %s %s\n", family, typ)
		for _, s := range f.series {
			for i := 0; i <= seconds; i++ {
				v := s.value
				if f.counter {
					v = s.value * float64(i)
				}
				fmt.Fprintf(&b, "%s{job=\"aienergy\",%s} %g %d\n", f.name, s.labels, v, t0+int64(i))
			}
		}
	}
	b.WriteString("# EOF\n")
	return b.String()
}

type queryResult struct {
	values map[string]float64 // sorted labels without __name__ → value
	labels map[string]bool
}

func instantQuery(t *testing.T, base, expr string, at time.Time) queryResult {
	t.Helper()
	q := url.Values{"query": {expr}, "time": {strconv.FormatInt(at.Unix(), 10)}}
	resp, err := http.Get(base + "/api/v1/query?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	if body.Status != "success" {
		t.Fatalf("%s: %s", expr, body.Error)
	}
	r := queryResult{values: map[string]float64{}, labels: map[string]bool{}}
	for _, s := range body.Data.Result {
		var kv []string
		for k, v := range s.Metric {
			if k != "__name__" {
				kv = append(kv, k+"="+v)
			}
		}
		sort.Strings(kv)
		key := strings.Join(kv, ",")
		v, err := strconv.ParseFloat(s.Value[1].(string), 64)
		if err != nil {
			t.Fatalf("%s: value %v: %v", expr, s.Value[1], err)
		}
		r.values[key] = v
		r.labels[key] = true
	}
	return r
}

func sameResult(got, want map[string]float64) bool {
	gk, wk := keys(got), keys(want)
	if !slices.Equal(gk, wk) {
		return false
	}
	for k, w := range want {
		if math.Abs(got[k]-w) > 1e-9*math.Max(1, math.Abs(w)) {
			return false
		}
	}
	return true
}

func keys(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
