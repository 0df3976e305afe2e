package compare

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// num writes a figure for people: three significant digits, no exponent
// for the magnitudes a leaderboard holds; "-" when missing.
func num(v *float64) string {
	if v == nil {
		return "-"
	}
	return numf(*v)
}

func numf(x float64) string {
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	decimals := max(0, 2-int(math.Floor(math.Log10(math.Abs(x)))))
	if decimals > 9 {
		return strconv.FormatFloat(x, 'g', 3, 64)
	}
	return strconv.FormatFloat(x, 'f', decimals, 64)
}

// exact writes a figure for machines: shortest round-trip form; "" when
// missing, so a CSV reader sees an empty cell, never a zero.
func exact(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

// starString draws a rating: ★★★☆☆; "-" when not rated.
func starString(n int) string {
	if n < 1 || n > 5 {
		return "-"
	}
	return strings.Repeat("★", n) + strings.Repeat("☆", 5-n)
}

// ratedOn says what a row's stars rate: "27.8 gpu Wh/1000q".
func ratedOn(r Row) string {
	if r.StarValue == nil {
		return "-"
	}
	return numf(*r.StarValue) + " " + r.StarMetric
}

// paramString writes a parameter count: "8B", "0.5B", "135M".
func paramString(p *float64) string {
	if p == nil {
		return "-"
	}
	if *p >= 1e9 {
		return strconv.FormatFloat(*p/1e9, 'g', 4, 64) + "B"
	}
	return strconv.FormatFloat(*p/1e6, 'g', 4, 64) + "M"
}

// latencyName describes the front's latency axis.
func latencyName(latency string) string {
	if latency == LatencyTTFT {
		return "median time to first token (ms)"
	}
	return "median end-to-end latency (ms)"
}

func groupLine(g Group) string {
	return fmt.Sprintf("%s; energy: %s; runs %s", g.Hardware, g.Energy, strings.Join(g.Runs, ", "))
}

// column is one column of the text and Markdown tables.
type column struct {
	head string
	cell func(Row) string
}

// tableColumns are the human tables' columns; J/item only when a row has it.
func (lb *Leaderboard) tableColumns() []column {
	cols := []column{
		{"TASK", func(r Row) string { return r.Task }},
		{"GRP", func(r Row) string { return strconv.Itoa(r.Group) }},
		{"MODEL", func(r Row) string { return r.Model }},
		{"RUN", func(r Row) string { return r.RunID }},
		{"STARS", func(r Row) string { return starString(r.Stars) }},
		{"RATED ON", ratedOn},
		{"J/OUT TOK", func(r Row) string { return num(r.JoulesPerOutputToken) }},
		{"NET J/OUT TOK", func(r Row) string { return num(r.NetJoulesPerOutputToken) }},
		{"Wh/1000Q", func(r Row) string { return num(r.WhPer1000Queries) }},
		{"gCO2eq/1000Q", func(r Row) string { return num(r.GCO2eqPer1000Queries) }},
	}
	for _, r := range lb.Rows {
		if r.JoulesPerItem != nil {
			cols = append(cols, column{"J/ITEM", func(r Row) string { return num(r.JoulesPerItem) }})
			break
		}
	}
	cols = append(cols,
		column{"TTFT P50 ms", func(r Row) string { return num(r.TTFTP50ms) }},
		column{"TTFT P99 ms", func(r Row) string { return num(r.TTFTP99ms) }},
		column{"E2E P50 ms", func(r Row) string { return num(r.E2EP50ms) }},
		column{"OUT TOK/s", func(r Row) string { return num(r.OutputTokensPerS) }},
		column{"FRONT", func(r Row) string {
			if r.Pareto {
				return "*"
			}
			return ""
		}},
		column{"SIZE", func(r Row) string { return paramString(r.Params) }},
		column{"METHOD", func(r Row) string { return dash(r.EnergyMethod) }},
		column{"METERS", func(r Row) string { return dash(strings.Join(r.Meters, ", ")) }},
	)
	return cols
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
