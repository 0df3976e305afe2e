package html

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
)

// The scatters of five requests, by hand. The fitted ones (succeeded,
// wholly inside the window) are A, B, C: prompt 10, 30, 20 (mean 20),
// output 4, 8, 12 (mean 8, range 4–12); D failed, E was cut by the
// window's edge: both drawn, neither in the means or ranges.
func TestRequestScatters(t *testing.T) {
	rows := []analysis.RequestEnergy{
		{ID: 0, InputTokens: 10, OutputTokens: 4, OK: true, Joules: 9, NetJoules: 5},                  // A
		{ID: 1, InputTokens: 30, OutputTokens: 8, OK: true, Joules: 15, NetJoules: 9},                 // B
		{ID: 2, InputTokens: 20, OutputTokens: 12, OK: true, Joules: 20, NetJoules: 13},               // C
		{ID: 3, InputTokens: 100, OutputTokens: 0, Joules: 4, NetJoules: 2},                           // D, failed
		{ID: 4, InputTokens: 50, OutputTokens: 20, OK: true, Partial: true, Joules: 11, NetJoules: 7}, // E
	}
	f := func(v float64) *float64 { return &v }
	line := func(x0, y0, x1, y1 float64) *[4]float64 { return &[4]float64{x0, y0, x1, y1} }
	for _, tc := range []struct {
		name          string
		rows          []analysis.RequestEnergy
		hasNet        bool
		fit           analysis.EnergyFit
		wantOut       []scatterPoint
		wantPromptX   []float64
		outLine       *[4]float64
		promptLine    *[4]float64
		wantDrawnRows int
	}{
		{
			// J ≈ 0.1·prompt + 0.5·output + 1. Along output, prompt at its
			// mean 20: 1 + 2 + 0.5·x, so 5 at 4 and 9 at 12. Along prompt,
			// output at its mean 8: 1 + 4 + 0.1·x, so 6 at 10 and 8 at 30.
			name: "net, both slopes", rows: rows, hasNet: true,
			fit:     analysis.EnergyFit{Requests: 3, JoulesPerPromptToken: f(0.1), JoulesPerOutputToken: f(0.5), InterceptJ: f(1)},
			wantOut: []scatterPoint{{4, 5, pointFitted}, {8, 9, pointFitted}, {12, 13, pointFitted}, {0, 2, pointFailed}, {20, 7, pointPartial}},
			outLine: line(4, 5, 12, 9), promptLine: line(10, 6, 30, 8),
		},
		{
			// Gross, prompt dropped by the fit (its energy is in the
			// rest): J ≈ 1.25·output + 4, so 9 at 4 and 19 at 12; no slope
			// along prompt, so no line there.
			name: "gross, prompt not separable", rows: rows,
			fit:     analysis.EnergyFit{Requests: 3, JoulesPerOutputToken: f(1.25), InterceptJ: f(4)},
			wantOut: []scatterPoint{{4, 9, pointFitted}, {8, 15, pointFitted}, {12, 20, pointFitted}, {0, 4, pointFailed}, {20, 11, pointPartial}},
			outLine: line(4, 9, 12, 19),
		},
		{
			// Output dropped: along prompt, J ≈ 0.2·prompt + 3 with
			// nothing added for output: 5 at 10, 9 at 30.
			name: "net, output not separable", rows: rows, hasNet: true,
			fit:        analysis.EnergyFit{Requests: 3, JoulesPerPromptToken: f(0.2), InterceptJ: f(3)},
			wantOut:    []scatterPoint{{4, 5, pointFitted}, {8, 9, pointFitted}, {12, 13, pointFitted}, {0, 2, pointFailed}, {20, 7, pointPartial}},
			promptLine: line(10, 5, 30, 9),
		},
		{
			name: "no fit", rows: rows, hasNet: true,
			fit:     analysis.EnergyFit{Requests: 3},
			wantOut: []scatterPoint{{4, 5, pointFitted}, {8, 9, pointFitted}, {12, 13, pointFitted}, {0, 2, pointFailed}, {20, 7, pointPartial}},
		},
		{
			// Only the failed and the partial request: nothing was fitted,
			// so no line whatever the fit says.
			name: "nothing fitted", rows: rows[3:], hasNet: true,
			fit:     analysis.EnergyFit{JoulesPerPromptToken: f(0.1), JoulesPerOutputToken: f(0.5), InterceptJ: f(1)},
			wantOut: []scatterPoint{{0, 2, pointFailed}, {20, 7, pointPartial}},
		},
		{
			// One output length among the fitted requests: no range to
			// draw a line over.
			name: "one output length", rows: rows[:1], hasNet: true,
			fit:     analysis.EnergyFit{JoulesPerPromptToken: f(0.1), JoulesPerOutputToken: f(0.5), InterceptJ: f(1)},
			wantOut: []scatterPoint{{4, 5, pointFitted}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			byOut, byPrompt, drawn := requestScatters(report.SampleRequests(tc.rows, requestPointsMax), tc.hasNet, tc.fit, requestPointsMax)
			if drawn != len(tc.rows) {
				t.Errorf("drew %d requests, want all %d", drawn, len(tc.rows))
			}
			if !reflect.DeepEqual(byOut.Points, tc.wantOut) {
				t.Errorf("by output: %v, want %v", byOut.Points, tc.wantOut)
			}
			for i, p := range byPrompt.Points {
				if p.X != float64(tc.rows[i].InputTokens) || p.Y != tc.wantOut[i].Y || p.Kind != tc.wantOut[i].Kind {
					t.Errorf("by prompt, point %d: %v, want x %d and the same J and kind as %v", i, p, tc.rows[i].InputTokens, tc.wantOut[i])
				}
			}
			for _, l := range []struct {
				name      string
				got, want *[4]float64
			}{{"output", byOut.Line, tc.outLine}, {"prompt", byPrompt.Line, tc.promptLine}} {
				if !sameLine(l.got, l.want) {
					t.Errorf("line along %s: %v, want %v", l.name, fmtLine(l.got), fmtLine(l.want))
				}
			}
		})
	}
}

