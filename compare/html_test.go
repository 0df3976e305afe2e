package compare

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

var tickRE = regexp.MustCompile(`text-anchor="(middle|end)" class="tick">([^<]*)</text>`)

// No two ticks of an axis read alike, however close the values: a
// power-vs-size chart of models drawing 200.1 to 200.3 W once labelled
// its ticks "200", "200", "200".
func TestScatterTicksDistinct(t *testing.T) {
	for _, tc := range []struct {
		name   string
		xs, ys []float64
		logX   bool
	}{
		{"power within 0.2 W", []float64{5e8, 8e9, 7e10}, []float64{200.1, 200.2, 200.3}, true},
		{"tiny J/token", []float64{100, 120, 140}, []float64{0.00011, 0.00012, 0.000125}, false},
		{"large latency", []float64{10000, 10001, 10002}, []float64{1, 2, 3}, false},
		{"one point", []float64{8e9}, []float64{300}, true},
	} {
		var pts []point
		for i := range tc.xs {
			pts = append(pts, point{x: tc.xs[i], y: tc.ys[i], group: 1, label: "p"})
		}
		svg := scatter("c", "pt", "x", "y", pts, tc.logX, nil)
		ticks := map[string][]string{}
		for _, m := range tickRE.FindAllStringSubmatch(svg, -1) {
			ticks[m[1]] = append(ticks[m[1]], m[2])
		}
		for axis, labels := range map[string][]string{"x": ticks["middle"], "y": ticks["end"]} {
			if len(labels) < 2 {
				t.Errorf("%s: %s axis has %d ticks, want at least 2", tc.name, axis, len(labels))
			}
			seen := map[string]bool{}
			for _, l := range labels {
				if seen[l] {
					t.Errorf("%s: %s tick %q twice: %v", tc.name, axis, l, labels)
				}
				seen[l] = true
			}
		}
	}
}

// The leaderboard fits a 1400 px window: its table sits in a box that
// scrolls it rather than widening the page, its headings and text cells
// wrap, and the charts shrink to the window. (TestChromiumLayout in
// report/html checks it in a browser.)
func TestHTMLTableFits(t *testing.T) {
	lb := fixture(t, Options{})
	var b bytes.Buffer
	if err := lb.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`<div class="scroll">` + "\n<table>", ".scroll { overflow-x: auto;", "th { background: #f3f3f3; white-space: normal;",
		"svg { max-width: 100%; height: auto; }", `<meta name="viewport"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n := strings.Count(page, `<td class="wrap">`); n != 4*len(lb.Rows) {
		t.Errorf("%d wrapping cells, want 4 per row (task, rated on, method, meters)", n)
	}
}
