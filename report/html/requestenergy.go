package html

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/report"
)

// The energy-per-request section: per model, how its energy divides
// among its requests (report.ModelRequestEnergy, from analysis.Attribute).
// Its charts are inline SVG like the sweep's: a few thousand dots need no
// zoom, read without script and are checked by the Go tests.

// requestPointsMax is the most requests one scatter draws: above it, the
// requests are sampled evenly in request order (report.RequestSample,
// pickEvenly). The figures and the fit always use every request.
const requestPointsMax = report.RequestSampleMax

// Kinds of drawn request: those the percentiles and the fit count, and
// those they leave out, drawn apart.
const (
	pointFitted  = "fitted"  // succeeded, wholly inside the window
	pointFailed  = "failed"  // failed (partial or not)
	pointPartial = "partial" // succeeded, cut by the window's edge
)

// scatterPoint is one request on a scatter: x its tokens, y its joules.
type scatterPoint struct {
	X, Y float64
	Kind string
}

// scatter is J per request against one token count, with the fit's line
// through it: the fit's partial slope along x, the other token count held
// at its mean over the fitted requests.
type scatter struct {
	XLabel string
	Points []scatterPoint
	// Line runs from (X0, Y0) to (X1, Y1), over the fitted requests' x
	// range; nil when the fit has no slope along x.
	Line *[4]float64
}

// requestScatters builds the two scatters of a model's requests, J per
// request (net when hasNet, else gross: the fit's basis) against output
// and against prompt tokens, from a sample of them (at most limit of its
// rows drawn, picked evenly in request order) and the tally of them all;
// drawn says how many.
func requestScatters(sample report.RequestSample, hasNet bool, fit analysis.EnergyFit, limit int) (byOutput, byPrompt scatter, drawn int) {
	byOutput.XLabel, byPrompt.XLabel = "output tokens", "prompt tokens"
	rows := sample.Rows
	for _, i := range pickEvenly(len(rows), limit) {
		r := rows[i]
		y := r.Joules
		if hasNet {
			y = r.NetJoules
		}
		if math.IsNaN(y) || math.IsInf(y, 0) {
			continue // nothing to place
		}
		k := kindOf(r)
		byOutput.Points = append(byOutput.Points, scatterPoint{float64(r.OutputTokens), y, k})
		byPrompt.Points = append(byPrompt.Points, scatterPoint{float64(r.InputTokens), y, k})
	}
	drawn = len(byOutput.Points)
	// The fitted requests' means and ranges, as the fit saw them.
	if sample.Fitted == 0 || fit.InterceptJ == nil {
		return byOutput, byPrompt, drawn
	}
	meanOut, meanPrompt := sample.OutputMean, sample.PromptMean
	// A coefficient the fit dropped is folded into the others: it adds
	// nothing at the other variable's mean.
	at := func(c *float64, v float64) float64 {
		if c == nil {
			return 0
		}
		return *c * v
	}
	line := func(slope *float64, lo, hi, rest float64) *[4]float64 {
		if slope == nil || !(hi > lo) {
			return nil
		}
		c := *fit.InterceptJ + rest
		return &[4]float64{lo, c + *slope*lo, hi, c + *slope*hi}
	}
	byOutput.Line = line(fit.JoulesPerOutputToken, sample.OutputMin, sample.OutputMax, at(fit.JoulesPerPromptToken, meanPrompt))
	byPrompt.Line = line(fit.JoulesPerPromptToken, sample.PromptMin, sample.PromptMax, at(fit.JoulesPerOutputToken, meanOut))
	return byOutput, byPrompt, drawn
}

// kindOf is how a request is drawn; report.RequestSample tallies the
// same kinds.
func kindOf(r analysis.RequestEnergy) string {
	switch {
	case !r.OK:
		return pointFailed
	case r.Partial:
		return pointPartial
	}
	return pointFitted
}

// pickEvenly is which of n items to draw, at most limit: all of them, or
// item ⌊j·n/limit⌋ for j = 0 … limit−1, evenly spread over the run and
// the same at every rendering.
func pickEvenly(n, limit int) []int {
	k := n
	if limit > 0 && n > limit {
		k = limit
	}
	out := make([]int, k)
	for j := range k {
		out[j] = j * n / k
	}
	return out
}

