package compare

import (
	"html/template"
	"io"
)

// WriteHTML writes a self-contained page: the table, the groups, the
// energy-vs-latency scatter with its Pareto front and, when model sizes
// are known, power vs size. Inline CSS and SVG only: no script, no
// external asset, so it works offline and anywhere it is attached.
func (lb *Leaderboard) WriteHTML(w io.Writer) error {
	cols := lb.tableColumns()
	type cell struct {
		Text  string
		Class string
	}
	data := struct {
		Heads    []string
		Rows     [][]cell
		Groups   []Group
		Colors   map[int]string
		Warnings []string
		Latency  string
		Mixed    bool
		Scatter  template.HTML
		Size     template.HTML
	}{Colors: map[int]string{}, Warnings: lb.Warnings, Latency: latencyName(lb.Latency), Mixed: lb.Mixed, Groups: lb.Groups}
	for _, c := range cols {
		data.Heads = append(data.Heads, c.head)
	}
	for _, r := range lb.Rows {
		row := make([]cell, len(cols))
		for i, c := range cols {
			row[i] = cell{Text: c.cell(r)}
			switch c.head {
			case "STARS":
				row[i].Class = "stars"
			case "TASK", "RATED ON", "METHOD", "METERS":
				// Words that may wrap, so that the table fits the page.
				row[i].Class = "wrap"
			}
		}
		data.Rows = append(data.Rows, row)
	}
	for _, g := range lb.Groups {
		data.Colors[g.ID] = groupColor(g.ID)
	}
	// The SVG is built from numbers and escaped labels only (svg.go).
	data.Scatter = template.HTML(lb.energyLatencyChart())
	data.Size = template.HTML(lb.sizeChart())
	return pageTemplate.Execute(w, data)
}

var pageTemplate = template.Must(template.New("compare").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>aienergy compare</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: right; white-space: nowrap; }
/* Headings and text cells wrap, and a table still wider than the window
   scrolls inside its own box: the page never scrolls sideways. */
th { background: #f3f3f3; white-space: normal; vertical-align: bottom; }
td.wrap { white-space: normal; min-width: 6em; }
.scroll { overflow-x: auto; max-width: 100%; }
svg { max-width: 100%; height: auto; }
td:nth-child(-n+4) { text-align: left; }
td.stars { color: #c80; letter-spacing: 1px; }
.tick { font-size: 11px; fill: #555; }
.axis { font-size: 12px; fill: #222; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.3em; }
.warn { color: #8a4b00; }
</style>
</head>
<body>
<h1>Energy leaderboard</h1>
<div class="scroll">
<table>
<thead><tr>{{range .Heads}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range .}}<td{{if .Class}} class="{{.Class}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</div>
<h2>Comparable groups</h2>
<ol>
{{range .Groups}}<li><span class="swatch" style="background: {{index $.Colors .ID}}"></span>{{.Hardware}}; energy: {{.Energy}}; runs {{range $i, $r := .Runs}}{{if $i}}, {{end}}{{$r}}{{end}}</li>
{{end}}</ol>
<p>Stars: AIEnergyScore-style, five equal sections of the <em>rated on</em> range within each task{{if not .Mixed}} and group{{end}} (5 = least energy).</p>
<h2>Energy vs latency</h2>
<p>J per output token against {{.Latency}}; filled points joined by a dashed line are the Pareto front{{if not .Mixed}} of each task and group{{end}}.</p>
{{if .Scatter}}{{.Scatter}}{{else}}<p>No row has both figures.</p>{{end}}
{{if .Size}}<h2>Power vs model size</h2>
{{.Size}}{{end}}
{{if .Warnings}}<h2>Warnings</h2>
<ul class="warn">
{{range .Warnings}}<li>{{.}}</li>
{{end}}</ul>{{end}}
</body>
</html>
`))
