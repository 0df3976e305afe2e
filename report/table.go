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
)

// PrintTable writes the per-model summary a person reads at the end of a
// run. Figures without data print as "n/a", never as zero.
func PrintTable(w io.Writer, s *Summary) {
	if s.Interrupted {
		fmt.Fprintln(w, "INTERRUPTED: figures cover what was measured before the run stopped")
	}
	if shape := s.LoadShape(); shape != "" {
		fmt.Fprintf(w, "load: %s\n\n", shape)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	flagged := false // a figure is HighlyUncertain
	pm := func(v, u *float64, prec int) string {
		s, high := plusMinus(v, u, prec, "")
		flagged = flagged || high
		return s
	}
	pmEnergy := func(v, u *float64) string {
		s, high := plusMinusEnergy(v, u)
		flagged = flagged || high
		return s
	}
	for i, m := range s.Models {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		row := func(label, format string, args ...any) {
			fmt.Fprintf(tw, "%s\t"+format+"\n", append([]any{label}, args...)...)
		}
		served := m.Completed+m.Failed > 0
		row("model", "%s", m.Model)
		if served {
			row("requests", "%d completed, %d failed, %.1f s measured", m.Completed, m.Failed, m.DurationS)
			est := ""
			if m.TokensEstimated {
				est = " (estimated: the server sent no usage)"
			}
			row("tokens", "%d in, %d out%s", m.InputTokens, m.OutputTokens, est)
		} else {
			row("measured", "%.1f s", m.DurationS)
		}
		if m.Items > 0 {
			row("items", "%d", m.Items)
		}
		if m.EnergyJ == nil {
			row("energy", "n/a (no meter data)")
		} else {
			row("energy from", "%s: %s", m.EnergyMethod, strings.Join(m.EnergyBasis, " + "))
			// Gross and net side by side, each with its uncertainty; a
			// per-work figure has its energy's relative uncertainty.
			gu, nu := m.EnergyUncertaintyJ, m.NetEnergyUncertaintyJ
			perWork := func(label string, gross, net *float64, prec int) {
				row(label, "%s\t%s", pm(gross, DerivedUncertainty(gross, m.EnergyJ, gu), prec),
					pm(net, DerivedUncertainty(net, m.NetEnergyJ, nu), prec))
			}
			row("", "gross\tnet of idle baseline")
			row("energy", "%s\t%s", pmEnergy(m.EnergyJ, gu), pmEnergy(m.NetEnergyJ, nu))
			if m.Items > 0 {
				perWork("J/item", m.JoulesPerItem, m.NetJoulesPerItem, 4)
			}
			if served {
				perWork("J/output token", m.JoulesPerOutputToken, m.NetJoulesPerOutputToken, 4)
				if m.ReasoningTokens > 0 {
					perWork("J/answer token", m.JoulesPerAnswerToken, m.NetJoulesPerAnswerToken, 4)
				}
				perWork("Wh/1000 queries", m.WhPer1000Queries, m.NetWhPer1000Queries, 3)
				if m.ReasoningTokens > 0 {
					row("reasoning", "%d of %d output tokens", m.ReasoningTokens, m.OutputTokens)
				}
				row("tokens/J", "%s", fig(m.TokensPerJoule, 2))
				if line, ok := requestEnergyLine(s, m.Model); ok {
					row("J/request", "%s", line)
				}
			}
			row("power", "avg %s W, peak %s W, idle baseline %s W", fig(m.AvgWatts, 1), fig(m.PeakWatts, 1), fig(m.BaselineWatts, 1))
			if m.WallJoules != nil && m.ComponentsJoules != nil {
				row("wall vs components", "%s J wall, %s J components, %s J unattributed", fig(m.WallJoules, 1), fig(m.ComponentsJoules, 1), fig(m.UnattributedJoules, 1))
			}
			if served {
				row("carbon", "%s g CO2eq, %s g per 1000 queries  (%s)", fig(m.GCO2eq, 4), fig(m.GCO2eqPer1000Queries, 3), carbonLabel(s.Carbon))
			} else {
				row("carbon", "%s g CO2eq  (%s)", fig(m.GCO2eq, 4), carbonLabel(s.Carbon))
			}
			for _, comp := range slices.Sorted(maps.Keys(m.Components)) {
				for _, cc := range m.Components[comp].CrossChecks {
					row("cross-check", "%s: %s reads %s J (%s%% vs %s)", comp, cc.Meter, fig(cc.EnergyJ, 1), signed(cc.DiffPercent), m.Components[comp].Meter)
				}
			}
		}
		if served {
			row("TTFT ms", "%s", distLine(m.Latency.TTFT))
			row("TPOT ms", "%s", distLine(m.Latency.TPOT))
			row("ITL ms", "%s", distLine(m.Latency.ITL))
			row("E2E ms", "%s", distLine(m.Latency.E2E))
			row("throughput", "%.2f req/s, %.1f output tok/s, concurrency %.2f achieved", m.Throughput.RequestsPerS, m.Throughput.OutputTokensPerS, m.Throughput.AchievedConcurrency)
		}
		for _, warn := range m.Warnings {
			row("warning", "%s", warn)
		}
	}
	tw.Flush()
	printVariants(w, s)
	if st := s.ServerStartup; st != nil {
		fmt.Fprintln(tw)
		fmt.Fprintf(tw, "server start-up\t%.1f s, %s (%s), not in any model's figures\n", st.DurationS, pmEnergy(st.EnergyJ, st.EnergyUncertaintyJ), st.EnergyMethod)
	}
	if len(s.Meters) > 0 {
		fmt.Fprintln(tw)
	}
	for _, mt := range s.Meters {
		label := fmt.Sprintf("meter %s", mt.Name)
		if mt.Error != "" {
			fmt.Fprintf(tw, "%s\tnot used: %s\n", label, mt.Error)
			continue
		}
		line := fmt.Sprintf("%s, %.1f Hz achieved, updates every %.3f s, %d reads, %d errors, %d gaps (longest %.2f s)",
			mt.Type, mt.AchievedHz, mt.UpdateIntervalS, mt.Reads, mt.Errors, mt.Gaps, mt.MaxGapS)
		if mt.StatsFrom != "" {
			// Errors and the update interval leave no trace in the
			// readings: show only what they tell.
			line = fmt.Sprintf("%s, %.1f Hz achieved, %d reads, %d gaps (longest %.2f s) (from %s, run cut off)",
				mt.Type, mt.AchievedHz, mt.Reads, mt.Gaps, mt.MaxGapS, mt.StatsFrom)
		}
		if mt.Estimate {
			line += ", ESTIMATE"
		}
		if mt.WindowSamples > 0 {
			line += fmt.Sprintf(", %d samples read back from the store", mt.WindowSamples)
		}
		fmt.Fprintf(tw, "%s\t%s\n", label, line)
	}
	tw.Flush()
	if flagged {
		fmt.Fprintf(w, "! uncertainty above %g %%: see warnings\n", 100*analysis.UncertaintyWarnFraction)
	}
	for _, warn := range s.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
}

// requestEnergyLine is a model's J per request on the basis its shares
// are of, and the shares: "p50 4.06  p90 7.90  p99 12.0 (net; prefill
// 12 %, decode 88 %)". false when the model has no per-request energy.
func requestEnergyLine(s *Summary, model string) (string, bool) {
	for _, re := range s.RequestEnergy {
		if re.Model != model {
			continue
		}
		d := re.JoulesPerRequest
		if re.Basis == "net" {
			d = re.NetJoulesPerRequest
		}
		if d.Count == 0 {
			return "n/a (no request succeeded wholly inside the window)", true
		}
		how := re.Basis
		if re.PrefillShare != nil && re.DecodeShare != nil {
			how += fmt.Sprintf("; prefill %s %%, decode %s %%", sharePercent(*re.PrefillShare), sharePercent(*re.DecodeShare))
		}
		return fmt.Sprintf("p50 %s  p90 %s  p99 %s (%s)", sig3(d.P50), sig3(d.P90), sig3(d.P99), how), true
	}
	return "", false
}

// sig3 writes v to three significant digits: 4.06, 12.0, 241, 0.0756.
func sig3(v float64) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return fixed(v, 0)
	}
	// The exponent after rounding: 9.996 is 10.0, not 10.00.
	e := strconv.FormatFloat(v, 'e', 2, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	return fixed(v, max(2-exp, 0))
}

