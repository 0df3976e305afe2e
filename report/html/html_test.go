package html

import (
	"encoding/json"
	stdhtml "html"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
)

// pageCharts is the chart data read back from a page, nulls as NaN.
type pageCharts struct {
	Phases []band `json:"phases"`
	Charts []struct {
		ID     string `json:"id"`
		Series []struct {
			Label  string     `json:"label"`
			Scale  string     `json:"scale"`
			Step   int        `json:"step"`
			T      []*float64 `json:"t"`
			V      []*float64 `json:"v"`
			Points int        `json:"points"`
		} `json:"series"`
	} `json:"charts"`
}

var dataRE = regexp.MustCompile(`(?s)<script type="application/json" id="report-data">(.*?)</script>`)

func render(t *testing.T, s *report.Summary, raw *rundir.Raw) (string, pageCharts) {
	t.Helper()
	b, err := Render(s, raw)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	m := dataRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no chart data in the page")
	}
	var pc pageCharts
	if err := json.Unmarshal([]byte(m[1]), &pc); err != nil {
		t.Fatalf("chart data: %v", err)
	}
	return page, pc
}

func values(p []*float64) []float64 {
	out := make([]float64, len(p))
	for i, v := range p {
		out[i] = math.NaN()
		if v != nil {
			out[i] = *v
		}
	}
	return out
}

func seriesCounts(pc pageCharts) map[string]int {
	out := map[string]int{}
	for _, c := range pc.Charts {
		out[c.ID] = len(c.Series)
	}
	return out
}

