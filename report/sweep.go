package report

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// SweepPoint is one load point of a model (mean over its repetitions):
// the energy-vs-latency curve is the list of them.
type SweepPoint struct {
	Point
	Repetitions             int      `json:"repetitions"`
	JoulesPerOutputToken    *float64 `json:"joules_per_output_token"`
	NetJoulesPerOutputToken *float64 `json:"net_joules_per_output_token"`
	WhPer1000Queries        *float64 `json:"wh_per_1000_queries"`
	OutputTokensPerS        float64  `json:"output_tokens_per_s"`
	TTFTMsP50               *float64 `json:"ttft_ms_p50"` // null without streaming
	TPOTMsP50               *float64 `json:"tpot_ms_p50"`
	E2EMsP50                float64  `json:"e2e_ms_p50"`
	E2EMsP99                float64  `json:"e2e_ms_p99"`
	// On the Pareto front of J per output token vs median end-to-end
	// latency, among the model's points: no other point is better in both.
	ParetoFront bool `json:"pareto_front"`
	// With SLOs: the share of requests meeting every objective, goodput
	// (good output tokens per second) and J per good output token.
	SLOAttainment      *float64 `json:"slo_attainment,omitempty"`
	GoodputTokensPerS  *float64 `json:"goodput_tokens_per_s,omitempty"`
	JoulesPerGoodToken *float64 `json:"joules_per_good_token,omitempty"`
	MeetsSLO           *bool    `json:"meets_slo,omitempty"`
}

// SweepResult is the energy-vs-latency curve of each model.
type SweepResult struct {
	Points []SweepPoint `json:"points"`
	SLO    *rundir.SLO  `json:"slo,omitempty"`
	// MinAttainment is the share of good requests a point needs to meet
	// the SLOs.
	MinAttainment float64 `json:"min_attainment,omitempty"`
	// Best names, per model, the most energy-efficient point: the lowest J
	// per good token among points meeting the SLOs, or without SLOs the
	// lowest J per output token on the Pareto front.
	Best map[string]string `json:"best"`
}

// minAttainment: a point meets the SLOs when at least this share of its
// requests do (DistServe's 90 % attainment).
const minAttainment = 0.9

