package html

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/aienergy/aienergy/report"
)

// The sweep's energy-vs-latency curve is drawn here as inline SVG, like
// the bar charts: a handful of labelled points needs no zoom, and the Go
// tests can count what was drawn.

// Layout of the sweep chart, in SVG user units.
const (
	sweepW, sweepH                               = 760.0, 380.0
	sweepLeft, sweepRight, sweepTop, sweepBottom = 70.0, 30.0, 20.0, 50.0
	// labelCharW estimates a label's width per character at 12 px.
	labelCharW = 7.0
)

// sweepColors are app.js's line colours, so a model keeps its colour.
var sweepColors = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#ff7f0e", "#7f7f7f"}

// A linearAxis maps [0, max] onto a pixel span.
type linearAxis struct {
	max, step float64
	from, to  float64
}

// newLinearAxis starts at zero, so a point's distance from the axis reads
// as its energy or latency, and ends at a round step above top.
func newLinearAxis(top, from, to float64) linearAxis {
	if !(top > 0) {
		top = 1
	}
	step := niceStep(top / 5)
	return linearAxis{max: math.Ceil(top*1.05/step) * step, step: step, from: from, to: to}
}

func (a linearAxis) px(v float64) float64 { return a.from + v/a.max*(a.to-a.from) }

// ticks are the multiples of the step, labelled with as many decimals as
// the step needs: no two ticks read alike.
func (a linearAxis) ticks() (values []float64, labels []string) {
	dec := max(0, -int(math.Floor(math.Log10(a.step)+1e-9)))
	for i := 0; float64(i)*a.step <= a.max*(1+1e-9); i++ {
		v := float64(i) * a.step
		values = append(values, v)
		labels = append(labels, strconv.FormatFloat(v, 'f', dec, 64))
	}
	return values, labels
}