// Layout of a scatter, in SVG user units: two side by side fit the page's
// widest column, one the narrowest.
const (
	scatterW, scatterH                                   = 620.0, 300.0
	scatterLeft, scatterRight, scatterTop, scatterBottom = 64.0, 16.0, 14.0, 46.0
)

// valueAxis maps [lo, hi] onto a pixel span; it takes in 0, and its ends
// are multiples of its step, a whole one for counts.
type valueAxis struct {
	lo, hi, step float64
	from, to     float64
}

func newValueAxis(lo, hi, from, to float64, counts bool) valueAxis {
	lo, hi = math.Min(lo, 0), math.Max(hi, 0)
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		hi = lo + 1
	}
	hi += 0.03 * (hi - lo) // a dot on the top edge stays whole
	step := niceStep((hi - lo) / 5)
	if counts {
		step = math.Max(step, 1)
	}
	return valueAxis{lo: math.Floor(lo/step+1e-9) * step, hi: math.Ceil(hi/step-1e-9) * step, step: step, from: from, to: to}
}

func (a valueAxis) px(v float64) float64 { return a.from + (v-a.lo)/(a.hi-a.lo)*(a.to-a.from) }

func (a valueAxis) ticks() []sweepTick {
	dec := max(0, -int(math.Floor(math.Log10(a.step)+1e-9)))
	var out []sweepTick
	first := math.Round(a.lo / a.step)
	for i := first; i*a.step <= a.hi+a.step*1e-9; i++ {
		v := i * a.step
		out = append(out, sweepTick{round1(a.px(v)), noNegativeZero(strconv.FormatFloat(v, 'f', dec, 64))})
	}
	return out
}

var scatterTemplate = template.Must(template.New("scatter").Parse(`<svg class="req-scatter" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{{.Title}}" width="{{.W}}" height="{{.H}}" viewBox="0 0 {{.W}} {{.H}}" data-x="{{.XLabel}}" data-points="{{.N}}" data-fitted="{{.Fitted}}" data-failed="{{.Failed}}" data-partial="{{.Partial}}" data-line="{{if .Line}}1{{else}}0{{end}}">
<title>{{.Title}}</title>
<rect x="{{.Left}}" y="{{.Top}}" width="{{.PlotW}}" height="{{.PlotH}}" fill="none" stroke="#999"/>
{{range .XTicks}}<line x1="{{.Pos}}" y1="{{$.Bottom}}" x2="{{.Pos}}" y2="{{$.TickEnd}}" stroke="#999"/><text class="tick" x="{{.Pos}}" y="{{$.TickText}}" text-anchor="middle">{{.Label}}</text>
{{end}}{{range .YTicks}}<line x1="{{$.TickLeft}}" y1="{{.Pos}}" x2="{{$.Left}}" y2="{{.Pos}}" stroke="#999"/><text class="tick" x="{{$.TickLabelX}}" y="{{.Pos}}" text-anchor="end" dominant-baseline="middle">{{.Label}}</text>
{{end}}{{with .Zero}}<line class="zero" x1="{{$.Left}}" y1="{{.}}" x2="{{$.Right}}" y2="{{.}}" stroke="#bbb"/>
{{end}}<text x="{{.XTitleX}}" y="{{.XTitleY}}" text-anchor="middle">{{.XLabel}}</text>
<text x="14" y="{{.YTitleY}}" text-anchor="middle" transform="rotate(-90 14 {{.YTitleY}})">{{.YLabel}}</text>
{{if .FittedPath}}<path class="fitted" d="{{.FittedPath}}" fill="none" stroke="#1f77b4" stroke-opacity="0.55" stroke-width="{{.Dot}}" stroke-linecap="round"/>
{{end}}{{if .PartialPath}}<path class="partial" d="{{.PartialPath}}" fill="none" stroke="#e69500" stroke-width="1.5"/>
{{end}}{{if .FailedPath}}<path class="failed" d="{{.FailedPath}}" fill="none" stroke="#c62828" stroke-width="1.5"/>
{{end}}{{with .Line}}<line class="fit" x1="{{index . 0}}" y1="{{index . 1}}" x2="{{index . 2}}" y2="{{index . 3}}" stroke="#222" stroke-width="1.5"/>
{{end}}</svg>`))