// sharePercent writes a share as a percentage: 88, 9.3, 0.42.
func sharePercent(f float64) string {
	p := 100 * f
	switch {
	case math.Abs(p) >= 9.95 || p == 0:
		return fixed(p, 0)
	case math.Abs(p) >= 0.995:
		return fixed(p, 1)
	}
	return fixed(p, 2)
}

// DerivedUncertainty is the uncertainty of a figure derived from an
// energy (J per token, Wh per 1000 queries, g CO2eq): the energy's
// relative uncertainty times the figure. nil when any is unknown, or the
// energy is zero.
func DerivedUncertainty(figure, energy, energyU *float64) *float64 {
	if figure == nil || energy == nil || energyU == nil || *energy == 0 {
		return nil
	}
	u := math.Abs(*figure / *energy * *energyU)
	return &u
}

// HighlyUncertain tells whether u is above
// analysis.UncertaintyWarnFraction of v, as the analysis warns: a figure
// of zero always is.
func HighlyUncertain(v, u *float64) bool {
	return v != nil && u != nil && !(*v != 0 && *u <= analysis.UncertaintyWarnFraction*math.Abs(*v))
}

// plusMinus formats v ± u with prec decimals and unit, "6.9602 ± 0.0349";
// u gets two significant digits where prec would round it to zero. A
// unit adds the relative uncertainty: "41.23 kJ ± 0.61 kJ (1.5 %)".
// " !" and high mark a highly uncertain figure (HighlyUncertain).
// Without u it is v alone, without v "n/a".
func plusMinus(v, u *float64, prec int, unit string) (s string, high bool) {
	if unit != "" {
		unit = " " + unit
	}
	if v == nil {
		return "n/a", false
	}
	s = fixed(*v, prec) + unit
	if u == nil {
		return s, false
	}
	uprec := prec
	if *u > 0 && *u < 0.5*math.Pow10(-prec) {
		uprec = min(1-int(math.Floor(math.Log10(*u))), 12)
	}
	s += fmt.Sprintf(" ± %.*f%s", uprec, *u, unit)
	if unit != "" && *v != 0 {
		s += " (" + UncertaintyPercent(*u/math.Abs(*v)) + ")"
	}
	if high = HighlyUncertain(v, u); high {
		s += " !"
	}
	return s, high
}

