package report

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/aienergy/aienergy/analysis"
)

// PrintTable writes the per-model summary a person reads at the end of a
// run. Figures without data print as "n/a", never as zero.
func PrintTable(w io.Writer, s *Summary) {
	if s.Interrupted {
		fmt.Fprintln(w, "INTERRUPTED: figures cover what was measured before the run stopped")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
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
			row("energy", "%s J gross, %s J net  (%s: %s)", fig(m.EnergyJ, 1), fig(m.NetEnergyJ, 1), m.EnergyMethod, strings.Join(m.EnergyBasis, " + "))
			if m.Items > 0 {
				row("J/item", "%s gross, %s net", fig(m.JoulesPerItem, 4), fig(m.NetJoulesPerItem, 4))
			}
			if served {
				row("J/output token", "%s gross, %s net", fig(m.JoulesPerOutputToken, 4), fig(m.NetJoulesPerOutputToken, 4))
				if m.ReasoningTokens > 0 {
					row("J/answer token", "%s gross, %s net  (%d of %d output tokens were reasoning)", fig(m.JoulesPerAnswerToken, 4), fig(m.NetJoulesPerAnswerToken, 4), m.ReasoningTokens, m.OutputTokens)
				}
				row("Wh/1000 queries", "%s gross, %s net", fig(m.WhPer1000Queries, 3), fig(m.NetWhPer1000Queries, 3))
				row("tokens/J", "%s", fig(m.TokensPerJoule, 2))
			}
			row("power", "avg %s W, peak %s W, idle baseline %s W", fig(m.AvgWatts, 1), fig(m.PeakWatts, 1), fig(m.BaselineWatts, 1))
			if m.WallJoules != nil && m.ComponentsJoules != nil {
				row("wall vs components", "%s J wall, %s J components, %s J unattributed", fig(m.WallJoules, 1), fig(m.ComponentsJoules, 1), fig(m.UnattributedJoules, 1))
			}
			row("carbon", "%s g CO2eq, %s g per 1000 queries  (%s)", fig(m.GCO2eq, 4), fig(m.GCO2eqPer1000Queries, 3), carbonLabel(s.Carbon))
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
	if st := s.ServerStartup; st != nil {
		fmt.Fprintln(tw)
		fmt.Fprintf(tw, "server start-up\t%.1f s, %s J (%s), not in any model's figures\n", st.DurationS, fig(st.EnergyJ, 1), st.EnergyMethod)
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
		if mt.Estimate {
			line += ", ESTIMATE"
		}
		if mt.WindowSamples > 0 {
			line += fmt.Sprintf(", %d samples read back from the store", mt.WindowSamples)
		}
		fmt.Fprintf(tw, "%s\t%s\n", label, line)
	}
	tw.Flush()
	for _, warn := range s.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
}

func fig(p *float64, prec int) string {
	if p == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.*f", prec, *p)
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