func sameLine(a, b *[4]float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	for i := range a {
		if d := a[i] - b[i]; d > 1e-12 || d < -1e-12 {
			return false
		}
	}
	return true
}

func fmtLine(l *[4]float64) string {
	if l == nil {
		return "none"
	}
	return fmt.Sprintf("(%g, %g)–(%g, %g)", l[0], l[1], l[2], l[3])
}

func TestPickEvenly(t *testing.T) {
	for _, tc := range []struct {
		n, limit int
		want     []int
	}{
		{0, 5, []int{}},
		{3, 5, []int{0, 1, 2}},
		{5, 5, []int{0, 1, 2, 3, 4}},
		{10, 4, []int{0, 2, 5, 7}}, // ⌊j·10/4⌋
		{7, 3, []int{0, 2, 4}},     // ⌊j·7/3⌋
	} {
		if got := pickEvenly(tc.n, tc.limit); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("pickEvenly(%d, %d) = %v, want %v", tc.n, tc.limit, got, tc.want)
		}
	}
}

// Above the limit, the scatters draw an even pick of the requests, the
// same at every rendering; the line still comes from all of them.
func TestRequestScattersDownsample(t *testing.T) {
	const n = 12001
	rows := make([]analysis.RequestEnergy, n)
	for i := range rows {
		// Output 0–99, prompt 5 × that plus 1 when i is odd (so the two
		// are not in step); every 100th request failed.
		o := i % 100
		rows[i] = analysis.RequestEnergy{ID: i, InputTokens: 5*o + i%2, OutputTokens: o, OK: i%100 != 50, Joules: float64(o) + 1}
	}
	slope, icpt := 1.0, 1.0
	fit := analysis.EnergyFit{JoulesPerOutputToken: &slope, InterceptJ: &icpt}
	// Picked as the rows stream by, from the count a first pass gave.
	sample := report.SampleRequests(rows, requestPointsMax)
	if len(sample.Rows) != requestPointsMax || sample.Total != n || sample.Failed != n/100 {
		t.Fatalf("sample of %d rows, %d in all, %d failed; want %d of %d, %d failed", len(sample.Rows), sample.Total, sample.Failed, requestPointsMax, n, n/100)
	}
	byOut, _, drawn := requestScatters(sample, false, fit, requestPointsMax)
	if drawn != requestPointsMax || len(byOut.Points) != requestPointsMax {
		t.Fatalf("drew %d (%d points), want %d", drawn, len(byOut.Points), requestPointsMax)
	}
	// Point j is request ⌊j·12001/5000⌋: 0, 2, 4, 7, …
	for j, want := range []int{0, 2, 4, 7} {
		if got := byOut.Points[j].X; got != float64(want%100) {
			t.Errorf("point %d at output %g, want request %d's %d", j, got, want, want%100)
		}
	}
	// The failed request 50 is not among the fitted ones: the range is
	// still 0–99, from all the requests.
	if !sameLine(byOut.Line, &[4]float64{0, 1, 99, 100}) {
		t.Errorf("line %s, want (0, 1)–(99, 100)", fmtLine(byOut.Line))
	}
	again, _, _ := requestScatters(report.SampleRequests(rows, requestPointsMax), false, fit, requestPointsMax)
	if !reflect.DeepEqual(again, byOut) {
		t.Error("a second rendering drew other points")
	}
	sc, err := byOut.svg("J per request (gross)")
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal([]byte(sc), new(struct{})); err != nil {
		t.Fatalf("scatter is not well-formed: %v", err)
	}
	if !strings.Contains(string(sc), `data-points="5000"`) || strings.Count(string(sc), "h0") != 5000-countFailed(byOut) {
		t.Errorf("scatter does not draw its 5000 points as dots and ×")
	}
	if len(sc) > 200<<10 {
		t.Errorf("scatter of 5000 points is %d KiB, want under 200", len(sc)>>10)
	}
}