// plusMinusEnergy is plusMinus for an energy in J, kJ or MJ, to four
// significant digits of the larger of the figure and its uncertainty.
func plusMinusEnergy(v, u *float64) (string, bool) {
	if v == nil {
		return plusMinus(nil, nil, 0, "")
	}
	top := math.Abs(*v)
	if u != nil {
		top = math.Max(top, *u)
	}
	scale, unit := 1.0, "J"
	switch {
	case top >= 1e6:
		scale, unit = 1e6, "MJ"
	case top >= 1e3:
		scale, unit = 1e3, "kJ"
	}
	// Below a millijoule no meter tells a figure from zero: three
	// decimals, so that a net energy of −1e−12 J reads 0.000 J, not
	// 0.000000000 J.
	prec := 3
	if top >= 1e-3 {
		prec = min(max(3-int(math.Floor(math.Log10(top/scale))), 0), 9)
	}
	sv := *v / scale
	var su *float64
	if u != nil {
		su = new(*u / scale)
	}
	return plusMinus(&sv, su, prec, unit)
}

// UncertaintyPercent formats a relative uncertainty as a percentage,
// rounded up as uncertainties are, to one decimal or, below 0.1 %, two
// significant digits: "1.5 %", "0.042 %". 2.04 % reads 2.1 %, never a
// 2.0 % that seems within a 2 % limit.
func UncertaintyPercent(f float64) string {
	p := 100 * f
	d := 1
	if p > 0 && p < 0.1 {
		d = min(1-int(math.Floor(math.Log10(p))), 9)
	}
	scale := math.Pow10(d)
	p = max(math.Ceil(p*scale-1e-6)/scale, 0) // less 1e-6: 2.0000000000000004 is 2
	return strconv.FormatFloat(p, 'f', d, 64) + " %"
}