// svg draws the scatter: fitted requests as dots, partial ones as +,
// failed ones as ×, and the fit's line.
func (sc scatter) svg(yLabel string) (template.HTML, error) {
	xHi, yLo, yHi := 0.0, 0.0, 0.0
	for _, p := range sc.Points {
		xHi, yLo, yHi = math.Max(xHi, p.X), math.Min(yLo, p.Y), math.Max(yHi, p.Y)
	}
	if l := sc.Line; l != nil {
		yLo, yHi = math.Min(yLo, math.Min(l[1], l[3])), math.Max(yHi, math.Max(l[1], l[3]))
	}
	ax := newValueAxis(0, xHi, scatterLeft, scatterW-scatterRight, true)
	ay := newValueAxis(yLo, yHi, scatterH-scatterBottom, scatterTop, false)
	paths := map[string]*[]byte{pointFitted: new([]byte), pointFailed: new([]byte), pointPartial: new([]byte)}
	counts := map[string]int{}
	for _, p := range sc.Points {
		x, y := round1(ax.px(p.X)), round1(ay.px(p.Y))
		b := paths[p.Kind]
		switch p.Kind {
		case pointFitted:
			*b = fmt.Appendf(*b, "M%g %gh0", x, y)
		case pointPartial:
			*b = fmt.Appendf(*b, "M%g %gh7m-3.5 -3.5v7", round1(x-3.5), y)
		default:
			*b = fmt.Appendf(*b, "M%g %gl6 6m0 -6l-6 6", x-3, y-3)
		}
		counts[p.Kind]++
	}
	d := map[string]any{
		"Title": yLabel + " vs " + sc.XLabel, "XLabel": sc.XLabel, "YLabel": yLabel,
		"W": scatterW, "H": scatterH, "Left": scatterLeft, "Top": scatterTop, "Right": scatterW - scatterRight,
		"PlotW": scatterW - scatterLeft - scatterRight, "PlotH": scatterH - scatterTop - scatterBottom,
		"Bottom": scatterH - scatterBottom, "TickEnd": scatterH - scatterBottom + 5, "TickText": scatterH - scatterBottom + 18,
		"TickLeft": scatterLeft - 5, "TickLabelX": scatterLeft - 8,
		"XTitleX": (scatterLeft + scatterW - scatterRight) / 2, "XTitleY": scatterH - 8,
		"YTitleY": (scatterTop + scatterH - scatterBottom) / 2,
		"XTicks":  ax.ticks(), "YTicks": ay.ticks(),
		"N": len(sc.Points), "Fitted": counts[pointFitted], "Failed": counts[pointFailed], "Partial": counts[pointPartial],
		"FittedPath": string(*paths[pointFitted]), "FailedPath": string(*paths[pointFailed]), "PartialPath": string(*paths[pointPartial]),
	}
	// Thousands of dots are drawn smaller, so that they crowd less.
	d["Dot"] = 5
	if counts[pointFitted] > 1000 {
		d["Dot"] = 3
	}
	if ay.lo < 0 {
		d["Zero"] = round1(ay.px(0))
	}
	if l := sc.Line; l != nil {
		d["Line"] = []float64{round1(ax.px(l[0])), round1(ay.px(l[1])), round1(ax.px(l[2])), round1(ay.px(l[3]))}
	}
	var b bytes.Buffer
	err := scatterTemplate.Execute(&b, d)
	return template.HTML(b.String()), err
}

// requestEnergyView is one model's part of the section.
type requestEnergyView struct {
	Model string
	Basis string // "net" or "gross": what the shares, the fit and the dots are of
	Dist  []requestDistRow
	// Split is the window's energy as one bar: prefill, decode, idle,
	// unattributed; Segments its legend. No bar where a part is negative.
	Split    template.HTML
	Segments []splitSegment
	Total    string
	Shares   string
	// GrossOnly: some channel has no idle baseline.
	GrossOnly bool
	Fit       string
	Weights   string
	Charts    []template.HTML
	Drawn     string
	NoRows    bool
}

