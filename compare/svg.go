package compare

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The charts are inline SVG computed here, so the page needs no script and
// no external asset, and a test can count what was drawn.

const (
	chartW, chartH                       = 640.0, 380.0
	padLeft, padRight, padTop, padBottom = 70.0, 20.0, 20.0, 50.0
)

var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f"}

// groupColor colours a comparable group; 0 is the neutral colour.
func groupColor(g int) string {
	if g < 1 {
		return "#444"
	}
	return palette[(g-1)%len(palette)]
}

// axis maps data values onto a pixel span.
type axis struct {
	lo, hi   float64
	log      bool
	from, to float64 // pixels
}

func newAxis(values []float64, log bool, from, to float64) axis {
	lo, hi := slices.Min(values), slices.Max(values)
	if log {
		lo, hi = math.Log10(lo), math.Log10(hi)
	}
	if hi == lo {
		d := math.Max(math.Abs(lo)*0.1, 1)
		if log {
			d = 0.5
		}
		lo, hi = lo-d, hi+d
	} else {
		d := (hi - lo) * 0.08
		lo, hi = lo-d, hi+d
	}
	if !log && lo < 0 && slices.Min(values) >= 0 {
		lo = 0 // never show negative energy or latency
	}
	return axis{lo: lo, hi: hi, log: log, from: from, to: to}
}

func (a axis) px(v float64) float64 {
	if a.log {
		v = math.Log10(v)
	}
	return a.from + (v-a.lo)/(a.hi-a.lo)*(a.to-a.from)
}

// ticks returns round values inside the axis: steps of 1, 2 or 5 × 10^k
// on a linear axis, 1-2-5 per decade (or whole decades when there are
// many) on a log axis.
func (a axis) ticks() []float64 {
	var t []float64
	if a.log {
		mults := []float64{1, 2, 5}
		if a.hi-a.lo > 3 {
			mults = []float64{1}
		}
		for e := math.Floor(a.lo); e <= math.Ceil(a.hi); e++ {
			for _, m := range mults {
				v := m * math.Pow(10, e)
				if l := math.Log10(v); l >= a.lo && l <= a.hi {
					t = append(t, v)
				}
			}
		}
		return t
	}
	step := niceStep((a.hi - a.lo) / 5)
	for v := math.Ceil(a.lo/step) * step; v <= a.hi+step*1e-9; v += step {
		t = append(t, math.Round(v/step)*step) // no 0.30000000000000004
	}
	return t
}

// tickLabel writes tick v of the axis: a log axis's as a parameter
// count (500M, 2B), a linear axis's with as many decimals as its step
// needs, so no two ticks read alike (numf's three significant digits
// would write 200.05 and 200.1 both as "200").
func (a axis) tickLabel(v float64) string {
	if a.log {
		return paramString(&v)
	}
	step := niceStep((a.hi - a.lo) / 5)
	return strconv.FormatFloat(v, 'f', max(0, -int(math.Floor(math.Log10(step)+1e-9))), 64)
}

