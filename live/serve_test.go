package live

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/meter"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// raplCounter wraps at its range, 262143.32885 J, on the third reading:
// 40 J, then 262143.32885 − 262140 + 37 = 40.32885 J.
var raplCounter = []float64{262100, 262140, 37}

// fixture is a run in its measured phase: two channels, requests of two
// models (one of them failed), requests in flight.
func fixture() *Exporter {
	e := New()
	e.Run("llama-sweep", "20240501T120000Z-ab12")
	e.MaxRanges(map[string]float64{"rapl/package-0": 262143.32885})
	e.Phase("llama-8b", "idle_before")
	e.Phase("llama-8b", "warmup")
	e.Phase("llama-8b", "measured")
	for s := range 3 {
		e.Readings([]meter.Reading{
			{Meter: "nvml", Channel: "gpu0", Component: meter.GPU, Time: t0.Add(time.Duration(s) * time.Second), Watts: 250 + 10*float64(s), Joules: nan},
			{Meter: "rapl", Channel: "package-0", Component: meter.CPU, Time: t0.Add(time.Duration(s) * time.Second), Watts: nan, Joules: raplCounter[s]},
		})
	}
	e.Request("llama-8b", "warmup", backend.Record{InputTokens: 10, OutputTokens: 5})
	e.Request("llama-8b", "measured", backend.Record{InputTokens: 100, OutputTokens: 64})
	e.Request("llama-8b", "measured", backend.Record{InputTokens: 120, OutputTokens: 60})
	e.Request("llama-8b", "measured", backend.Record{InputTokens: 90, OutputTokens: 3, ErrorClass: backend.ErrorTimeout, Error: "deadline"})
	e.InFlight("llama-8b", +1)
	e.InFlight("llama-8b", +1)
	e.InFlight("llama-8b", +1)
	e.InFlight("llama-8b", -1)
	return e
}

// TestScrape serves the fixture on a real loopback socket, scrapes it as
// Prometheus does and checks every family against the fixture's figures.
func TestScrape(t *testing.T) {
	url, stop, err := fixture().Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.HasSuffix(url, "/metrics") {
		t.Errorf("url %q; want http://127.0.0.1:PORT/metrics", url)
	}
	fams := scrape(t, url)

	types := map[string]dto.MetricType{
		MetricPower: dto.MetricType_GAUGE, MetricEnergy: dto.MetricType_COUNTER,
		MetricPhase: dto.MetricType_GAUGE, MetricRequests: dto.MetricType_COUNTER,
		MetricOutputTokens: dto.MetricType_COUNTER, MetricInputTokens: dto.MetricType_COUNTER,
		MetricInFlight: dto.MetricType_GAUGE, MetricRun: dto.MetricType_GAUGE,
	}
	if len(fams) != len(types) {
		t.Errorf("families %s; want the %d of names.go", names(fams), len(types))
	}
	for name, typ := range types {
		if f := fams[name]; f == nil || f.GetType() != typ || f.GetHelp() == "" {
			t.Errorf("family %s: %v; want type %v with help", name, f, typ)
		}
	}

	gpu := []string{"meter", "nvml", "channel", "gpu0", "component", "gpu"}
	pkg := []string{"meter", "rapl", "channel", "package-0", "component", "cpu"}
	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{MetricPower, gpu, 270},
		{MetricEnergy, gpu, (250+260)/2.0 + (260+270)/2.0},
		{MetricPower, pkg, 40.32885},
		{MetricEnergy, pkg, 80.32885},
		{MetricPhase, []string{"model", "llama-8b", "phase", "measured"}, 1},
		{MetricRequests, []string{"model", "llama-8b", "phase", "warmup", "outcome", "ok"}, 1},
		{MetricRequests, []string{"model", "llama-8b", "phase", "measured", "outcome", "ok"}, 2},
		{MetricRequests, []string{"model", "llama-8b", "phase", "measured", "outcome", "error"}, 1},
		{MetricOutputTokens, []string{"model", "llama-8b", "phase", "measured"}, 64 + 60 + 3},
		{MetricInputTokens, []string{"model", "llama-8b", "phase", "measured"}, 100 + 120 + 90},
		{MetricOutputTokens, []string{"model", "llama-8b", "phase", "warmup"}, 5},
		{MetricInFlight, []string{"model", "llama-8b"}, 2},
		{MetricRun, []string{"name", "llama-sweep", "run_id", "20240501T120000Z-ab12"}, 1},
	}
	for _, c := range checks {
		checkSeries(t, fams, c.name, c.labels, c.want)
	}
	if n := seriesCount(fams, MetricRequests); n != 3 {
		t.Errorf("%d request series; want 3", n)
	}
}

// TestGolden pins the exposition byte for byte: the Grafana dashboard is
// written against these names and labels.
func TestGolden(t *testing.T) {
	rec := httpGet(t, fixture().Handler(), "/metrics", "")
	path := filepath.Join("testdata", "fixture.golden")
	if *update {
		if err := os.WriteFile(path, rec, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./live -update to create it)", err)
	}
	if !bytes.Equal(rec, want) {
		t.Errorf("exposition differs from %s (go test ./live -update rewrites it):\n%s", path, rec)
	}
}

