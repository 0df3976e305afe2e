package html

import (
	"encoding/xml"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
)

var sweepSVGRE = regexp.MustCompile(`(?s)<svg class="sweep".*?</svg>`)

// run-sweep-slo: the simulator with 4 sequences at a time, swept over
// concurrency 1, 4 and 16 with prefill-only runs and an E2E SLO of
// 250 ms. At 16 requests queue: c=16 costs what c=4 does per token but
// takes far longer, so it is off the Pareto front and misses the SLO, and
// c=4 is the best point.
func TestRenderSweep(t *testing.T) {
	_, s, raw := fixture(t, "testdata/run-sweep-slo")
	page, _ := render(t, s, raw)
	mustContain(t, page,
		`<span id="load">load concurrency sweep 1, 4, 16, 16 requests per run, with prefill-only runs</span>`,
		`<h2 id="sweep">`, "SLOs: E2E ≤ 250 ms; a point meets them when at least 90 % of its measured requests",
		"<b>Best point</b> — sim-model [c=4]: the lowest J per good token among the points meeting the SLOs.",
		`<tr class="best"><td class="l">sim-model [c=4] (best)</td>`,
		`<h2 id="prefill-decode">`, `<tr class="total"><td class="l">all runs</td><td>96 ok</td><td>465</td><td>—</td><td>—</td>`,
	)
	if strings.Contains(page, "concurrency 4,") {
		t.Error("the header names the configured concurrency 4, which no point ran at")
	}
	// One table row per point, with the summary's figures.
	for _, p := range s.Sweep.Points {
		front, meets := "no", "no"
		if p.ParetoFront {
			front = "yes"
		}
		if *p.MeetsSLO {
			meets = "yes"
		}
		row := regexp.MustCompile(`<td class="l">` + regexp.QuoteMeta(p.Label) + `(?: \(best\))?</td><td>1</td><td>` +
			regexp.QuoteMeta(pair(p.JoulesPerOutputToken, p.NetJoulesPerOutputToken)) + `</td>.*?<td>` + front +
			`</td><td>` + regexp.QuoteMeta(percentShort(*p.SLOAttainment)) + `</td><td class="` + meets + `">` + meets + `</td>`)
		if !row.MatchString(page) {
			t.Errorf("no table row for %s (front %s, meets %s)", p.Label, front, meets)
		}
	}
	if n := strings.Count(regexp.MustCompile(`(?s)<table id="prefill-decode-table">.*?</table>`).FindString(page), "<tr>"); n != 4 {
		t.Errorf("prefill/decode table has %d rows, want a heading and 3 points", n)
	}

	svg := sweepSVGRE.FindString(page)
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
		t.Fatalf("sweep chart is not well-formed: %v\n%s", err, svg)
	}
	for _, c := range []struct {
		what string
		n    int
	}{
		{`<circle class="point front"`, 2}, {`<circle class="point"`, 1}, {`<circle class="best"`, 1},
		{`<polyline class="front"`, 1}, {`<polyline class="curve"`, 1}, {`<line class="slo"`, 1},
	} {
		if got := strings.Count(svg, c.what); got != c.n {
			t.Errorf("%d × %s in the sweep chart, want %d", got, c.what, c.n)
		}
	}
	for _, label := range []string{">c=1<", ">c=4 (best)<", ">c=16<", ">E2E SLO 250 ms <"} {
		if !strings.Contains(svg, label) {
			t.Errorf("sweep chart lacks the label %s", label)
		}
	}
}