// sweep builds the curve from every non-prefill variant with a load
// point; nil when the run was not a sweep.
func sweep(models []analysis.ModelResult, reqs trace.Requests, slo *rundir.SLO) (*SweepResult, error) {
	byKey := map[string][]*analysis.ModelResult{}
	var order []string
	for i := range models {
		p := parseLabel(models[i].Model)
		if p.Prefill || (p.Concurrency == 0 && p.RateRPS == 0 && p.PowerLimitW == 0 && p.ClockMHz == 0) {
			continue
		}
		k := p.pointKey()
		if _, ok := byKey[k]; !ok {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], &models[i])
	}
	if len(order) == 0 {
		return nil, nil
	}
	byLabel := map[string]*sloTally{}
	if slo != nil && reqs != nil {
		if err := reqs.Each(func(r trace.Request) error {
			t := byLabel[r.Model]
			if t == nil {
				t = &sloTally{}
				byLabel[r.Model] = t
			}
			t.add(r, slo)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	res := &SweepResult{SLO: slo, Best: map[string]string{}}
	if slo != nil {
		res.MinAttainment = minAttainment
	}
	for _, k := range order {
		ms := byKey[k]
		p := parseLabel(ms[0].Model)
		p.Label, p.Repetition = labelOf(p), 0
		sp := SweepPoint{Point: p, Repetitions: len(ms)}
		sp.JoulesPerOutputToken = meanOf(ms, func(m *analysis.ModelResult) *float64 { return m.JoulesPerOutputToken })
		sp.NetJoulesPerOutputToken = meanOf(ms, func(m *analysis.ModelResult) *float64 { return m.NetJoulesPerOutputToken })
		sp.WhPer1000Queries = meanOf(ms, func(m *analysis.ModelResult) *float64 { return m.WhPer1000Queries })
		mean := func(get func(*analysis.ModelResult) float64) float64 {
			v := meanOf(ms, func(m *analysis.ModelResult) *float64 { x := get(m); return &x })
			return *v
		}
		sp.OutputTokensPerS = mean(func(m *analysis.ModelResult) float64 { return m.Throughput.OutputTokensPerS })
		sp.TTFTMsP50 = meanOf(ms, func(m *analysis.ModelResult) *float64 { return p50(&m.Latency.TTFT) })
		sp.TPOTMsP50 = meanOf(ms, func(m *analysis.ModelResult) *float64 { return p50(&m.Latency.TPOT) })
		sp.E2EMsP50 = mean(func(m *analysis.ModelResult) float64 { return m.Latency.E2E.P50 })
		sp.E2EMsP99 = mean(func(m *analysis.ModelResult) float64 { return m.Latency.E2E.P99 })
		if slo != nil {
			var good, goodTokens, completed int
			var energy, duration float64
			haveEnergy := true
			for _, m := range ms {
				if t := byLabel[m.Model]; t != nil {
					good, goodTokens, completed = good+t.good, analysis.SaturatingAdd(goodTokens, t.goodTokens), completed+t.completed
				}
				duration += m.DurationS
				if m.EnergyJ == nil {
					haveEnergy = false
				} else {
					energy += *m.EnergyJ
				}
			}
			if completed > 0 {
				att := float64(good) / float64(completed)
				meets := att >= minAttainment
				sp.SLOAttainment, sp.MeetsSLO = &att, &meets
			}
			if duration > 0 {
				gp := float64(goodTokens) / duration
				sp.GoodputTokensPerS = &gp
			}
			if haveEnergy && goodTokens > 0 {
				j := energy / float64(goodTokens)
				sp.JoulesPerGoodToken = &j
			}
		}
		res.Points = append(res.Points, sp)
	}
	markFront(res.Points)
	pickBest(res)
	return res, nil
}

// markFront marks, per model, the points no other point beats in both J
// per output token and median end-to-end latency.
func markFront(points []SweepPoint) {
	for i := range points {
		a := &points[i]
		if a.JoulesPerOutputToken == nil {
			continue
		}
		a.ParetoFront = true
		for j := range points {
			b := &points[j]
			if i == j || b.Model != a.Model || b.JoulesPerOutputToken == nil {
				continue
			}
			ja, jb := *a.JoulesPerOutputToken, *b.JoulesPerOutputToken
			if jb <= ja && b.E2EMsP50 <= a.E2EMsP50 && (jb < ja || b.E2EMsP50 < a.E2EMsP50) {
				a.ParetoFront = false
				break
			}
		}
	}
}

func pickBest(res *SweepResult) {
	best := map[string]float64{}
	for _, p := range res.Points {
		var score *float64
		switch {
		case res.SLO != nil:
			if p.MeetsSLO != nil && *p.MeetsSLO {
				score = p.JoulesPerGoodToken
			}
		case p.ParetoFront:
			score = p.JoulesPerOutputToken
		}
		if score == nil {
			continue
		}
		if cur, ok := best[p.Model]; !ok || *score < cur {
			best[p.Model] = *score
			res.Best[p.Model] = p.Label
		}
	}
}

// sweepTable is sweep.csv: the curve, one row per point.
func sweepTable(res *SweepResult) *table {
	t := &table{header: []string{"model", "label", "power_limit_w", "clock_mhz", "concurrency", "rate_rps", "repetitions",
		"joules_per_output_token", "net_joules_per_output_token", "wh_per_1000_queries", "output_tokens_per_s",
		"ttft_ms_p50", "tpot_ms_p50", "e2e_ms_p50", "e2e_ms_p99", "pareto_front",
		"slo_attainment", "goodput_tokens_per_s", "joules_per_good_token", "meets_slo", "best"}}
	for _, p := range res.Points {
		meets := ""
		if p.MeetsSLO != nil {
			meets = strconv.FormatBool(*p.MeetsSLO)
		}
		rate := ""
		if p.RateRPS > 0 {
			rate = f64(p.RateRPS)
		}
		conc := ""
		if p.Concurrency > 0 {
			conc = strconv.Itoa(p.Concurrency)
		}
		capW, clock := "", ""
		if p.PowerLimitW > 0 {
			capW = f64(p.PowerLimitW)
		}
		if p.ClockMHz > 0 {
			clock = strconv.Itoa(p.ClockMHz)
		}
		t.add(p.Model, p.Label, capW, clock, conc, rate, strconv.Itoa(p.Repetitions),
			num(p.JoulesPerOutputToken), num(p.NetJoulesPerOutputToken), num(p.WhPer1000Queries), f64(p.OutputTokensPerS),
			num(p.TTFTMsP50), num(p.TPOTMsP50), f64(p.E2EMsP50), f64(p.E2EMsP99), strconv.FormatBool(p.ParetoFront),
			num(p.SLOAttainment), num(p.GoodputTokensPerS), num(p.JoulesPerGoodToken), meets,
			strconv.FormatBool(res.Best[p.Model] == p.Label))
	}
	return t
}

// PrefillDecode splits a point's energy the way optimum-benchmark's
// energy_star scenario does: a run with one output token measures prefill;
// decode is the full run minus it.
type PrefillDecode struct {
	Model   string `json:"model"`
	Variant string `json:"variant,omitempty"`
	// Per request: the prefill-only run's energy, the full run's, and
	// their difference, the decode.
	PrefillJoulesPerRequest *float64 `json:"prefill_joules_per_request"`
	FullJoulesPerRequest    *float64 `json:"full_joules_per_request"`
	DecodeJoulesPerRequest  *float64 `json:"decode_joules_per_request"`
	// Decode energy per output token after the first.
	DecodeJoulesPerToken *float64 `json:"decode_joules_per_token"`
	// The same from net (baseline-subtracted) energy.
	NetPrefillJoulesPerRequest *float64 `json:"net_prefill_joules_per_request"`
	NetDecodeJoulesPerToken    *float64 `json:"net_decode_joules_per_token"`
}

// prefillDecode pairs each prefill-only variant with its full run.
func prefillDecode(models []analysis.ModelResult) []PrefillDecode {
	pre := map[string][]*analysis.ModelResult{}
	full := map[string][]*analysis.ModelResult{}
	var order []string // the points in run order, as the sweep lists them
	for i := range models {
		p := parseLabel(models[i].Model)
		wasPrefill := p.Prefill
		p.Prefill = false
		k := p.pointKey()
		if wasPrefill {
			if _, seen := pre[k]; !seen {
				order = append(order, k)
			}
			pre[k] = append(pre[k], &models[i])
		} else {
			full[k] = append(full[k], &models[i])
		}
	}
	var out []PrefillDecode
	for _, k := range order {
		f, ok := full[k]
		if !ok {
			continue
		}
		p := parseLabel(pre[k][0].Model)
		p.Prefill = false
		pd := PrefillDecode{Model: p.Model, Variant: p.tag()}
		perRequest := func(ms []*analysis.ModelResult, get func(*analysis.ModelResult) *float64) *float64 {
			return meanOf(ms, func(m *analysis.ModelResult) *float64 {
				e := get(m)
				if e == nil || m.Completed == 0 {
					return nil
				}
				v := *e / float64(m.Completed)
				return &v
			})
		}
		gross := func(m *analysis.ModelResult) *float64 { return m.EnergyJ }
		net := func(m *analysis.ModelResult) *float64 { return m.NetEnergyJ }
		pd.PrefillJoulesPerRequest = perRequest(pre[k], gross)
		pd.FullJoulesPerRequest = perRequest(f, gross)
		pd.NetPrefillJoulesPerRequest = perRequest(pre[k], net)
		decodeTokens := meanOf(f, func(m *analysis.ModelResult) *float64 {
			if m.Completed == 0 {
				return nil
			}
			v := float64(m.OutputTokens-m.Completed) / float64(m.Completed)
			return &v
		})
		decode := func(prefill, fullPer *float64) (perReq, perTok *float64) {
			if prefill == nil || fullPer == nil {
				return nil, nil
			}
			d := *fullPer - *prefill
			perReq = &d
			if decodeTokens != nil && *decodeTokens > 0 {
				t := d / *decodeTokens
				perTok = &t
			}
			return perReq, perTok
		}
		pd.DecodeJoulesPerRequest, pd.DecodeJoulesPerToken = decode(pd.PrefillJoulesPerRequest, pd.FullJoulesPerRequest)
		_, pd.NetDecodeJoulesPerToken = decode(pd.NetPrefillJoulesPerRequest, perRequest(f, net))
		out = append(out, pd)
	}
	return out
}

// LoadShape says what load the run applied, for a report's header: the
// sweep's points where it had some ("concurrency 1, 4, 16"), never the
// configured load.concurrency that none of them ran at; else the
// configured load. Repetitions and prefill-only runs are named too. ""
// for a measured command, which applied no load.
func (s *Summary) LoadShape() string {
	var conc, rates, stages []string
	reps, prefill := 0, false
	for _, m := range s.Models {
		p := parseLabel(m.Model)
		if p.Concurrency > 0 {
			conc = appendNew(conc, strconv.Itoa(p.Concurrency))
		}
		if p.RateRPS > 0 {
			rates = appendNew(rates, strconv.FormatFloat(p.RateRPS, 'g', -1, 64))
		}
		if p.Stage != "" {
			stages = appendNew(stages, p.Stage)
		}
		reps, prefill = max(reps, p.Repetition), prefill || p.Prefill
	}
	// A list of more than one value is a sweep: "concurrency sweep 1, 4".
	list := func(what string, values []string, unit string) string {
		if len(values) > 1 {
			what += " sweep"
		}
		return what + " " + strings.Join(values, ", ") + unit
	}
	var parts []string
	if len(stages) > 0 {
		parts = append(parts, "stages "+strings.Join(stages, ", "))
	}
	if len(conc) > 0 {
		parts = append(parts, list("concurrency", conc, ""))
	}
	if len(rates) > 0 {
		parts = append(parts, list("rate", rates, " req/s"))
	}
	shape := strings.Join(parts, "; ")
	switch {
	case shape != "":
	case s.Load.Mode == "command" || s.Load.Mode == "":
		return ""
	case s.Load.Mode == "sequential":
		shape = "sequential (one request at a time)"
	case s.Load.Mode == "rate":
		shape = fmt.Sprintf("rate %g req/s", s.Load.RateRPS)
	default:
		shape = fmt.Sprintf("concurrency %d", s.Load.Concurrency)
	}
	if len(rates) > 0 || s.Load.Mode == "rate" {
		if s.Load.Arrival != "" {
			shape += ", " + s.Load.Arrival + " arrivals"
		}
		if s.Load.MaxConcurrency > 0 {
			shape += fmt.Sprintf(", at most %d in flight", s.Load.MaxConcurrency)
		}
	}
	switch {
	case s.Load.DurationS > 0:
		shape += fmt.Sprintf(", %g s per run", s.Load.DurationS)
	case s.Load.Requests > 0:
		shape += fmt.Sprintf(", %d requests per run", s.Load.Requests)
	}
	if reps > 1 {
		shape += fmt.Sprintf(", %d repetitions", reps)
	}
	if prefill {
		shape += ", with prefill-only runs"
	}
	return shape
}

func appendNew(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// printSweep writes the energy-vs-latency curve as a compact table: one
// row per point, the Pareto front starred, the best point marked; with
// SLOs, each point's attainment, goodput and J per good token.
func printSweep(w io.Writer, res *SweepResult) {
	fmt.Fprintln(w, "sweep: energy vs latency, one row per load point (latencies in ms; * on the Pareto front)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "point\tJ/tok\tnet\ttok/s\tTTFT\tE2E p50\tp99"
	if res.SLO != nil {
		head += "\tSLO met\tgoodput\tJ/good"
	}
	fmt.Fprintln(tw, head)
	oneModel := sweepModels(res) == 1
	for _, p := range res.Points {
		name := p.Label
		if oneModel {
			name = p.tag()
		}
		if p.ParetoFront {
			name += " *"
		}
		row := []string{name, short(p.JoulesPerOutputToken), short(p.NetJoulesPerOutputToken), short(&p.OutputTokensPerS),
			short(p.TTFTMsP50), short(&p.E2EMsP50), short(&p.E2EMsP99)}
		if res.SLO != nil {
			met := "n/a"
			if p.SLOAttainment != nil {
				met = strconv.FormatFloat(100**p.SLOAttainment, 'f', 0, 64) + " %"
			}
			row = append(row, met, short(p.GoodputTokensPerS), short(p.JoulesPerGoodToken))
		}
		if res.Best[p.Model] == p.Label {
			row = append(row, "best")
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
	if res.SLO != nil {
		fmt.Fprintf(w, "SLOs: %s; a point meets them when at least %.0f %% of its requests do\n", SLOText(res.SLO), 100*res.MinAttainment)
	}
	for _, model := range slices.Sorted(maps.Keys(res.Best)) {
		fmt.Fprintf(w, "best: %s, %s\n", res.Best[model], res.BestReason())
	}
}

// BestReason says how the best point was chosen.
func (r *SweepResult) BestReason() string {
	if r.SLO != nil {
		return "the lowest J per good token among the points meeting the SLOs"
	}
	return "the lowest J per output token on the Pareto front"
}

func sweepModels(res *SweepResult) int {
	seen := map[string]bool{}
	for _, p := range res.Points {
		seen[p.Model] = true
	}
	return len(seen)
}

// printPrefillDecode writes the prefill/decode split of each point.
func printPrefillDecode(w io.Writer, pds []PrefillDecode) {
	fmt.Fprintln(w, "prefill / decode: one-token runs measure prefill; decode is the full run minus it")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "point\tprefill J/req\tdecode J/req\tdecode J/tok\tnet prefill J/req\tnet decode J/tok")
	for _, pd := range pds {
		fmt.Fprintln(tw, strings.Join([]string{pd.Label(), short(pd.PrefillJoulesPerRequest), short(pd.DecodeJoulesPerRequest),
			short(pd.DecodeJoulesPerToken), short(pd.NetPrefillJoulesPerRequest), short(pd.NetDecodeJoulesPerToken)}, "\t"))
	}
	tw.Flush()
}

// Label is the point the split belongs to, as its label would name it.
func (pd PrefillDecode) Label() string {
	if pd.Variant == "" {
		return pd.Model
	}
	return pd.Model + " [" + pd.Variant + "]"
}

// SLOText lists the objectives: "TTFT ≤ 200 ms, E2E ≤ 1000 ms".
func SLOText(slo *rundir.SLO) string {
	var parts []string
	for _, o := range []struct {
		name string
		ms   float64
	}{{"TTFT", slo.TTFTMs}, {"TPOT", slo.TPOTMs}, {"E2E", slo.E2EMs}} {
		if o.ms > 0 {
			parts = append(parts, fmt.Sprintf("%s ≤ %g ms", o.name, o.ms))
		}
	}
	return strings.Join(parts, ", ")
}

// short formats a figure to four significant digits, "n/a" without data.
func short(v *float64) string {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return "n/a"
	}
	if *v == 0 {
		return "0"
	}
	return fixed(*v, max(3-int(math.Floor(math.Log10(math.Abs(*v)))), 0))
}

// fixed formats v with prec decimals, never as a negative zero: a net
// figure of −1e−12 J is 0.0000, not −0.0000.
func fixed(v float64, prec int) string {
	prec = min(prec, 9)
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.HasPrefix(s, "-") && strings.Trim(s[1:], "0.") == "" {
		return s[1:]
	}
	return s
}