func fig(p *float64, prec int) string {
	if p == nil {
		return "n/a"
	}
	return fixed(*p, prec)
}

// printVariants writes what the run's variants were for, after the
// models: the sweep's curve, the spread of repetitions, the prefill/decode
// split and how an open-loop schedule was kept.
func printVariants(w io.Writer, s *Summary) {
	section := func(print func()) {
		fmt.Fprintln(w)
		print()
	}
	if s.Sweep != nil && len(s.Sweep.Points) > 0 {
		section(func() { printSweep(w, s.Sweep) })
	}
	if len(s.Repetitions) > 0 {
		section(func() { printRepetitions(w, s.Repetitions) })
	}
	if len(s.PrefillDecode) > 0 {
		section(func() { printPrefillDecode(w, s.PrefillDecode) })
	}
	if len(s.RateStats) > 0 {
		section(func() { printRateStats(w, s.RateStats) })
	}
}

// printRateStats writes how each open-loop schedule was kept: the rate
// asked for, drawn and achieved, and how late requests were sent (send
// lag) or waited for a free slot (client queue), in ms.
func printRateStats(w io.Writer, stats []rundir.RateStats) {
	fmt.Fprintln(w, "open-loop load: rates in req/s, send lag and client queue in ms (p50 / p99 / max)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "point\trequested\tscheduled\tachieved\tsent\tqueued\tsend lag\tqueue")
	for _, st := range stats {
		sent := strconv.Itoa(st.Requests)
		if st.Unsent > 0 {
			sent += fmt.Sprintf(" (%d unsent)", st.Unsent)
		}
		fmt.Fprintln(tw, strings.Join([]string{st.Model, short(&st.RequestedRPS), short(st.ScheduledRPS), short(st.AchievedRPS),
			sent, strconv.Itoa(st.Queued), spread3(st.LagMs.P50, st.LagMs.P99, st.LagMs.Max),
			spread3(st.QueueMs.P50, st.QueueMs.P99, st.QueueMs.Max)}, "\t"))
	}
	tw.Flush()
}

func spread3(a, b, c float64) string {
	return short(&a) + " / " + short(&b) + " / " + short(&c)
}

func distLine(d analysis.Distribution) string {
	if d.Count == 0 {
		return "n/a"
	}
	return fmt.Sprintf("mean %.1f  p50 %.1f  p90 %.1f  p99 %.1f  (n=%d)", d.Mean, d.P50, d.P90, d.P99, d.Count)
}

func carbonLabel(c analysis.Carbon) string {
	label := fmt.Sprintf("%.0f g/kWh", c.GCO2eqPerKWh)
	if c.Region != "" {
		label = fmt.Sprintf("%s %d, %s", c.Region, c.Year, label)
	}
	return fmt.Sprintf("%s, PUE %g", label, c.PUE)
}

func signed(p *float64) string {
	if p == nil {
		return "n/a"
	}
	return fmt.Sprintf("%+.1f", *p)
}
