package html

import (
	"regexp"
	"strings"
	"testing"
)

// run-repetitions: one model run twice. The spread of each headline
// figure is shown as the summary computed it, and the header says two
// repetitions.
func TestRenderRepetitions(t *testing.T) {
	_, s, raw := fixture(t, "testdata/run-repetitions")
	page, _ := render(t, s, raw)
	mustContain(t, page, `<span id="load">load concurrency 4, 8 requests per run, 2 repetitions</span>`, `<h2 id="repetitions">`)
	table := regexp.MustCompile(`(?s)<table id="repetitions-table">.*?</table>`).FindString(page)
	if len(s.Repetitions) != 1 {
		t.Fatalf("%d repeated points, want 1", len(s.Repetitions))
	}
	r := s.Repetitions[0]
	rows := r.Rows()
	if len(rows) != 7 {
		t.Fatalf("%d figures, want 7 (J/token gross and net, Wh/1000 queries, energy, tokens/s, TTFT, E2E)", len(rows))
	}
	if !strings.Contains(table, `<td class="l" rowspan="7">sim-model</td>`) {
		t.Errorf("the point's cell does not span its 7 figures:\n%s", table)
	}
	for _, f := range rows {
		want := `<td class="l">` + f.Title + `</td><td>2</td><td>` + sig(f.Mean) + `</td><td>` + opt(f.Std) + `</td><td>` +
			sig(*f.CI95Low) + " – " + sig(*f.CI95High) + `</td><td>` + sig(*f.CVPercent) + " %</td>"
		if !strings.Contains(table, want) {
			t.Errorf("repetitions table lacks %q", want)
		}
	}
	// The CI holds the mean, as a CI of the mean must.
	for _, f := range rows {
		if !(*f.CI95Low <= f.Mean && f.Mean <= *f.CI95High) {
			t.Errorf("%s: mean %v outside its CI [%v, %v]", f.Title, f.Mean, *f.CI95Low, *f.CI95High)
		}
	}
}

// run-measure: a command under aienergy measure with two phases that
// reported 100 and 40 items, and no request. The headline is J per item,
// items, power and duration; nothing about tokens or requests is shown,
// not even to say there is no data.
func TestRenderMeasure(t *testing.T) {
	_, s, raw := fixture(t, "testdata/run-measure")
	page, pc := render(t, s, raw)
	work := regexp.MustCompile(`(?s)<table id="work-table">.*?</table>`).FindString(page)
	if work == "" {
		t.Fatal("no work table")
	}
	for _, m := range s.Models {
		e := energies{m.EnergyJ, m.EnergyUncertaintyJ, m.NetEnergyJ, m.NetEnergyUncertaintyJ}
		want := `<td class="l">` + m.Model + `</td><td>` + sig(m.DurationS) + `</td><td>` + map[string]string{"resnet50": "100", "vgg16": "40"}[m.Model] +
			`</td><td>` + e.pair(m.JoulesPerItem, m.NetJoulesPerItem) + `</td><td>` + e.energy() + `</td><td>` + opt(m.AvgWatts) + `</td>`
		mustContain(t, work, want)
	}
	mustContain(t, page, "command <code>sh -c", "J / item (gross / net)", "Energy per item, per phase")
	// What a reader sees: the page less its scripts (the chart data keeps
	// the empty charts' titles).
	shown := regexp.MustCompile(`(?s)<script.*?</script>`).ReplaceAllString(page, "")
	for _, absent := range []string{`id="headline-table"`, "output token", `id="latency"`, `id="throughput"`, "no data", "requests/s", "-0.0", `id="load"`} {
		if strings.Contains(shown, absent) {
			t.Errorf("a measured command's page shows %q", absent)
		}
	}
	if got, want := seriesCounts(pc), map[string]int{"power": 1, "ttft": 0, "itl": 0, "e2e": 0, "throughput": 0}; !equalMaps(got, want) {
		t.Errorf("series per chart %v, want %v", got, want)
	}
}
