package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// A Point is one model variant's figures — a sweep point, a prefill-only
// run, a repetition — parsed from the label the runner recorded it under
// ("llama3 [c=8 prefill #2]").
type Point struct {
	Label string `json:"label"`
	Model string `json:"model"`
	// PowerLimitW and ClockMHz are a power-cap or clock sweep's GPU
	// setting, as asked for (run.json's gpu_settings has what was in
	// force).
	PowerLimitW float64 `json:"power_limit_w,omitempty"`
	ClockMHz    int     `json:"clock_mhz,omitempty"`
	Stage       string  `json:"stage,omitempty"`
	Concurrency int     `json:"concurrency,omitempty"`
	RateRPS     float64 `json:"rate_rps,omitempty"`
	Prefill     bool    `json:"prefill,omitempty"`
	Repetition  int     `json:"repetition,omitempty"`
}

// parseLabel splits a recorded label into the model and its variant.
func parseLabel(label string) Point {
	p := Point{Label: label, Model: label}
	i := strings.LastIndex(label, " [")
	if i < 0 || !strings.HasSuffix(label, "]") {
		return p
	}
	p.Model = label[:i]
	for _, f := range strings.Fields(label[i+2 : len(label)-1]) {
		switch {
		case f == "prefill":
			p.Prefill = true
		case strings.HasPrefix(f, "cap=") && strings.HasSuffix(f, "W"):
			p.PowerLimitW, _ = strconv.ParseFloat(f[4:len(f)-1], 64)
		case strings.HasPrefix(f, "clock=") && strings.HasSuffix(f, "MHz"):
			p.ClockMHz, _ = strconv.Atoi(f[6 : len(f)-3])
		case strings.HasPrefix(f, "stage="):
			p.Stage = f[6:]
		case strings.HasPrefix(f, "c="):
			p.Concurrency, _ = strconv.Atoi(f[2:])
		case strings.HasPrefix(f, "rate="):
			p.RateRPS, _ = strconv.ParseFloat(f[5:], 64)
		case strings.HasPrefix(f, "#"):
			p.Repetition, _ = strconv.Atoi(f[1:])
		default:
			return Point{Label: label, Model: label} // not a variant label
		}
	}
	return p
}

// pointKey groups a point's repetitions: everything but the repetition.
func (p Point) pointKey() string {
	return fmt.Sprintf("%s|%g|%d|%s|%d|%g|%v", p.Model, p.PowerLimitW, p.ClockMHz, p.Stage, p.Concurrency, p.RateRPS, p.Prefill)
}

// tag is the variant without the repetition, as a label would show it.
func (p Point) tag() string {
	var parts []string
	if p.PowerLimitW > 0 {
		parts = append(parts, fmt.Sprintf("cap=%gW", p.PowerLimitW))
	}
	if p.ClockMHz > 0 {
		parts = append(parts, fmt.Sprintf("clock=%dMHz", p.ClockMHz))
	}
	if p.Stage != "" {
		parts = append(parts, "stage="+p.Stage)
	}
	if p.Concurrency > 0 {
		parts = append(parts, fmt.Sprintf("c=%d", p.Concurrency))
	}
	if p.RateRPS > 0 {
		parts = append(parts, fmt.Sprintf("rate=%g", p.RateRPS))
	}
	if p.Prefill {
		parts = append(parts, "prefill")
	}
	return strings.Join(parts, " ")
}

// Spread describes repeated measurements of one figure: mean, sample
// standard deviation and the 95 % confidence interval of the mean
// (Student's t), and the coefficient of variation.
type Spread struct {
	N         int      `json:"n"`
	Mean      float64  `json:"mean"`
	Std       *float64 `json:"std"`
	CI95Low   *float64 `json:"ci95_low"`
	CI95High  *float64 `json:"ci95_high"`
	CVPercent *float64 `json:"cv_percent"`
}

// Repeated is the spread of a model variant's headline figures over its
// repetitions.
type Repeated struct {
	Model   string            `json:"model"`
	Variant string            `json:"variant,omitempty"`
	N       int               `json:"n"`
	Figures map[string]Spread `json:"figures"`
}

// spreadWarnPercent is the coefficient of variation above which the
// repetitions disagree enough to say so.
const spreadWarnPercent = 5.0

func spread(xs []float64) Spread {
	s := Spread{N: len(xs)}
	if len(xs) == 0 {
		return s
	}
	for _, x := range xs {
		s.Mean += x
	}
	s.Mean /= float64(len(xs))
	if len(xs) < 2 {
		return s
	}
	var ss float64
	for _, x := range xs {
		ss += (x - s.Mean) * (x - s.Mean)
	}
	std := math.Sqrt(ss / float64(len(xs)-1))
	half := tQuantile95(len(xs)-1) * std / math.Sqrt(float64(len(xs)))
	lo, hi := s.Mean-half, s.Mean+half
	s.Std, s.CI95Low, s.CI95High = &std, &lo, &hi
	if s.Mean != 0 {
		cv := 100 * std / math.Abs(s.Mean)
		s.CVPercent = &cv
	}
	return s
}