// niceStep rounds a raw step up to 1, 2 or 5 × 10^k.
func niceStep(raw float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5} {
		if m*p >= raw*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

type sweepDot struct {
	X, Y         float64
	Color, Title string
	Front        bool
}

type sweepLabel struct {
	X, Y   float64
	Anchor string
	Text   string
	Color  string
}

type sweepLine struct {
	Points, Color, Class string
}

type sweepTick struct {
	Pos   float64
	Label string
}

var sweepTemplate = template.Must(template.New("sweep").Parse(`<svg class="sweep" id="sweep-chart" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="J per output token vs median end-to-end latency" width="{{.W}}" height="{{.H}}" viewBox="0 0 {{.W}} {{.H}}">
<rect x="{{.Left}}" y="{{.Top}}" width="{{.PlotW}}" height="{{.PlotH}}" fill="none" stroke="#999"/>
{{range .XTicks}}<line x1="{{.Pos}}" y1="{{$.Bottom}}" x2="{{.Pos}}" y2="{{$.TickEnd}}" stroke="#999"/><text class="tick" x="{{.Pos}}" y="{{$.TickText}}" text-anchor="middle">{{.Label}}</text>
{{end}}{{range .YTicks}}<line x1="{{$.TickLeft}}" y1="{{.Pos}}" x2="{{$.Left}}" y2="{{.Pos}}" stroke="#999"/><text class="tick" x="{{$.TickLabelX}}" y="{{.Pos}}" text-anchor="end" dominant-baseline="middle">{{.Label}}</text>
{{end}}<text x="{{.XTitleX}}" y="{{.XTitleY}}" text-anchor="middle">median end-to-end latency (ms)</text>
<text x="15" y="{{.YTitleY}}" text-anchor="middle" transform="rotate(-90 15 {{.YTitleY}})">J per output token</text>
{{with .SLO}}<line class="slo" x1="{{.X}}" y1="{{$.Top}}" x2="{{.X}}" y2="{{$.Bottom}}" stroke="#c62828" stroke-dasharray="5 4"/><text class="slo" x="{{.X}}" y="{{$.SLOTextY}}" text-anchor="end" fill="#c62828">{{.Text}}</text>
{{end}}{{range .Lines}}<polyline class="{{.Class}}" points="{{.Points}}" fill="none" stroke="{{.Color}}"/>
{{end}}{{range .Dots}}<circle class="point{{if .Front}} front{{end}}" cx="{{.X}}" cy="{{.Y}}" r="5" fill="{{if .Front}}{{.Color}}{{else}}white{{end}}" stroke="{{.Color}}" stroke-width="1.5"><title>{{.Title}}</title></circle>
{{end}}{{range .Best}}<circle class="best" cx="{{.X}}" cy="{{.Y}}" r="10" fill="none" stroke="#e69500" stroke-width="2.5"><title>{{.Title}}</title></circle>
{{end}}{{range .Labels}}<text class="point-label" x="{{.X}}" y="{{.Y}}" text-anchor="{{.Anchor}}" fill="{{.Color}}">{{.Text}}</text>
{{end}}</svg>`))

// sweepChart draws J per output token against median end-to-end latency,
// the axes the Pareto front is taken on: one point per load point,
// labelled with its load; front points filled and joined, the others
// hollow; the best point ringed; an end-to-end SLO as a dashed line.
// "" when no point has both figures.
func sweepChart(res *report.SweepResult) (template.HTML, error) {
	var pts []report.SweepPoint
	for _, p := range res.Points {
		if p.JoulesPerOutputToken != nil && !math.IsNaN(*p.JoulesPerOutputToken) && !math.IsNaN(p.E2EMsP50) {
			pts = append(pts, p)
		}
	}
	if len(pts) == 0 {
		return "", nil
	}
	var topX, topY float64
	for _, p := range pts {
		topX, topY = math.Max(topX, p.E2EMsP50), math.Max(topY, *p.JoulesPerOutputToken)
	}
	// The SLO line is drawn when it falls near the points; far beyond
	// them it would squeeze them into a corner.
	slo := 0.0
	if res.SLO != nil && res.SLO.E2EMs > 0 && res.SLO.E2EMs <= 2*topX {
		slo = res.SLO.E2EMs
		topX = math.Max(topX, slo)
	}
	ax := newLinearAxis(topX, sweepLeft, sweepW-sweepRight)
	ay := newLinearAxis(topY, sweepH-sweepBottom, sweepTop)
	d := map[string]any{
		"W": sweepW, "H": sweepH, "Left": sweepLeft, "Top": sweepTop,
		"PlotW": sweepW - sweepLeft - sweepRight, "PlotH": sweepH - sweepTop - sweepBottom,
		"Bottom": sweepH - sweepBottom, "TickEnd": sweepH - sweepBottom + 5, "TickText": sweepH - sweepBottom + 18,
		"TickLeft": sweepLeft - 5, "TickLabelX": sweepLeft - 8,
		"XTitleX": (sweepLeft + sweepW - sweepRight) / 2, "XTitleY": sweepH - 10,
		"YTitleY": (sweepTop + sweepH - sweepBottom) / 2, "SLOTextY": sweepTop + 14,
	}
	var xt, yt []sweepTick
	vs, ls := ax.ticks()
	for i := range vs {
		xt = append(xt, sweepTick{round1(ax.px(vs[i])), ls[i]})
	}
	vs, ls = ay.ticks()
	for i := range vs {
		yt = append(yt, sweepTick{round1(ay.px(vs[i])), ls[i]})
	}
	d["XTicks"], d["YTicks"] = xt, yt
	if slo > 0 {
		d["SLO"] = sweepLabel{X: round1(ax.px(slo)), Text: fmt.Sprintf("E2E SLO %g ms ", slo)}
	}

	models := sweepModelOrder(pts)
	oneModel := len(models) == 1
	var lines []sweepLine
	var dots, best []sweepDot
	var labels []sweepLabel
	placed := newLabelPlacer(ax, ay)
	for _, p := range pts {
		placed.avoidPoint(ax.px(p.E2EMsP50), ay.px(*p.JoulesPerOutputToken))
	}
	for mi, model := range models {
		color := sweepColors[mi%len(sweepColors)]
		var curve, front []report.SweepPoint
		for _, p := range pts {
			if p.Model == model {
				curve = append(curve, p)
				if p.ParetoFront {
					front = append(front, p)
				}
			}
		}
		// The curve in load order, faint; the front by latency, bold.
		lines = append(lines, sweepLine{polyline(curve, ax, ay), color, "curve"})
		slices.SortFunc(front, func(a, b report.SweepPoint) int { return cmp.Compare(a.E2EMsP50, b.E2EMsP50) })
		if len(front) > 1 {
			lines = append(lines, sweepLine{polyline(front, ax, ay), color, "front"})
		}
		for _, p := range curve {
			x, y := round1(ax.px(p.E2EMsP50)), round1(ay.px(*p.JoulesPerOutputToken))
			dot := sweepDot{X: x, Y: y, Color: color, Front: p.ParetoFront, Title: pointTitle(p)}
			dots = append(dots, dot)
			if res.Best[p.Model] == p.Label {
				best = append(best, dot)
			}
			text := p.Label
			if oneModel {
				text = pointTag(p.Point)
			}
			if res.Best[p.Model] == p.Label {
				text += " (best)"
			}
			labels = append(labels, placed.place(x, y, text, color))
		}
	}
	d["Lines"], d["Dots"], d["Best"], d["Labels"] = lines, dots, best, labels
	var b bytes.Buffer
	err := sweepTemplate.Execute(&b, d)
	return template.HTML(b.String()), err
}

// sweepModelOrder lists the models in the order of their first point.
func sweepModelOrder(pts []report.SweepPoint) []string {
	var out []string
	for _, p := range pts {
		if !slices.Contains(out, p.Model) {
			out = append(out, p.Model)
		}
	}
	return out
}

func polyline(pts []report.SweepPoint, ax, ay linearAxis) string {
	var b []byte
	for i, p := range pts {
		if i > 0 {
			b = append(b, ' ')
		}
		b = fmt.Appendf(b, "%g,%g", round1(ax.px(p.E2EMsP50)), round1(ay.px(*p.JoulesPerOutputToken)))
	}
	return string(b)
}

func pointTitle(p report.SweepPoint) string {
	s := fmt.Sprintf("%s: %s J/output token, median E2E %s ms", p.Label, opt(p.JoulesPerOutputToken), sig(p.E2EMsP50))
	if p.ParetoFront {
		s += ", on the Pareto front"
	}
	return s
}

// pointTag is a point's load as its label shows it: "c=4", "rate=5".
func pointTag(p report.Point) string {
	label := p.Label
	if i := len(p.Model); len(label) > i+2 && label[:i] == p.Model {
		return label[i+2 : len(label)-1]
	}
	return label
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// labelPlacer puts each label beside its point where it overlaps no
// label placed before it and no point: right above, right below, left
// above, left below, then the same a line further out, and so on; right
// above when every place is taken.
type labelPlacer struct {
	boxes                    [][4]float64 // x0, y0, x1, y1
	left, right, top, bottom float64
}

func newLabelPlacer(ax, ay linearAxis) *labelPlacer {
	return &labelPlacer{left: ax.from, right: ax.to, top: ay.to, bottom: ay.from}
}

func (lp *labelPlacer) avoidPoint(x, y float64) {
	lp.boxes = append(lp.boxes, [4]float64{x - 6, y - 6, x + 6, y + 6})
}

func (lp *labelPlacer) place(x, y float64, text, color string) sweepLabel {
	w := labelCharW * float64(utf8.RuneCountInString(text))
	type side struct {
		dx, dy float64
		anchor string
	}
	var sides []side
	for k := range 4 {
		out := 14 * float64(k) // lines further from the point
		sides = append(sides, side{9, -8 - out, "start"}, side{9, 16 + out, "start"}, side{-9, -8 - out, "end"}, side{-9, 16 + out, "end"})
	}
	box := func(s side) [4]float64 {
		x0 := x + s.dx
		if s.anchor == "end" {
			x0 -= w
		}
		// y is the text's baseline: the box reaches 12 px above it.
		return [4]float64{x0, y + s.dy - 12, x0 + w, y + s.dy + 2}
	}
	pick := sides[0]
	for _, s := range sides {
		b := box(s)
		if b[0] < lp.left || b[2] > lp.right || b[1] < lp.top || b[3] > lp.bottom {
			continue
		}
		if !slices.ContainsFunc(lp.boxes, func(o [4]float64) bool { return overlap(b, o) }) {
			pick = s
			break
		}
	}
	lp.boxes = append(lp.boxes, box(pick))
	return sweepLabel{X: round1(x + pick.dx), Y: round1(y + pick.dy), Anchor: pick.anchor, Text: text, Color: color}
}

func overlap(a, b [4]float64) bool {
	return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}