// mustContain checks page has every string of want, in HTML or as text;
// no-break spaces match spaces.
func mustContain(t *testing.T, page string, want ...string) {
	t.Helper()
	page = strings.ReplaceAll(page, nbsp, " ")
	for _, w := range want {
		w = strings.ReplaceAll(w, nbsp, " ")
		if !strings.Contains(page, w) && !strings.Contains(stdhtml.UnescapeString(page), w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

// uncertaintyRE matches the uncertainty shown beside a figure: " ± 12
// (0.8 %) !".
var uncertaintyRE = regexp.MustCompile(`[ \x{a0}]±[ \x{a0}][0-9.]+(?:[ \x{a0}]\([0-9.]+[ \x{a0}]%\))?(?:[ \x{a0}]!)?`)

// run-constant: 150 W over a 10 s measured phase, 50 W idle, ten requests
// of ten output tokens, 400 g/kWh, PUE 1.5.
func TestRenderConstantRun(t *testing.T) {
	_, s, raw := fixture(t, "../testdata/run-constant")
	page, pc := render(t, s, raw)
	// The figures, by hand; TestRenderShowsUncertainty checks what is
	// beside them.
	mustContain(t, page, "<td>15.00 ± ", "<td>1500 ± ")
	mustContain(t, uncertaintyRE.ReplaceAllString(page, ""),
		"<td>15.00 / 10.00</td>",   // J/output token: 1500 J / 100, net (150−50) W × 10 s / 100
		"<td>41.67 / 27.78</td>",   // Wh/1000 queries: 1500 J / 3600 / 10 × 1000
		"<td>0.2500 / 0.1667</td>", // gCO2eq: 1500 J / 3.6e6 × 400 × 1.5
		"<td>25.00 / 16.67</td>",   // gCO2eq per 1000 queries
		"<td>1500 / 1000</td>",     // energy J
		"<td>10.00</td>",           // output tokens/s
		"<td>50.00</td>",           // baseline W
		"<td>100.0 / 100.0</td>",   // TTFT p50 / p99
		"<td>1000 / 1000</td>",     // E2E p50 / p99
		"<td>10 ok</td>",
		"400 gCO₂eq/kWh", "PUE 1.5",
		`<td class="l">dcgm/gpu0</td><td class="l">gpu</td><td class="l">counter</td>`,
		"1500 J (net 1000)",
	)
	if got, want := seriesCounts(pc), map[string]int{"power": 2, "ttft": 1, "itl": 1, "e2e": 1, "throughput": 2}; !equalMaps(got, want) {
		t.Errorf("series per chart %v, want %v", got, want)
	}
	power := pc.Charts[0].Series
	if want := []float64{50, 50, 50, 150, 150, 150, 150, 150, 150, 150, 150, 150, 150, 50, 50}; !eq(values(power[0].V), want) {
		t.Errorf("gpu power %v, want %v", values(power[0].V), want)
	}
	// One request at a time from 2 s to 12 s.
	if got := power[1]; got.Label != "requests in flight" || !eq(values(got.T), []float64{0, 2, 12}) || !eq(values(got.V), []float64{0, 1, 0}) {
		t.Errorf("in flight: %s %v %v", got.Label, values(got.T), values(got.V))
	}
	if len(pc.Phases) != 3 || pc.Phases[1] != (band{Model: "m1", Phase: "measured", Start: 2, End: 12}) {
		t.Errorf("phase bands %+v", pc.Phases)
	}
	itl := pc.Charts[2].Series[0]
	if itl.Points != 90 || values(itl.T)[0] < 99.99 || values(itl.T)[0] > 100.01 {
		t.Errorf("ITL: %d gaps from %v ms, want 90 at 100 ms", itl.Points, values(itl.T)[0])
	}
}

// run-rapl-wrap: a counter-only channel that wraps between 5 s and 6 s;
// its drawn power must be the counter's rate, wrap resolved.
func TestRenderCounterOnlyChannel(t *testing.T) {
	_, s, raw := fixture(t, "../testdata/run-rapl-wrap")
	_, pc := render(t, s, raw)
	cpu := pc.Charts[0].Series[0]
	if !strings.Contains(cpu.Label, "cpu/cpu-package-0") || !strings.Contains(cpu.Label, "from energy counter") || cpu.Step != -1 {
		t.Errorf("series %q step %d: want the counter-derived cpu channel, held back to the previous point", cpu.Label, cpu.Step)
	}
	wantT := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}
	wantV := []float64{50, 50, 150, 150, 150, 150, 150, 150, 150, 150, 150, 150, 50, 50}
	gotV := values(cpu.V)
	if !eq(values(cpu.T), wantT) || len(gotV) != len(wantV) {
		t.Fatalf("cpu power at %v: %v", values(cpu.T), gotV)
	}
	for i := range wantV {
		if math.Abs(gotV[i]-wantV[i]) > 1e-3 {
			t.Errorf("cpu power at %v s: %v W, want %v", wantT[i], gotV[i], wantV[i])
		}
	}
}

func TestRenderTwoModels(t *testing.T) {
	_, s, raw := fixture(t, "testdata/run-two-models")
	page, pc := render(t, s, raw)
	if got, want := seriesCounts(pc), map[string]int{"power": 4, "ttft": 2, "itl": 2, "e2e": 2, "throughput": 2}; !equalMaps(got, want) {
		t.Errorf("series per chart %v, want %v", got, want)
	}
	// The fixture's truth: GPU 200 W × 10 s and 300 W × 16 s, CPU (a
	// wrapping RAPL counter) 45 W × 10 s and 55 W × 16 s.
	mustContain(t, page, "2000 J (net", "4800 J (net", "450.0 J (net", "880.0 J (net",
		"<td>22 ok</td>", "<td>17 ok, 1 failed</td>", "<td>39 ok, 1 failed</td>",
		"nvml/gpu0 + rapl/cpu-package-0", "figure built on a gap", "request timeout")
	for _, m := range s.Models {
		h := headline(m)
		mustContain(t, page, "<td>"+h.JPerToken+"</td>", "<td>"+h.WhPer1000+"</td>", "<td>"+h.GCO2+"</td>")
	}
	var wall []float64
	for _, sr := range pc.Charts[0].Series {
		if strings.HasPrefix(sr.Label, "pdu/outlet1") {
			wall = values(sr.V)
		}
	}
	gaps := 0
	for _, v := range wall {
		if math.IsNaN(v) {
			gaps++
		}
	}
	if gaps != 1 {
		t.Errorf("wall line has %d breaks, want 1 (no samples from 25 s to 28 s)", gaps)
	}
	inflight := pc.Charts[0].Series[3]
	peak := 0.0
	for _, v := range values(inflight.V) {
		peak = math.Max(peak, v)
	}
	if peak != 2 {
		t.Errorf("peak requests in flight %v, want 2 (two workers)", peak)
	}
}

// A model name is user input: it must not be able to end the data's
// script element or add markup.
func TestRenderEscapesNames(t *testing.T) {
	_, s, raw := fixture(t, "../testdata/run-constant")
	const evil = `</script><script>window.pwned=1</script><b>m</b>`
	s.Models[0].Model = evil
	reqs := collect(t, raw)
	for i := range reqs {
		reqs[i].Model = evil
	}
	for i := range raw.Phases {
		raw.Phases[i].Model = evil
	}
	page, pc := render(t, s, raw)
	if strings.Contains(page, evil) || strings.Contains(page, "<b>m</b>") {
		t.Error("the model name reached the page unescaped")
	}
	if pc.Charts[1].Series[0].Label != evil || pc.Phases[0].Model != evil {
		t.Error("the model name did not survive the round trip through the chart data")
	}
}

// The page must not fetch anything: no external scripts, styles, images
// or fonts.
func TestRenderIsSelfContained(t *testing.T) {
	_, s, raw := fixture(t, "testdata/run-two-models")
	page, _ := render(t, s, raw)
	for _, bad := range []string{"<script src", "<link", "<img", "<iframe", "@import", "url(", "fetch(", "XMLHttpRequest"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	mustContain(t, page, "Permission is hereby granted", "uPlot v"+UPlotVersion)
}

func TestWriteFile(t *testing.T) {
	dir, s, _ := fixture(t, "../testdata/run-constant")
	if err := WriteFile(dir, s, nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, File))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(uncertaintyRE.ReplaceAllString(string(b), ""), "<td>15.00 / 10.00</td>") {
		t.Error("report.html lacks the headline figure")
	}
	if err := WriteFile(t.TempDir(), s, nil); err == nil || !strings.Contains(err.Error(), "run.json") {
		t.Errorf("writing for a directory that is no run: %v, want an error naming run.json", err)
	}
	if _, err := Render(nil, nil); err == nil {
		t.Error("Render without a summary: no error")
	}
}

func equalMaps(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A run under `aienergy measure` has no requests: only power is drawn,
// and the other charts are left empty, never given made-up zeros.
func TestRenderWithoutRequests(t *testing.T) {
	_, s, raw := fixture(t, "../testdata/run-constant")
	raw.Requests = nil
	_, pc := render(t, s, raw)
	if got, want := seriesCounts(pc), map[string]int{"power": 1, "ttft": 0, "itl": 0, "e2e": 0, "throughput": 0}; !equalMaps(got, want) {
		t.Errorf("series per chart %v, want %v", got, want)
	}
}

// Every energy shows its uncertainty, per-work figures their energy's
// relative one, and a figure past 2 % is marked; here with uncertainties
// set by hand on run-constant (1500 J gross, 1000 J net).
func TestRenderShowsUncertainty(t *testing.T) {
	_, s, raw := fixture(t, "../testdata/run-constant")
	u := func(v float64) *float64 { return &v }
	m := &s.Models[0]
	m.EnergyUncertaintyJ, m.NetEnergyUncertaintyJ = u(12), u(40) // 0.8 %, 4 %
	s.Totals.EnergyUncertaintyJ, s.Totals.NetEnergyUncertaintyJ = u(12), u(40)
	c := &m.Channels[0]
	c.UncertaintyJ, c.NetUncertaintyJ = u(12), u(40)
	c.MethodReason = "the counter's 1 J step is finer than integrated power over 10 s"
	c.Alternative = &analysis.MethodAlternative{Method: "integration", EnergyJ: 1495, UncertaintyJ: 29, DifferencePct: u(-1.0 / 3)}
	c.Rejected = map[string]int{"negative power": 3, "counter backwards": 1}
	gpu := m.Components["gpu"]
	gpu.UncertaintyJ, gpu.NetUncertaintyJ = u(12), u(40)
	m.Components["gpu"] = gpu
	s.Channels[0].CounterResolutionJ, s.Channels[0].PowerResolutionW = u(0.001), u(1)
	s.Channels[0].Rejected = c.Rejected

	page, _ := render(t, s, raw)
	mustContain(t, page,
		// J/output token 15 ± 15 × 0.8 %, net 10 ± 10 × 4 %
		"<td>15.00 ± 0.12 / 10.00 ± 0.40 !</td>",
		// Wh/1000 queries 41.67 ± 0.8 %, 27.78 ± 4 %
		"<td>41.67 ± 0.33 / 27.78 ± 1.11 !</td>",
		"<td>1500 ± 12 (0.8 %) / 1000 ± 40 (4.0 %) !</td>",
		// the channel, the component and the method paragraph
		"<td>1500 ± 12 (0.8 %)</td><td>1000 ± 40 (4.0 %) !</td>",
		"<td>1500 ± 12 (0.8 %) / 1000 ± 40 (4.0 %) !</td><td>50.00</td><td>15.00 ± 0.12 / 10.00 ± 0.40 !</td>",
		"energy J (gross / net): 1500 ± 12 (0.8 %) / 1000 ± 40 (4.0 %) !.",
		"<br><span class=\"note\">the counter's 1 J step is finer than integrated power over 10 s</span>",
		"integration: 1495 ± 29, -0.33 % vs counter",
		"1 counter backwards, 3 negative power",
		"<td>0.001000 J</td><td>1.000 W</td>",
		"above 2 % of the figure",
		"sqrt(Σ(|ΔP<sub>i</sub>|·Δt<sub>i</sub>)² / 3)",
	)
	if n := strings.Count(strings.ReplaceAll(page, nbsp, " "), "<td>1500 ± 12 (0.8 %) / 1000 ± 40 (4.0 %) !</td>"); n != 3 {
		t.Errorf("energy with uncertainty in %d cells, want 3 (model, totals, component)", n)
	}

	// Unknown uncertainties show no ± at all, rather than one of 0.
	m.EnergyUncertaintyJ, m.NetEnergyUncertaintyJ, c.UncertaintyJ, c.NetUncertaintyJ = nil, nil, nil, nil
	page, _ = render(t, s, raw)
	mustContain(t, page, "<td>15.00 / 10.00</td>", "<td>1500 / 1000</td>", "<td>1500</td><td>1000</td>")
}