func countFailed(sc scatter) int {
	n := 0
	for _, p := range sc.Points {
		if p.Kind == pointFailed {
			n++
		}
	}
	return n
}

var reqSectionRE = regexp.MustCompile(`(?s)<section class="request-energy">.*?</section>`)
var reqScatterRE = regexp.MustCompile(`(?s)<svg class="req-scatter".*?</svg>`)

// run-two-models: each model's energy per request, with the summary's
// figures; large-8b's failed request drawn apart as ×.
func TestRenderRequestEnergy(t *testing.T) {
	_, s, raw := fixture(t, "testdata/run-two-models")
	page, _ := render(t, s, raw)
	mustContain(t, page, `<h2 id="request-energy">Energy per request</h2>`,
		"What this cannot see: a request waiting in the server's queue looks like one in prefill")
	sections := reqSectionRE.FindAllString(page, -1)
	if len(sections) != 2 || len(s.RequestEnergy) != 2 {
		t.Fatalf("%d sections for %d models, want 2", len(sections), len(s.RequestEnergy))
	}
	for i, m := range s.RequestEnergy {
		sec := sections[i]
		mustContain(t, sec, "<h3>"+m.Model+"</h3>",
			// The distribution as the summary has it, gross and net.
			fmt.Sprintf("<td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>", m.JoulesPerRequest.Count,
				sig(m.JoulesPerRequest.Mean), sig(m.JoulesPerRequest.P50), sig(m.JoulesPerRequest.P90), sig(m.JoulesPerRequest.P99)),
			fmt.Sprintf("<td>%d</td><td>%s</td><td>%s</td>", m.NetJoulesPerRequest.Count,
				sig(m.NetJoulesPerRequest.Mean), sig(m.NetJoulesPerRequest.P50)),
			"Of the requests' net energy, "+percentShort(*m.PrefillShare)+" went to prefill and "+percentShort(*m.DecodeShare)+" to decode.",
			"idle baseline while requests ran "+sig(*m.IdleJ)+" J",
		)
		charts := reqScatterRE.FindAllString(sec, -1)
		if len(charts) != 2 {
			t.Fatalf("%s: %d scatters, want 2", m.Model, len(charts))
		}
		failed := 0
		for _, r := range m.Rows() {
			if !r.OK {
				failed++
			}
		}
		for _, c := range charts {
			if err := xml.Unmarshal([]byte(c), new(struct{})); err != nil {
				t.Fatalf("%s: scatter not well-formed: %v", m.Model, err)
			}
			// Every prompt is 30 tokens and every output 16 or 24: the
			// fit keeps the intercept alone, so there is no line.
			for _, want := range []string{
				fmt.Sprintf(`data-points="%d"`, len(m.Rows())), fmt.Sprintf(`data-failed="%d"`, failed), `data-line="0"`,
			} {
				if !strings.Contains(c, want) {
					t.Errorf("%s: scatter lacks %s", m.Model, want)
				}
			}
		}
		if m.Model == "large-8b" && (failed != 1 || !strings.Contains(sec, "1 failed as ×, left out of the percentiles and the fit")) {
			t.Errorf("large-8b: %d failed, want its one failed request drawn apart and said so", failed)
		}
	}
}

// A run that sent no requests has no section.
func TestRenderRequestEnergyMeasure(t *testing.T) {
	_, s, raw := fixture(t, "testdata/run-measure")
	page, _ := render(t, s, raw)
	if strings.Contains(page, `id="request-energy"`) {
		t.Error("a measured command's page has an energy-per-request section")
	}
}