// niceStep rounds a raw step up to 1, 2 or 5 × 10^k.
func niceStep(raw float64) float64 {
	if !(raw > 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

// point is one drawn row.
type point struct {
	x, y  float64
	group int
	label string
	bold  bool // on the front
}

// scatter draws points with axes and, per key, a polyline through lines.
func scatter(id, class, xTitle, yTitle string, pts []point, logX bool, lines map[string][]point) string {
	if len(pts) == 0 {
		return ""
	}
	xs := make([]float64, len(pts))
	ys := make([]float64, len(pts))
	for i, p := range pts {
		xs[i], ys[i] = p.x, p.y
	}
	ax := newAxis(xs, logX, padLeft, chartW-padRight)
	ay := newAxis(ys, false, chartH-padBottom, padTop)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="%s" xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" role="img" aria-label="%s vs %s">`,
		id, chartW, chartH, chartW, chartH, esc(yTitle), esc(xTitle))
	fmt.Fprintf(&b, `<rect x="%g" y="%g" width="%g" height="%g" fill="none" stroke="#999"/>`,
		padLeft, padTop, chartW-padLeft-padRight, chartH-padTop-padBottom)
	for _, t := range ax.ticks() {
		x := ax.px(t)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%g" x2="%.1f" y2="%g" stroke="#999"/><text x="%.1f" y="%g" text-anchor="middle" class="tick">%s</text>`,
			x, chartH-padBottom, x, chartH-padBottom+5, x, chartH-padBottom+18, ax.tickLabel(t))
	}
	for _, t := range ay.ticks() {
		y := ay.px(t)
		fmt.Fprintf(&b, `<line x1="%g" y1="%.1f" x2="%g" y2="%.1f" stroke="#999"/><text x="%g" y="%.1f" text-anchor="end" class="tick">%s</text>`,
			padLeft-5, y, padLeft, y, padLeft-8, y+4, ay.tickLabel(t))
	}
	fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="middle" class="axis">%s</text>`, (padLeft+chartW-padRight)/2, chartH-10, esc(xTitle))
	fmt.Fprintf(&b, `<text x="15" y="%g" text-anchor="middle" class="axis" transform="rotate(-90 15 %g)">%s</text>`,
		(padTop+chartH-padBottom)/2, (padTop+chartH-padBottom)/2, esc(yTitle))
	keys := make([]string, 0, len(lines))
	for k := range lines {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		line := lines[k]
		if len(line) < 2 {
			continue
		}
		coords := make([]string, len(line))
		for i, p := range line {
			coords[i] = fmt.Sprintf("%.1f,%.1f", ax.px(p.x), ay.px(p.y))
		}
		fmt.Fprintf(&b, `<polyline class="front" points="%s" fill="none" stroke="%s" stroke-dasharray="4 3"/>`,
			strings.Join(coords, " "), groupColor(line[0].group))
	}
	for _, p := range pts {
		r, fill := 4.0, "white"
		if p.bold {
			r, fill = 5.5, groupColor(p.group)
		}
		fmt.Fprintf(&b, `<circle class="%s" cx="%.1f" cy="%.1f" r="%g" fill="%s" stroke="%s" stroke-width="1.5"><title>%s</title></circle>`,
			class, ax.px(p.x), ay.px(p.y), r, fill, groupColor(p.group), esc(p.label))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")

func esc(s string) string { return escaper.Replace(s) }

// energyLatencyChart plots J per output token against the front's latency
// and joins each rating set's front, ordered by latency.
func (lb *Leaderboard) energyLatencyChart() string {
	var pts []point
	lines := map[string][]point{} // one front per rating set
	for _, r := range lb.Rows {
		e, l, ok := frontAxes(r, lb.Latency)
		if !ok {
			continue
		}
		p := point{x: l, y: e, group: r.Group, label: fmt.Sprintf("%s (%s): %s J/token, %s ms", r.Model, r.RunID, numf(e), numf(l)), bold: r.Pareto}
		pts = append(pts, p)
		if r.Pareto {
			key := fmt.Sprintf("%s\x00%d", r.Task, r.Group)
			if lb.Mixed {
				key = r.Task
				p.group = 0 // drawn in the neutral colour: the front spans groups
			}
			lines[key] = append(lines[key], p)
		}
	}
	for k := range lines {
		slices.SortFunc(lines[k], func(a, b point) int {
			if a.x != b.x {
				return cmpFloat(a.x, b.x)
			}
			return cmpFloat(b.y, a.y)
		})
	}
	return scatter("energy-latency", "pt", latencyName(lb.Latency), "J per output token", pts, false, lines)
}

// sizeChart plots average power against model size (log scale).
func (lb *Leaderboard) sizeChart() string {
	var pts []point
	for _, sp := range lb.SizePoints() {
		r := lb.Rows[sp.Row]
		pts = append(pts, point{x: sp.Params, y: sp.AvgWatts, group: r.Group,
			label: fmt.Sprintf("%s (%s): %s parameters, %s W", r.Model, r.RunID, paramString(r.Params), numf(sp.AvgWatts))})
	}
	return scatter("power-size", "sz", "model size (parameters, log scale)", "average power (W)", pts, true, nil)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