type requestDistRow struct {
	Label, Count, Mean, P50, P90, P99, Min, Max string
}

type splitSegment struct {
	Class, Label, Text string
	J                  float64
}

func requestEnergyViews(s *report.Summary) ([]requestEnergyView, error) {
	var out []requestEnergyView
	for _, m := range s.RequestEnergy {
		v, err := requestEnergy(m.Model, m.AttributionSummary, m.Sample(), m.HasNet())
		if err != nil {
			return nil, fmt.Errorf("drawing the energy per request of %s: %w", m.Model, err)
		}
		out = append(out, v)
	}
	return out, nil
}

func requestEnergy(model string, a analysis.AttributionSummary, sample report.RequestSample, hasNet bool) (requestEnergyView, error) {
	v := requestEnergyView{Model: model, Basis: a.Basis}
	dist := func(label string, d analysis.Distribution) requestDistRow {
		if d.Count == 0 {
			return requestDistRow{label, "0", dash, dash, dash, dash, dash, dash}
		}
		return requestDistRow{label, strconv.Itoa(d.Count), sig(d.Mean), sig(d.P50), sig(d.P90), sig(d.P99), sig(d.Min), sig(d.Max)}
	}
	v.Dist = append(v.Dist, dist("gross", a.JoulesPerRequest))
	if a.NetAttributedJ != nil {
		v.Dist = append(v.Dist, dist("net of idle baseline", a.NetJoulesPerRequest))
	}

	// Where the window's energy went. The shares are of the requests'
	// energy on the basis; with a baseline, idle is the rest.
	requestsJ := a.AttributedJ
	if a.NetAttributedJ != nil {
		requestsJ = *a.NetAttributedJ
	}
	v.Total = fmt.Sprintf("%s J measured on %s over the window", sig(a.EnergyJ), strings.Join(a.Channels, " + "))
	if a.PrefillShare != nil && a.DecodeShare != nil {
		v.Segments = append(v.Segments,
			splitSegment{Class: "prefill", Label: "prefill (" + a.Basis + ")", J: *a.PrefillShare * requestsJ},
			splitSegment{Class: "decode", Label: "decode (" + a.Basis + ")", J: *a.DecodeShare * requestsJ})
		v.Shares = fmt.Sprintf("Of the requests' %s energy, %s went to prefill and %s to decode.", a.Basis, percentShort(*a.PrefillShare), percentShort(*a.DecodeShare))
	} else {
		v.Segments = append(v.Segments, splitSegment{Class: "decode", Label: "requests (" + a.Basis + ")", J: requestsJ})
		v.Shares = "The requests' " + a.Basis + " energy is not positive: no prefill and decode shares."
	}
	if a.IdleJ != nil {
		v.Segments = append(v.Segments, splitSegment{Class: "idle", Label: "idle baseline while requests ran", J: *a.IdleJ})
	}
	v.Segments = append(v.Segments, splitSegment{Class: "unattributed", Label: "unattributed (no request working)", J: a.UnattributedJ})
	for i, g := range v.Segments {
		v.Segments[i].Text = sig(g.J) + nbsp + "J"
		if a.EnergyJ > 0 {
			v.Segments[i].Text += nbsp + "(" + strings.ReplaceAll(percentShort(g.J/a.EnergyJ), " ", nbsp) + ")"
		}
	}
	split, err := splitBar(v.Segments)
	if err != nil {
		return v, err
	}
	v.Split = split
	v.GrossOnly = a.IdleJ == nil

	v.Fit = fitText(a.Fit, a.Basis)
	var weights []string
	for _, w := range a.PrefillWeights {
		weights = append(weights, fmt.Sprintf("%s on %s (%s)", sig(w.Weight), w.Channel, w.Source))
	}
	v.Weights = strings.Join(weights, ", ")

	if sample.Total == 0 {
		v.NoRows = true
		return v, nil
	}
	byOut, byPrompt, drawn := requestScatters(sample, hasNet, a.Fit, requestPointsMax)
	yLabel := "J per request (" + a.Basis + ")"
	for _, sc := range []scatter{byOut, byPrompt} {
		h, err := sc.svg(yLabel)
		if err != nil {
			return v, err
		}
		v.Charts = append(v.Charts, h)
	}
	v.Drawn = drawnText(sample, drawn)
	return v, nil
}