// A summary read back from summary.json has the figures but not the
// rows: the section says so and draws no chart.
func TestRenderRequestEnergyWithoutRows(t *testing.T) {
	_, s, raw := fixture(t, "../testdata/run-constant")
	var back report.Summary
	dir := t.TempDir()
	if err := rundir.WriteJSON(dir, "s.json", s); err != nil {
		t.Fatal(err)
	}
	if err := rundir.ReadJSON(dir, "s.json", &back); err != nil {
		t.Fatal(err)
	}
	if len(back.RequestEnergy) != 1 {
		t.Fatalf("%d models with request energy after a round trip, want 1", len(back.RequestEnergy))
	}
	page, _ := render(t, &back, raw)
	mustContain(t, page, "The per-request figures are not in this summary", "<td>10</td><td>150.0</td>")
	if strings.Contains(page, `class="req-scatter"`) {
		t.Error("scatters drawn without rows")
	}
}

// A run of many requests, drawn evenly picked.
func TestRenderRequestEnergyMany(t *testing.T) {
	if testing.Short() {
		t.Skip("attributes 6000 requests")
	}
	page := string(manyRequestsPage(t))
	mustContain(t, page, "5000 of the 6000 requests that worked in the window are drawn (picked evenly in request order; every figure and the fit use them all)")
	sec := reqSectionRE.FindString(page)
	for _, c := range reqScatterRE.FindAllString(sec, -1) {
		if !strings.Contains(c, `data-points="5000"`) || !strings.Contains(c, `data-line="1"`) {
			t.Errorf("scatter of the many-request model does not draw 5000 points and a line: %.300s", c)
		}
	}
}

// manyRequestsPage renders run-two-models with small-1b's requests
// replaced by 6000 of them, 0.4 s each, prompts of 10–400 tokens and
// answers of 2–65, every 97th failed.
func manyRequestsPage(t *testing.T) []byte {
	t.Helper()
	src := "testdata/run-two-models"
	dir := t.TempDir()
	for _, name := range []string{rundir.MetaFile, rundir.PowerFile, rundir.PhasesFile} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old, err := os.ReadFile(filepath.Join(src, rundir.RequestsFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(old)), "\n")
	var b strings.Builder
	b.WriteString(lines[0] + "\n")
	for _, l := range lines[1:] {
		if !strings.Contains(l, ",small-1b,") {
			b.WriteString(l + "\n")
		}
	}
	const n = 6000
	for i := range n {
		start := 4.0 + 9.5*float64(i)/n
		prompt, output := 10+(i*37)%391, 2+(i*11)%64
		ttft := 20 + 0.2*float64(prompt)
		if i%97 == 0 {
			fmt.Fprintf(&b, "%d,small-1b,measured,%.6f,,%.6f,,400.000,%d,0,false,,timeout,deadline exceeded,\n", 1000+i, start, start+0.4, prompt)
			continue
		}
		var chunks []string
		for k := range output {
			chunks = append(chunks, fmt.Sprintf("%.3f", ttft+(400-ttft)*float64(k)/float64(output-1)))
		}
		fmt.Fprintf(&b, "%d,small-1b,measured,%.6f,%.6f,%.6f,%.3f,400.000,%d,%d,false,length,,,%s\n",
			1000+i, start, start+ttft/1000, start+0.4, ttft, prompt, output, strings.Join(chunks, " "))
	}
	if err := os.WriteFile(filepath.Join(dir, rundir.RequestsFile), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	s, raw, err := report.GenerateRaw(dir)
	if err != nil {
		t.Fatal(err)
	}
	page, err := Render(s, raw)
	if err != nil {
		t.Fatal(err)
	}
	return page
}

// Axes take in zero, end on whole steps, and count tokens in whole ones.
func TestValueAxis(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		counts bool
		want   string
	}{
		{0, 1, true, "0 1 2"},                  // 1.03 up to whole steps
		{0, 16, true, "0 5 10 15 20"},          // 16.48, step 5
		{0.9, 1.6, false, "0 0.5 1.0 1.5 2.0"}, // from 0
		{-0.6, 4.8, false, "-2 0 2 4 6"},       // up to 4.962; a fifth of the span is 1.11: step 2
		{0, 0, false, "0 0.5 1.0 1.5"},         // nothing to span: [0, 1], up to 1.03
	} {
		var got []string
		for _, tk := range newValueAxis(tc.lo, tc.hi, 0, 100, tc.counts).ticks() {
			got = append(got, tk.Label)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("axis over [%g, %g] (counts %v): ticks %q, want %q", tc.lo, tc.hi, tc.counts, strings.Join(got, " "), tc.want)
		}
	}
}