// httpGet serves one GET through h on a real loopback server.
func httpGet(t *testing.T, h http.Handler, path, accept string) []byte {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+path, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLabelEscaping puts every character the text format must escape into
// label values and checks that they come back from the parser unchanged.
func TestLabelEscaping(t *testing.T) {
	odd := []string{
		`org/model "quoted"`,
		`C:\models\llama`,
		"two\nlines",
		`all three: \ " ` + "\n" + ` end`,
		"ünïcødé ✓ 模型",
		"",
	}
	e := New()
	e.Run(odd[0], odd[1])
	for _, m := range odd {
		if m != "" { // an empty phase means none runs
			e.Phase(m, m)
		}
		e.Request(m, m, backend.Record{OutputTokens: 7})
		e.InFlight(m, 1)
	}
	e.Readings([]meter.Reading{{Meter: odd[1], Channel: odd[2], Component: meter.GPU, Time: t0, Watts: 42, Joules: nan}})

	url, stop, err := e.Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	fams := scrape(t, url)
	for _, m := range odd {
		checkSeries(t, fams, MetricRequests, []string{"model", m, "phase", m, "outcome", "ok"}, 1)
		checkSeries(t, fams, MetricOutputTokens, []string{"model", m, "phase", m}, 7)
		checkSeries(t, fams, MetricInFlight, []string{"model", m}, 1)
	}
	last := odd[len(odd)-2]
	checkSeries(t, fams, MetricPhase, []string{"model", last, "phase", last}, 1)
	checkSeries(t, fams, MetricRun, []string{"name", odd[0], "run_id", odd[1]}, 1)
	checkSeries(t, fams, MetricPower, []string{"meter", odd[1], "channel", odd[2], "component", "gpu"}, 42)
}

// TestProtobuf checks that a scraper asking for protobuf gets the same
// figures as one reading text.
func TestProtobuf(t *testing.T) {
	h := fixture().Handler()
	body := httpGet(t, h, "/metrics", string(expfmt.NewFormat(expfmt.TypeProtoDelim)))
	dec := expfmt.NewDecoder(bytes.NewReader(body), expfmt.NewFormat(expfmt.TypeProtoDelim))
	proto := map[string]*dto.MetricFamily{}
	for {
		var f dto.MetricFamily
		if err := dec.Decode(&f); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("protobuf exposition does not decode: %v", err)
		}
		proto[f.GetName()] = &f
	}
	text := parseText(t, bytes.NewReader(httpGet(t, h, "/metrics", "")))
	if len(proto) != len(text) {
		t.Fatalf("protobuf families %s; text families %s", names(proto), names(text))
	}
	for name, tf := range text {
		pf := proto[name]
		if pf == nil || len(pf.Metric) != len(tf.Metric) {
			t.Errorf("family %s: protobuf %v, text %v", name, pf, tf)
			continue
		}
		for _, m := range tf.Metric {
			var labels []string
			for _, lp := range m.Label {
				labels = append(labels, lp.GetName(), lp.GetValue())
			}
			want, _ := value(text, name, labels...)
			got, ok := value(proto, name, labels...)
			if !ok || got != want {
				t.Errorf("%s%v: protobuf %v (found %v), text %v", name, labels, got, ok, want)
			}
		}
	}
}

// TestHTTP checks the answers to requests that are not a scrape.
func TestHTTP(t *testing.T) {
	url, stop, err := New().Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := strings.TrimSuffix(url, "/metrics")
	tests := []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/metrics", http.StatusOK},
		{http.MethodHead, "/metrics", http.StatusOK},
		{http.MethodPost, "/metrics", http.StatusMethodNotAllowed},
		{http.MethodGet, "/", http.StatusNotFound},
		{http.MethodGet, "/metricz", http.StatusNotFound},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, base+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: %s; want %d", tt.method, tt.path, resp.Status, tt.status)
		}
		if tt.status == http.StatusOK && tt.method == http.MethodGet && len(b) != 0 {
			t.Errorf("GET /metrics of an empty exporter: %q; want an empty exposition", b)
		}
	}

	if err := stop(); err != nil {
		t.Errorf("close: %v", err)
	}
	if err := stop(); err != nil {
		t.Errorf("second close: %v", err)
	}
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Errorf("GET after close answered %s; want the port closed", resp.Status)
	}
}

// TestServeErrors checks that a bad address is refused with a message
// that names it and says what to give instead.
func TestServeErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, addr := range []string{"", busy.Addr().String(), "127.0.0.1:notaport", "256.1.1.1:9464"} {
		_, stop, err := New().Serve(addr)
		if err == nil {
			_ = stop()
			t.Errorf("Serve(%q) succeeded; want an error", addr)
			continue
		}
		if !strings.Contains(err.Error(), "host:port") || (addr != "" && !strings.Contains(err.Error(), addr)) {
			t.Errorf("Serve(%q): %v; want the address and what to give instead", addr, err)
		}
	}
}

// TestServeEveryInterface checks that ":0" listens on every interface and
// that the URL it prints can be opened.
func TestServeEveryInterface(t *testing.T) {
	url, stop, err := fixture().Serve(":0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if !strings.HasPrefix(url, "http://localhost:") {
		t.Errorf("url %q; want http://localhost:PORT/metrics", url)
	}
	fams := scrape(t, url)
	checkSeries(t, fams, MetricInFlight, []string{"model", "llama-8b"}, 2)
}

// TestNilExporter checks that a nil exporter (no --metrics-addr) takes
// every update without effect.
func TestNilExporter(t *testing.T) {
	var e *Exporter
	e.Run("n", "id")
	e.MaxRanges(map[string]float64{"a/b": 1})
	e.Readings([]meter.Reading{at(0, "gpu0", meter.GPU, 1, nan)})
	e.Phase("m", "p")
	e.Request("m", "p", backend.Record{})
	e.InFlight("m", 1)
	if f := e.Families(); f != nil {
		t.Errorf("nil exporter families %v; want nil", f)
	}
}
