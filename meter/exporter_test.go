package meter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// serveFixture serves testdata/name as a metrics endpoint.
func serveFixture(t testing.TB, name string) *httptest.Server {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return serveBody(t, string(body))
}

func serveBody(t testing.TB, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newTestExporter(t testing.TB, url string, opts map[string]any) Meter {
	t.Helper()
	o := map[string]any{"url": url}
	for k, v := range opts {
		o[k] = v
	}
	m, err := New(context.Background(), Spec{Name: "scrape", Type: "exporter", Options: o, Source: "test.yaml:1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// want is an expected reading; nan marks a missing figure.
type want struct {
	component     Component
	watts, joules float64
}

var nan = math.NaN()

func TestExporterPresets(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		opts    map[string]any
		want    map[string]want
	}{
		{"dcgm default preset, two GPUs, mJ counter in J", "dcgm_2gpu.prom", nil, map[string]want{
			"gpu0": {GPU, 312.457, 48213658.925},
			"gpu1": {GPU, 68.914, 47120934.410},
		}},
		{"dcgm with a label selecting one GPU (YAML number)", "dcgm_2gpu.prom",
			map[string]any{"preset": "dcgm", "labels": map[string]any{"gpu": 1, "Hostname": "gpu-node-01"}}, map[string]want{
				"gpu1": {GPU, 68.914, 47120934.410},
			}},
		{"kepler 0.10 zones", "kepler_v010.prom", map[string]any{"preset": "kepler"}, map[string]want{
			"kepler-package": {CPU, 85.25, 123456.789},
			"kepler-dram":    {DRAM, 12.5, 23456.5},
		}},
		{"kepler 0.7 dynamic+idle summed, platform is wall", "kepler_v07.prom", map[string]any{"preset": "kepler"}, map[string]want{
			"kepler-package-0": {CPU, nan, 5000.5 + 12000.25},
			"kepler-package-1": {CPU, nan, 4000 + 11000},
			"kepler-dram-0":    {DRAM, nan, 300.5 + 900.25},
			"kepler-gpu-0":     {GPU, nan, 2000 + 8000},
			"kepler-platform":  {Wall, nan, 20000 + 60000},
		}},
		{"node_rapl: package and dram, no core, psys or mmio copy", "node_rapl.prom", map[string]any{"preset": "node_rapl"}, map[string]want{
			"cpu-package-0": {CPU, nan, 187654.321098},
			"cpu-package-1": {CPU, nan, 165432.109876},
			"dram-0":        {DRAM, nan, 23456.789},
			"dram-1":        {DRAM, nan, 21098.765},
		}},
		{"node_rapl with --collector.rapl.enable-zone-label", "node_rapl_zone_label.prom", map[string]any{"preset": "node_rapl"}, map[string]want{
			"cpu-package-0": {CPU, nan, 187654.321098},
			"dram-0":        {DRAM, nan, 23456.789},
		}},
		{"preset extended by metrics", "node_rapl.prom", map[string]any{
			"preset": "node_rapl",
			"metrics": []any{map[string]any{
				"name": "node_rapl_psys_joules_total", "kind": "energy", "component": "other", "channel": "psys",
			}},
		}, map[string]want{
			"cpu-package-0": {CPU, nan, 187654.321098},
			"cpu-package-1": {CPU, nan, 165432.109876},
			"dram-0":        {DRAM, nan, 23456.789},
			"dram-1":        {DRAM, nan, 21098.765},
			"psys":          {Other, nan, 401234.5},
		}},
		{"custom metrics with unit scaling and label matchers", "dcgm_2gpu.prom", map[string]any{
			"metrics": []any{
				map[string]any{"name": "DCGM_FI_DEV_FB_USED", "kind": "power", "unit": "mW", "component": "gpu",
					"channel_label": "gpu", "channel_prefix": "card"},
				map[string]any{"name": "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "kind": "energy", "unit": "kJ", "component": "gpu",
					"channel_label": "gpu", "channel_prefix": "card"},
				map[string]any{"name": "DCGM_FI_DEV_POWER_USAGE", "kind": "power", "component": "wall",
					"channel": "pdu", "labels": map[string]any{"UUID": "GPU-a81c2d7e-44f0-8f3a-2c1b-7e6d5c4b3a21"}},
			},
		}, map[string]want{
			"card0": {GPU, 76.680, 48213658925e3},
			"card1": {GPU, 0.001, 47120934410e3},
			"pdu":   {Wall, 68.914, nan},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serveFixture(t, tt.fixture)
			m := newTestExporter(t, srv.URL+"/metrics", tt.opts)
			readings, err := m.Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			checkReadings(t, readings, tt.want)
		})
	}
}

func checkReadings(t *testing.T, readings []Reading, wants map[string]want) {
	t.Helper()
	got := map[string]Reading{}
	for _, r := range readings {
		if _, dup := got[r.Channel]; dup {
			t.Errorf("channel %q appears twice", r.Channel)
		}
		got[r.Channel] = r
		if r.Meter != "scrape" {
			t.Errorf("%s: Meter = %q, want scrape", r.Channel, r.Meter)
		}
		if !r.Time.IsZero() {
			t.Errorf("%s: meter stamped Time; the sampler does that", r.Channel)
		}
	}
	for ch, w := range wants {
		r, ok := got[ch]
		if !ok {
			t.Errorf("missing channel %q; got %v", ch, readings)
			continue
		}
		if r.Component != w.component {
			t.Errorf("%s: component %s, want %s", ch, r.Component, w.component)
		}
		if !closeTo(r.Watts, w.watts) {
			t.Errorf("%s: watts %v, want %v", ch, r.Watts, w.watts)
		}
		if !closeTo(r.Joules, w.joules) {
			t.Errorf("%s: joules %v, want %v", ch, r.Joules, w.joules)
		}
	}
	if len(got) != len(wants) {
		t.Errorf("got %d channels %v, want %d", len(got), readings, len(wants))
	}
}

// closeTo compares within a relative 1e-12 (unit scaling is one multiply),
// NaN matching only NaN.
func closeTo(got, want float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	return math.Abs(got-want) <= 1e-12*math.Max(1, math.Abs(want))
}

func TestExporterReadErrors(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL + "/metrics"
	dead.Close()

	handler := func(status int, contentType, body string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", contentType)
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}))
		t.Cleanup(srv.Close)
		return srv.URL + "/metrics"
	}
	text := "text/plain; version=0.0.4"
	dcgm := serveFixture(t, "dcgm_2gpu.prom").URL + "/metrics"
	rapl := serveFixture(t, "node_rapl.prom").URL + "/metrics"

	tests := []struct {
		name string
		url  string
		opts map[string]any
		want []string
	}{
		{"unreachable", deadURL, nil,
			[]string{"cannot reach the exporter at " + deadURL, "connection refused", "is the exporter (or aienergy's simulator) running"}},
		{"not 200", handler(503, "text/plain", "exporter warming up\n"), nil,
			[]string{"503 Service Unavailable: exporter warming up"}},
		{"wrong exporter for the preset", rapl, nil,
			[]string{"scraped " + rapl + " but found none of DCGM_FI_DEV_POWER_USAGE, DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION; is this a dcgm-exporter? set preset:"}},
		{"labels match nothing", dcgm, map[string]any{"labels": map[string]any{"gpu": "7"}},
			[]string{"found 2 series of DCGM_FI_DEV_POWER_USAGE, 2 series of DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION, but no series matched labels: {gpu=\"7\"}", "for example DCGM_FI_DEV_POWER_USAGE{gpu=\"0\""}},
		{"malformed wanted line", handler(200, text, "ok 1\nDCGM_FI_DEV_POWER_USAGE{gpu=\"0\" 1\n"), nil,
			[]string{"could not parse it: line 2:"}},
		{"conflicting duplicate series", handler(200, text,
			"DCGM_FI_DEV_POWER_USAGE{gpu=\"0\",pod=\"a\"} 100\nDCGM_FI_DEV_POWER_USAGE{gpu=\"0\",pod=\"b\"} 101\n"), nil,
			[]string{`both give the power of channel "gpu0"`, "lines 1 and 2", "labels option"}},
		{"no label to name the channel", handler(200, text, "DCGM_FI_DEV_POWER_USAGE{UUID=\"x\"} 100\n"), nil,
			[]string{`line 1: DCGM_FI_DEV_POWER_USAGE{UUID="x"} has no "gpu" label`}},
		{"infinite value", handler(200, text, "DCGM_FI_DEV_POWER_USAGE{gpu=\"0\"} +Inf\n"), nil,
			[]string{"has the value +Inf"}},
		{"only NaN", handler(200, text, "DCGM_FI_DEV_POWER_USAGE{gpu=\"0\"} NaN\n"), nil,
			[]string{"every matching series had the value NaN"}},
		{"one channel, two components", dcgm, map[string]any{
			"labels": map[string]any{"gpu": "0"},
			"metrics": []any{
				map[string]any{"name": "DCGM_FI_DEV_POWER_USAGE", "kind": "power", "component": "gpu", "channel": "x"},
				map[string]any{"name": "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "kind": "energy", "unit": "mJ", "component": "cpu", "channel": "x"},
			}},
			[]string{`channel "x" would be both gpu and cpu`}},
		{"protobuf answer", handler(200, "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited", "\x00"), nil,
			[]string{"answered in protobuf"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newTestExporter(t, tt.url, tt.opts)
			_, err := m.Read(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
		})
	}
}

func TestExporterDuplicateSeriesWithEqualValues(t *testing.T) {
	// dcgm-exporter repeats a GPU's device fields once per pod using it.
	srv := serveBody(t, "DCGM_FI_DEV_POWER_USAGE{gpu=\"0\",pod=\"a\"} 100\nDCGM_FI_DEV_POWER_USAGE{gpu=\"0\",pod=\"b\"} 100\n")
	m := newTestExporter(t, srv.URL, nil)
	readings, err := m.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkReadings(t, readings, map[string]want{"gpu0": {GPU, 100, nan}})
}

func TestExporterTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	m := newTestExporter(t, srv.URL, map[string]any{"timeout": "50ms"})
	start := time.Now()
	_, err := m.Read(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no complete answer from the exporter at "+srv.URL+" within 50ms") || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v", err)
	}
	// A tighter deadline from the caller (the sampler's) is the one named:
	// 30ms, less the moments that pass before Read looks at it.
	long := newTestExporter(t, srv.URL, map[string]any{"timeout": "10s"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err = long.Read(ctx)
	if err == nil || !regexp.MustCompile(`no complete answer from the exporter at \S+ within (1\d|2\d|30)ms`).MatchString(err.Error()) {
		t.Errorf("error with caller deadline = %v", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Read took %v despite a 50ms timeout", took)
	}
}

func TestExporterSendsHeadersAndReusesConnection(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "dcgm_2gpu.prom"))
	if err != nil {
		t.Fatal(err)
	}
	var newConns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		if !strings.HasPrefix(r.Header.Get("Accept"), "text/plain;version=0.0.4") {
			http.Error(w, "want text", http.StatusNotAcceptable)
			return
		}
		_, _ = w.Write(body)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			newConns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	m := newTestExporter(t, srv.URL, map[string]any{"headers": map[string]any{"Authorization": "Bearer s3cret"}})
	for i := 0; i < 5; i++ {
		if _, err := m.Read(context.Background()); err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
	}
	if n := newConns.Load(); n != 1 {
		t.Errorf("5 scrapes opened %d connections, want 1 (keep-alive)", n)
	}

	noAuth := newTestExporter(t, srv.URL, nil)
	if _, err := noAuth.Read(context.Background()); err == nil || !strings.Contains(err.Error(), "401 Unauthorized: who are you") {
		t.Errorf("without the header: error %v", err)
	}
}

func TestExporterHidesPasswordInMessages(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	u := strings.Replace(dead.URL, "http://", "http://scraper:hunter2@", 1)
	_, err := newTestExporter(t, u, nil).Read(context.Background())
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "scraper:xxxxx@") {
		t.Errorf("error = %v", err)
	}
}