// fitText writes the fit: "J ≈ 0.0197 × prompt tokens + 0.2539 × output
// tokens + 0.4918, R² 0.9723, over 16 requests (net)".
func fitText(f analysis.EnergyFit, basis string) string {
	if f.InterceptJ == nil {
		return fmt.Sprintf("No fit: %d requests are too few to fit.", f.Requests)
	}
	terms := []string{}
	var dropped []string
	for _, t := range []struct {
		c    *float64
		name string
	}{{f.JoulesPerPromptToken, "prompt tokens"}, {f.JoulesPerOutputToken, "output tokens"}} {
		if t.c == nil {
			dropped = append(dropped, t.name)
			continue
		}
		terms = append(terms, sig(*t.c)+" × "+t.name)
	}
	s := "Fit over " + strconv.Itoa(f.Requests) + " requests (" + basis + "): J ≈ " + strings.Join(append(terms, sig(*f.InterceptJ)), " + ")
	s = strings.ReplaceAll(s, "+ -", "− ")
	if f.R2 != nil {
		s += ", R² " + sig(*f.R2)
	} else {
		s += ", R² undefined (every request's energy the same)"
	}
	s += "."
	if len(dropped) > 0 {
		s += " The requests cannot separate " + strings.Join(dropped, " and ") +
			" from the other terms (all the same length, or in step with the other count): no slope along it, its energy is in the others."
	}
	return s
}

// drawnText says what the scatters show of the requests sample was
// drawn from.
func drawnText(sample report.RequestSample, drawn int) string {
	counts := map[string]int{pointFitted: sample.Fitted, pointPartial: sample.Partial, pointFailed: sample.Failed}
	s := fmt.Sprintf("All %d requests that worked in the window are drawn", sample.Total)
	if drawn < sample.Total {
		s = fmt.Sprintf("%d of the %d requests that worked in the window are drawn (picked evenly in request order; every figure and the fit use them all)",
			drawn, sample.Total)
	}
	s += fmt.Sprintf(": %d that succeeded wholly inside it as dots", counts[pointFitted])
	var apart []string
	if n := counts[pointPartial]; n > 0 {
		apart = append(apart, fmt.Sprintf("%d cut by the window's edge (only their part inside) as +", n))
	}
	if n := counts[pointFailed]; n > 0 {
		apart = append(apart, fmt.Sprintf("%d failed as ×", n))
	}
	if len(apart) > 0 {
		s += "; " + strings.Join(apart, " and ") + ", left out of the percentiles and the fit"
	}
	return s + "."
}

// Layout of the split bar, in SVG user units.
const splitW, splitH = 760.0, 22.0

var splitTemplate = template.Must(template.New("split").Parse(`<svg class="req-split" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="where the window's energy went" width="{{.W}}" height="{{.H}}" viewBox="0 0 {{.W}} {{.H}}">
{{range .Rects}}<rect class="{{.Class}}" x="{{.X}}" y="0" width="{{.Width}}" height="{{$.H}}"><title>{{.Title}}</title></rect>
{{end}}</svg>`))

// splitBar draws the segments side by side on one bar as wide as their
// sum; "" when a segment is negative (a net share where power fell below
// the baseline) or nothing is positive.
func splitBar(segs []splitSegment) (template.HTML, error) {
	total := 0.0
	for _, g := range segs {
		if g.J < 0 || math.IsNaN(g.J) {
			return "", nil
		}
		total += g.J
	}
	if !(total > 0) || math.IsInf(total, 0) {
		return "", nil
	}
	type rect struct {
		Class, Title string
		X, Width     float64
	}
	var rects []rect
	x := 0.0
	for _, g := range segs {
		w := g.J / total * splitW
		if w > 0 {
			rects = append(rects, rect{g.Class, g.Label + ": " + g.Text, round1(x), round1(w)})
		}
		x += w
	}
	var b bytes.Buffer
	err := splitTemplate.Execute(&b, map[string]any{"W": splitW, "H": splitH, "Rects": rects})
	return template.HTML(b.String()), err
}
