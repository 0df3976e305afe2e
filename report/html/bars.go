package html

import (
	"bytes"
	"html/template"
	"math"
)

// A bar chart is drawn in Go as inline SVG: a handful of bars needs no
// zoom, reads without script and is checked by the Go tests.

type barRow struct {
	Label      string
	Gross, Net *float64 // Net is drawn inside Gross; nil: not drawn
}

type barChart struct {
	Title string
	Unit  string
	Rows  []barRow
}

// Layout of a bar chart, in SVG user units.
const (
	barLabelW = 230.0
	barW      = 520.0
	barH      = 18.0
	barGap    = 8.0
	barValueW = 210.0
)

type drawnBar struct {
	Label, Text     string
	Y, W, NetW, Mid float64
	Missing         bool
}

var barTemplate = template.Must(template.New("bars").Parse(`<figure class="bars"><figcaption>{{.Title}}</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}">
{{range .Bars}}<g class="bar"><text x="{{$.LabelRight}}" y="{{.Mid}}" text-anchor="end" dominant-baseline="middle">{{.Label}}</text>
{{if not .Missing}}<rect class="gross" x="{{$.X}}" y="{{.Y}}" width="{{.W}}" height="{{$.H}}"><title>{{.Label}}: {{.Text}}</title></rect>
{{if gt .NetW 0.0}}<rect class="net" x="{{$.X}}" y="{{.Y}}" width="{{.NetW}}" height="{{$.H}}"/>{{end}}{{end}}<text x="{{$.ValueX}}" y="{{.Mid}}" dominant-baseline="middle">{{.Text}}</text></g>
{{end}}</svg></figure>`))

// svg renders the chart: one bar per row, the net part darker inside the
// gross one, all on one scale.
func (c barChart) svg() (template.HTML, error) {
	top := 0.0
	for _, r := range c.Rows {
		if r.Gross != nil {
			top = math.Max(top, *r.Gross)
		}
		if r.Net != nil {
			top = math.Max(top, *r.Net)
		}
	}
	scale := func(v *float64) float64 {
		if v == nil || !(top > 0) || *v <= 0 {
			return 0
		}
		return math.Round(*v/top*barW*10) / 10
	}
	var bars []drawnBar
	for i, r := range c.Rows {
		y := float64(i) * (barH + barGap)
		text := opt(r.Gross) + " " + c.Unit
		if r.Net != nil {
			text += " (net " + opt(r.Net) + ")"
		}
		if r.Gross == nil {
			text = "no data"
		}
		bars = append(bars, drawnBar{Label: r.Label, Text: text, Y: y, Mid: y + barH/2,
			W: scale(r.Gross), NetW: scale(r.Net), Missing: r.Gross == nil})
	}
	var b bytes.Buffer
	err := barTemplate.Execute(&b, map[string]any{
		"Title": c.Title, "Bars": bars, "H": barH, "X": barLabelW + 8, "LabelRight": barLabelW,
		"ValueX": barLabelW + 16 + barW, "Width": barLabelW + 16 + barW + barValueW,
		"Height": math.Max(barH, float64(len(bars))*(barH+barGap)),
	})
	return template.HTML(b.String()), err
}