// A rate sweep without SLOs: its points by rate, the best on the front,
// no SLO line or columns; and how the open-loop schedules were kept.
func TestRenderRateSweep(t *testing.T) {
	_, s, raw := fixture(t, "testdata/run-rate-sweep")
	page, _ := render(t, s, raw)
	mustContain(t, page, `<span id="load">load rate sweep 5, 20 req/s, 16 requests per run</span>`,
		"the lowest J per output token on the Pareto front", `<h2 id="rate">Open-loop load</h2>`)
	svg := sweepSVGRE.FindString(page)
	if strings.Contains(svg, `class="slo"`) || strings.Contains(page, "goodput tokens/s") {
		t.Error("SLO line or columns without SLOs")
	}
	if n := strings.Count(svg, `<circle class="point`); n != 2 {
		t.Errorf("%d points, want 2", n)
	}
	rates := regexp.MustCompile(`(?s)<table id="rate-table">.*?</table>`).FindString(page)
	for _, st := range s.RateStats {
		want := `<td class="l">` + st.Model + `</td><td>` + sig(st.RequestedRPS) + `</td><td>` + opt(st.ScheduledRPS) +
			`</td><td>` + opt(st.AchievedRPS) + `</td><td>16</td><td>0</td><td>` + sig(st.LagMs.P50) + " / " + sig(st.LagMs.P99) + " / " + sig(st.LagMs.Max)
		if !strings.Contains(rates, want) {
			t.Errorf("rate table lacks %q:\n%s", want, rates)
		}
	}
}

// Axis ticks never read alike, however narrow the range: each has as
// many decimals as the step needs.
func TestLinearAxisTicks(t *testing.T) {
	for _, tc := range []struct {
		top       float64
		wantStep  float64
		wantFirst string
		wantLast  string
	}{
		{1.2515, 0.5, "0.0", "1.5"},
		{352, 100, "0", "400"},
		{0.00042, 0.0001, "0.0000", "0.0005"},
		{0, 0.2, "0.0", "1.2"}, // no data: a unit axis
	} {
		a := newLinearAxis(tc.top, 0, 100)
		values, labels := a.ticks()
		if a.step != tc.wantStep || labels[0] != tc.wantFirst || labels[len(labels)-1] != tc.wantLast {
			t.Errorf("top %v: step %v, ticks %v, want step %v from %s to %s", tc.top, a.step, labels, tc.wantStep, tc.wantFirst, tc.wantLast)
		}
		seen := map[string]bool{}
		for i, l := range labels {
			if seen[l] {
				t.Errorf("top %v: tick %q twice in %v", tc.top, l, labels)
			}
			seen[l] = true
			if values[i] < 0 || values[i] > a.max*(1+1e-9) {
				t.Errorf("top %v: tick %v outside [0, %v]", tc.top, values[i], a.max)
			}
		}
		if a.max < tc.top {
			t.Errorf("top %v: axis ends at %v, below the data", tc.top, a.max)
		}
	}
}

// Points close together get labels that do not overlap one another.
func TestSweepChartLabelsApart(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	res := &report.SweepResult{Best: map[string]string{"m": "m [c=2]"}, SLO: &rundir.SLO{E2EMs: 1e6}}
	for i, c := range []int{1, 2, 4, 8} {
		// Four points within a few pixels of one another.
		res.Points = append(res.Points, report.SweepPoint{
			Point:                report.ParseLabel(fmt.Sprintf("m [c=%d]", c)),
			JoulesPerOutputToken: f(1 + 0.001*float64(i)), E2EMsP50: 100 + float64(i), ParetoFront: i < 2,
		})
	}
	svg, err := sweepChart(res)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(svg), `class="slo"`) {
		t.Error("an SLO far beyond the points is drawn, squeezing them into a corner")
	}
	type box struct{ x0, y0, x1, y1 float64 }
	var boxes []box
	for _, m := range regexp.MustCompile(`<text class="point-label" x="([0-9.]+)" y="([0-9.]+)" text-anchor="(start|end)"[^>]*>([^<]*)</text>`).FindAllStringSubmatch(string(svg), -1) {
		x, y := atof(t, m[1]), atof(t, m[2])
		w := labelCharW * float64(len([]rune(m[4])))
		if m[3] == "end" {
			x -= w
		}
		boxes = append(boxes, box{x, y - 12, x + w, y + 2})
	}
	if len(boxes) != 4 {
		t.Fatalf("%d labels, want 4:\n%s", len(boxes), svg)
	}
	for i := range boxes {
		for j := range i {
			a, b := boxes[i], boxes[j]
			if a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1 {
				t.Errorf("labels %d and %d overlap: %v %v", i, j, a, b)
			}
		}
	}
}

func atof(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