func TestExporterConcurrentReads(t *testing.T) {
	srv := serveFixture(t, "dcgm_2gpu.prom")
	m := newTestExporter(t, srv.URL, nil)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				readings, err := m.Read(context.Background())
				if err != nil || len(readings) != 2 {
					t.Errorf("read: %d readings, %v", len(readings), err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestExporterOptionErrors(t *testing.T) {
	metric := func(kv ...any) map[string]any {
		m := map[string]any{"name": "x_watts", "kind": "power", "component": "gpu"}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return m
	}
	tests := []struct {
		name string
		opts map[string]any
		want string
	}{
		{"missing url", map[string]any{}, "cfg.yaml:9: meters[gpu].url: required but not set"},
		{"url without scheme", map[string]any{"url": "localhost:9400"},
			`meters[gpu].url: want an http:// or https:// URL such as http://localhost:9400/metrics, got "localhost:9400"`},
		{"unknown key", map[string]any{"url": "http://h/m", "timout": "1s"},
			`meters[gpu].timout: unknown option for a meter of type "exporter"; did you mean "timeout"? (valid options: headers, labels, metrics, preset, timeout, url)`},
		{"bad timeout", map[string]any{"url": "http://h/m", "timeout": "2"},
			`meters[gpu].timeout: want a duration such as "2s" or "500ms", got "2"`},
		{"unknown preset", map[string]any{"url": "http://h/m", "preset": "dcmg"},
			`meters[gpu].preset: unknown preset "dcmg"; did you mean "dcgm"? (presets: custom, dcgm, kepler, node_rapl)`},
		{"custom without metrics", map[string]any{"url": "http://h/m", "preset": "custom"},
			"meters[gpu].metrics: preset custom needs metrics: to say what to read"},
		{"metrics not a list", map[string]any{"url": "http://h/m", "metrics": "x_watts"},
			`meters[gpu].metrics: want a list, got "x_watts"`},
		{"bad kind", map[string]any{"url": "http://h/m", "metrics": []any{metric("kind", "heat")}},
			`meters[gpu].metrics[0].kind: want power or energy, got "heat"`},
		{"unit of the other quantity", map[string]any{"url": "http://h/m", "metrics": []any{metric(), metric("unit", "J")}},
			`meters[gpu].metrics[1].unit: "J" is not a unit of power (want one of W, kW, mW, uW)`},
		{"missing component", map[string]any{"url": "http://h/m", "metrics": []any{metric("component", nil)}},
			"meters[gpu].metrics[0].component: required but not set"},
		{"bad component", map[string]any{"url": "http://h/m", "metrics": []any{metric("component", "psu")}},
			`meters[gpu].metrics[0].component: want one of gpu, cpu, dram, wall, other, got "psu"`},
		{"channel and channel_label", map[string]any{"url": "http://h/m", "metrics": []any{metric("channel", "a", "channel_label", "gpu")}},
			"meters[gpu].metrics[0].channel: set channel (a fixed name) or channel_label (a name per series), not both"},
		{"prefix without label", map[string]any{"url": "http://h/m", "metrics": []any{metric("channel_prefix", "gpu")}},
			"meters[gpu].metrics[0].channel_prefix: only means something with channel_label"},
		{"bad channel name", map[string]any{"url": "http://h/m", "metrics": []any{metric("channel", "a/b")}},
			`meters[gpu].metrics[0].channel: "a/b" may hold only letters, digits, '-', '_' and '.'`},
		{"unknown key in a metric", map[string]any{"url": "http://h/m", "metrics": []any{metric("chanel", "a")}},
			`meters[gpu].metrics[0].chanel: unknown option; did you mean "channel"?`},
		{"sum not a bool", map[string]any{"url": "http://h/m", "metrics": []any{metric("sum", "yes")}},
			`meters[gpu].metrics[0].sum: want true or false, got "yes"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(context.Background(), Spec{Name: "gpu", Type: "exporter", Options: tt.opts, Source: "cfg.yaml:9"})
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\nlacks %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "cfg.yaml:9: ") {
				t.Errorf("error %q does not start with the source", err)
			}
		})
	}
}

// BenchmarkExporterParse measures turning a 2-GPU dcgm-exporter scrape into
// readings, without the HTTP round trip.
func BenchmarkExporterParse(b *testing.B) {
	body, err := os.ReadFile(filepath.Join("testdata", "dcgm_2gpu.prom"))
	if err != nil {
		b.Fatal(err)
	}
	p := presets["dcgm"]
	want := map[string]bool{}
	for _, r := range p.rules {
		want[r.metric] = true
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		samples, err := parseExposition(body, want)
		if err != nil {
			b.Fatal(err)
		}
		readings, _, err := collect(samples, p.rules, nil)
		if err != nil || len(readings) != 2 {
			b.Fatal(len(readings), err)
		}
	}
}

// BenchmarkExporterRead is a whole scrape of the same fixture over loopback.
func BenchmarkExporterRead(b *testing.B) {
	srv := serveFixture(b, "dcgm_2gpu.prom")
	m := newTestExporter(b, srv.URL, nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Read(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

func ExampleNew_exporter() {
	m, err := New(context.Background(), Spec{Name: "gpu", Type: "exporter", Source: "run.yaml:8", Options: map[string]any{
		"url": "http://localhost:9400/metrics", "preset": "dcgn",
	}})
	fmt.Println(m, err)
	// Output: <nil> run.yaml:8: meters[gpu].preset: unknown preset "dcgn"; did you mean "dcgm"? (presets: custom, dcgm, kepler, node_rapl)
}

// dcgm-exporter names each GPU's model in its modelName label; the meter
// reports them for the run's record of its hardware.
func TestExporterGPUModels(t *testing.T) {
	body := `DCGM_FI_DEV_POWER_USAGE{gpu="1",UUID="GPU-b",modelName="NVIDIA A100-SXM4-40GB"} 90
DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-a",modelName="NVIDIA H100 80GB HBM3"} 100
`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, body) }))
	defer srv.Close()
	m, err := New(context.Background(), Spec{Name: "dcgm", Type: "exporter", Options: map[string]any{"url": srv.URL, "preset": "dcgm"}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Read(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := m.(GPUDescriber).GPUModels()
	if strings.Join(got, "|") != "NVIDIA H100 80GB HBM3|NVIDIA A100-SXM4-40GB" {
		t.Errorf("GPU models = %q, want gpu0's then gpu1's", got)
	}
}