// headlineFigures are the figures whose spread repetitions report.
// title is how a report names the figure.
var headlineFigures = []struct {
	name, title string
	get         func(m *analysis.ModelResult) *float64
}{
	{"joules_per_output_token", "J / output token", func(m *analysis.ModelResult) *float64 { return m.JoulesPerOutputToken }},
	{"net_joules_per_output_token", "net J / output token", func(m *analysis.ModelResult) *float64 { return m.NetJoulesPerOutputToken }},
	{"wh_per_1000_queries", "Wh / 1000 queries", func(m *analysis.ModelResult) *float64 { return m.WhPer1000Queries }},
	{"energy_j", "energy J", func(m *analysis.ModelResult) *float64 { return m.EnergyJ }},
	{"output_tokens_per_s", "output tokens/s", func(m *analysis.ModelResult) *float64 { return &m.Throughput.OutputTokensPerS }},
	{"ttft_ms_p50", "TTFT p50 ms", func(m *analysis.ModelResult) *float64 { return p50(&m.Latency.TTFT) }},
	{"e2e_ms_p50", "E2E p50 ms", func(m *analysis.ModelResult) *float64 { return p50(&m.Latency.E2E) }},
}

// A SpreadRow is one figure of a Repeated, named for a reader, in report
// order.
type SpreadRow struct {
	Title string
	Spread
}

// Rows lists the figures r has, in the order reports show them.
func (r Repeated) Rows() []SpreadRow {
	var out []SpreadRow
	for _, f := range headlineFigures {
		if sp, ok := r.Figures[f.name]; ok {
			out = append(out, SpreadRow{f.title, sp})
		}
	}
	return out
}

// Label is the repeated point, as its label would name it without the
// repetition.
func (r Repeated) Label() string {
	if r.Variant == "" {
		return r.Model
	}
	return r.Model + " [" + r.Variant + "]"
}

// printRepetitions writes, per repeated point, each headline figure's
// mean, standard deviation, 95 % confidence interval and CV.
func printRepetitions(w io.Writer, reps []Repeated) {
	fmt.Fprintln(w, "repetitions: mean, sample standard deviation, 95 % confidence interval of the mean (Student's t), CV")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range reps {
		fmt.Fprintf(tw, "%s, %d runs\tmean\tsd\t95 %% CI\tCV\n", r.Label(), r.N)
		for _, row := range r.Rows() {
			ci, cv := "n/a", "n/a"
			if row.CI95Low != nil {
				ci = "[" + short(row.CI95Low) + ", " + short(row.CI95High) + "]"
			}
			if row.CVPercent != nil {
				cv = fixed(*row.CVPercent, 1) + " %"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", row.Title, short(&row.Mean), short(row.Std), ci, cv)
		}
	}
	tw.Flush()
}

// p50 is a distribution's median, nil when it holds no values (a TTFT
// without streaming): a missing figure, not a 0.
func p50(d *analysis.Distribution) *float64 {
	if d.Count == 0 {
		return nil
	}
	return &d.P50
}

// repetitions summarizes each repeated model variant, and warns when a
// headline figure varies by more than spreadWarnPercent between them.
func repetitions(models []analysis.ModelResult) ([]Repeated, []string) {
	groups := map[string][]*analysis.ModelResult{}
	var order []string
	for i := range models {
		p := parseLabel(models[i].Model)
		if p.Repetition == 0 {
			continue
		}
		k := p.pointKey()
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], &models[i])
	}
	var out []Repeated
	var warnings []string
	for _, k := range order {
		ms := groups[k]
		p := parseLabel(ms[0].Model)
		r := Repeated{Model: p.Model, Variant: p.tag(), N: len(ms), Figures: map[string]Spread{}}
		for _, f := range headlineFigures {
			var xs []float64
			for _, m := range ms {
				if v := f.get(m); v != nil && !math.IsNaN(*v) {
					xs = append(xs, *v)
				}
			}
			if len(xs) == 0 {
				continue
			}
			sp := spread(xs)
			r.Figures[f.name] = sp
			if sp.CVPercent != nil && *sp.CVPercent > spreadWarnPercent && strings.Contains(f.name, "joules") {
				warnings = append(warnings, fmt.Sprintf("%s: %s varies by %.1f%% (coefficient of variation) over %d repetitions: more repetitions or longer phases would narrow it", labelOf(p), f.name, *sp.CVPercent, sp.N))
			}
		}
		out = append(out, r)
	}
	return out, warnings
}

func labelOf(p Point) string {
	if t := p.tag(); t != "" {
		return p.Model + " [" + t + "]"
	}
	return p.Model
}

// meanOf is the mean of the non-nil figures, or nil.
func meanOf(ms []*analysis.ModelResult, get func(*analysis.ModelResult) *float64) *float64 {
	var xs []float64
	for _, m := range ms {
		if v := get(m); v != nil && !math.IsNaN(*v) {
			xs = append(xs, *v)
		}
	}
	if len(xs) == 0 {
		return nil
	}
	m := spread(xs).Mean
	return &m
}

// sloTally counts a variant's measured requests that meet the SLOs.
type sloTally struct{ good, goodTokens, completed int }

// add counts r.
func (t *sloTally) add(r trace.Request, slo *rundir.SLO) {
	if r.Phase != trace.PhaseMeasured || !r.OK() {
		return
	}
	t.completed++
	ok := true
	if slo.TTFTMs > 0 {
		if ttft, seen := r.TTFT(); seen {
			ok = ok && ttft*1000 <= slo.TTFTMs
		} else if r.Streamed {
			ok = false
		}
	}
	if tpot, seen := r.TPOT(); slo.TPOTMs > 0 && seen {
		ok = ok && tpot*1000 <= slo.TPOTMs
	}
	if slo.E2EMs > 0 {
		ok = ok && (r.End-r.Start)*1000 <= slo.E2EMs
	}
	if ok {
		t.good++
		t.goodTokens = analysis.SaturatingAdd(t.goodTokens, r.OutputTokens)
	}
}
