package report

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/load"
	"github.com/aienergy/aienergy/rundir"
)

func f64p(v float64) *float64 { return &v }

// tableModel is a model of 1000 requests and 1000 output tokens: 41 234 J
// gross ± 600 J (1.46 %), 30 000 J net ± 900 J (3 %, past the warning).
// By hand, per-work figures have their energy's relative uncertainty:
//
//	J/output token 41.234 ± 0.6, net 30 ± 0.9
//	Wh/1000 queries 41234/1000/3.6 = 11.454 ± 0.6/3.6 = 0.167; net 8.333 ± 0.25
func tableModel() analysis.ModelResult {
	return analysis.ModelResult{
		Model: "m", RequestCounts: analysis.RequestCounts{Completed: 1000, OutputTokens: 1000}, DurationS: 60,
		EnergyMethod: "counter", EnergyBasis: []string{"nvml/gpu0"},
		EnergyJ: f64p(41234), EnergyUncertaintyJ: f64p(600),
		NetEnergyJ: f64p(30000), NetEnergyUncertaintyJ: f64p(900),
		JoulesPerOutputToken: f64p(41.234), NetJoulesPerOutputToken: f64p(30),
		WhPer1000Queries: f64p(41234.0 / 1000 / 3.6), NetWhPer1000Queries: f64p(30000.0 / 1000 / 3.6),
	}
}

func printTable(m analysis.ModelResult) string {
	var b bytes.Buffer
	PrintTable(&b, &Summary{Models: []analysis.ModelResult{m}})
	return b.String()
}

func TestTableShowsUncertainty(t *testing.T) {
	out := printTable(tableModel())
	for _, want := range []string{
		"41.23 kJ ± 0.60 kJ (1.5 %)",
		"30.00 kJ ± 0.90 kJ (3.0 %) !",
		"41.2340 ± 0.6000 ",
		"30.0000 ± 0.9000 !",
		"11.454 ± 0.167 ",
		"8.333 ± 0.250 !",
		"! uncertainty above 2 %: see warnings",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "41.23 kJ ± 0.60 kJ (1.5 %) !") {
		t.Errorf("gross energy within 2 %% marked:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(line); n > 80 {
			t.Errorf("%d columns: %q", n, line)
		}
	}
}

// Without an uncertainty a figure is shown alone: nothing claims it is
// exact, and nothing is marked.
func TestTableWithoutUncertainty(t *testing.T) {
	m := tableModel()
	m.EnergyUncertaintyJ, m.NetEnergyUncertaintyJ = nil, nil
	out := printTable(m)
	if strings.Contains(out, "±") || strings.Contains(out, "!") {
		t.Errorf("uncertainty shown though unknown:\n%s", out)
	}
	if !strings.Contains(out, "41.23 kJ") || !strings.Contains(out, "41.2340") {
		t.Errorf("figures missing:\n%s", out)
	}
}

func TestPlusMinusEnergy(t *testing.T) {
	for _, tc := range []struct {
		v, u *float64
		want string
		high bool
	}{
		{f64p(1500), f64p(12), "1.500 kJ ± 0.012 kJ (0.8 %)", false},
		{f64p(15), f64p(0.00002), "15.00 J ± 0.000020 J (0.00014 %)", false},
		{f64p(2.5e6), f64p(360e3), "2.500 MJ ± 0.360 MJ (14.4 %) !", true},
		// A coarse counter that did not move: the uncertainty sets the scale.
		{f64p(0), f64p(360e3), "0.0 kJ ± 360.0 kJ !", true},
		{f64p(-40), f64p(0.5), "-40.00 J ± 0.50 J (1.3 %)", false},
		{f64p(1500), nil, "1.500 kJ", false},
		{nil, f64p(1), "n/a", false},
	} {
		got, high := plusMinusEnergy(tc.v, tc.u)
		if got != tc.want || high != tc.high {
			t.Errorf("plusMinusEnergy(%v, %v) = %q, %v; want %q, %v", deref(tc.v), deref(tc.u), got, high, tc.want, tc.high)
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestUncertaintyPercent(t *testing.T) {
	for f, want := range map[float64]string{
		0.02: "2.0 %", 0.0204: "2.1 %", 0.015: "1.5 %", 0.3679: "36.8 %",
		0.00042: "0.042 %", 0: "0.0 %",
	} {
		if got := UncertaintyPercent(f); got != want {
			t.Errorf("UncertaintyPercent(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestDerivedUncertainty(t *testing.T) {
	if u := DerivedUncertainty(f64p(15), f64p(1500), f64p(30)); u == nil || *u != 0.3 {
		t.Errorf("15 J/token of 1500 ± 30 J: ± %v, want 0.3", deref(u))
	}
	if u := DerivedUncertainty(f64p(-10), f64p(-1000), f64p(30)); u == nil || *u != 0.3 {
		t.Errorf("negative net: ± %v, want 0.3", deref(u))
	}
	for _, u := range []*float64{
		DerivedUncertainty(f64p(15), f64p(1500), nil),
		DerivedUncertainty(f64p(0), f64p(0), f64p(30)),
		DerivedUncertainty(nil, f64p(1500), f64p(30)),
	} {
		if u != nil {
			t.Errorf("uncertainty %v where it cannot be known", *u)
		}
	}
}

// The header names the load the run applied: a sweep's points, never the
// configured concurrency none of them ran at.
func TestLoadShape(t *testing.T) {
	models := func(labels ...string) []analysis.ModelResult {
		var out []analysis.ModelResult
		for _, l := range labels {
			out = append(out, analysis.ModelResult{Model: l})
		}
		return out
	}
	for _, tc := range []struct {
		name string
		s    Summary
		want string
	}{
		{"concurrency sweep", Summary{Load: rundir.Load{Mode: "concurrency", Concurrency: 4, Requests: 16},
			Models: models("m [c=1]", "m [c=4]", "m [c=16]")}, "concurrency sweep 1, 4, 16, 16 requests per run"},
		{"prefill and repetitions", Summary{Load: rundir.Load{Mode: "concurrency", Concurrency: 4},
			Models: models("m [c=1 prefill #1]", "m [c=1 #1]", "m [c=8 prefill #1]", "m [c=8 #1]", "m [c=1 #2]")},
			"concurrency sweep 1, 8, 2 repetitions, with prefill-only runs"},
		{"rate sweep", Summary{Load: rundir.Load{Mode: "concurrency", Concurrency: 4, Arrival: "poisson", DurationS: 60},
			Models: models("a [rate=5]", "a [rate=20]", "b [rate=5]")}, "rate sweep 5, 20 req/s, poisson arrivals, 60 s per run"},
		{"plain", Summary{Load: rundir.Load{Mode: "concurrency", Concurrency: 4, Requests: 120}, Models: models("m")},
			"concurrency 4, 120 requests per run"},
		{"sequential", Summary{Load: rundir.Load{Mode: "sequential", Concurrency: 1}, Models: models("m")},
			"sequential (one request at a time)"},
		{"rate", Summary{Load: rundir.Load{Mode: "rate", RateRPS: 2.5, Arrival: "gamma", MaxConcurrency: 64}, Models: models("m")},
			"rate 2.5 req/s, gamma arrivals, at most 64 in flight"},
		{"one point", Summary{Load: rundir.Load{Mode: "concurrency", Concurrency: 4}, Models: models("m [c=8]")}, "concurrency 8"},
		{"command", Summary{Load: rundir.Load{Mode: "command"}, Models: models("resnet50")}, ""},
	} {
		if got := tc.s.LoadShape(); got != tc.want {
			t.Errorf("%s: LoadShape() = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// The terminal answers what the variants were run for, after the models:
// the sweep's curve with its front and best point, the spread of
// repetitions, the prefill/decode split and the open-loop statistics.
func TestTableVariants(t *testing.T) {
	slo := &rundir.SLO{E2EMs: 250}
	s := &Summary{
		Load:   rundir.Load{Mode: "concurrency", Concurrency: 4, Requests: 16},
		Models: []analysis.ModelResult{{Model: "m [c=1]"}, {Model: "m [c=4]"}, {Model: "m [c=16]"}},
		Sweep: &SweepResult{SLO: slo, MinAttainment: 0.9, Best: map[string]string{"m": "m [c=4]"}, Points: []SweepPoint{
			{Point: parseLabel("m [c=1]"), JoulesPerOutputToken: f64p(1.2515), NetJoulesPerOutputToken: f64p(0.3635), OutputTokensPerS: 67.58,
				E2EMsP50: 131, E2EMsP99: 191.6, ParetoFront: true, SLOAttainment: f64p(1), MeetsSLO: new(true), JoulesPerGoodToken: f64p(1.2515), GoodputTokensPerS: f64p(67.58)},
			{Point: parseLabel("m [c=4]"), JoulesPerOutputToken: f64p(0.5936), NetJoulesPerOutputToken: f64p(0.3409), OutputTokensPerS: 237.2,
				E2EMsP50: 131.3, E2EMsP99: 192.1, ParetoFront: true, SLOAttainment: f64p(1), MeetsSLO: new(true), JoulesPerGoodToken: f64p(0.5936), GoodputTokensPerS: f64p(237.2)},
			{Point: parseLabel("m [c=16]"), JoulesPerOutputToken: f64p(0.5941), NetJoulesPerOutputToken: f64p(0.3408), OutputTokensPerS: 236.9,
				E2EMsP50: 352, E2EMsP99: 575.9, SLOAttainment: f64p(0.3125), MeetsSLO: new(false), JoulesPerGoodToken: f64p(1.588), GoodputTokensPerS: f64p(88.62)},
		}},
		Repetitions: []Repeated{{Model: "m", N: 3, Figures: map[string]Spread{"joules_per_output_token": spread([]float64{1, 2, 3})}}},
		PrefillDecode: []PrefillDecode{{Model: "m", Variant: "c=4", PrefillJoulesPerRequest: f64p(1.562), FullJoulesPerRequest: f64p(5.157),
			DecodeJoulesPerRequest: f64p(3.595), DecodeJoulesPerToken: f64p(0.4677)}},
		RateStats: []rundir.RateStats{{Model: "m [rate=5]", RateStats: load.RateStats{Requests: 16, RequestedRPS: 5, ScheduledRPS: f64p(5.15),
			AchievedRPS: f64p(5.1501), LagMs: load.Spread{P50: 0.035, P99: 3.487, Max: 3.487}}}},
	}
	var b bytes.Buffer
	PrintTable(&b, s)
	out := b.String()
	for _, want := range []string{
		"load: concurrency sweep 1, 4, 16, 16 requests per run\n",
		"point  J/tok   net     tok/s  TTFT  E2E p50  p99    SLO met  goodput  J/good\n",
		"c=1 *  1.252   0.3635  67.58  n/a   131.0    191.6  100 %    67.58    1.252\n",
		"c=4 *  0.5936  0.3409  237.2  n/a   131.3    192.1  100 %    237.2    0.5936  best\n",
		"c=16   0.5941  0.3408  236.9  n/a   352.0    575.9  31 %     88.62    1.588\n",
		"SLOs: E2E ≤ 250 ms; a point meets them when at least 90 % of its requests do\n",
		"best: m [c=4], the lowest J per good token among the points meeting the SLOs\n",
		// Mean 2, sd 1, CI 2 ± t(2)/√3 = 2 ± 4.30265/1.73205, CV 50 %.
		"m, 3 runs           mean   sd     95 % CI           CV\n",
		"  J / output token  2.000  1.000  [-0.4841, 4.484]  50.0 %\n",
		"m [c=4]  1.562          3.595         0.4677        n/a                n/a\n",
		"m [rate=5]  5.000      5.150      5.150     16    0       0.03500 / 3.487 / 3.487  0 / 0 / 0\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(line); n > 100 {
			t.Errorf("%d columns: %q", n, line)
		}
	}
}

// A measured command served no request: no per-query carbon, and a
// figure that rounds to zero prints without a sign.
func TestTableMeasuredCommand(t *testing.T) {
	m := analysis.ModelResult{Model: "resnet50", DurationS: 1.5, Items: 100, EnergyMethod: "integration", EnergyBasis: []string{"cpu/cpu"},
		EnergyJ: f64p(144.2), NetEnergyJ: f64p(-1e-12), JoulesPerItem: f64p(1.442), NetJoulesPerItem: f64p(-1e-14), GCO2eq: f64p(0.0175)}
	out := printTable(m)
	for _, want := range []string{"items        100\n", "energy       144.2 J  0.000 J\n", "J/item       1.4420   0.0000\n", "carbon       0.0175 g CO2eq  ("} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"-0.0", "per 1000 queries", "J/output token", "requests"} {
		if strings.Contains(out, bad) {
			t.Errorf("table shows %q:\n%s", bad, out)
		}
	}
}

// The J/request line: the distribution on the basis the shares are of,
// three significant digits, shares to two (one decimal below 10 %).
func TestTableRequestEnergy(t *testing.T) {
	dist := func(p50, p90, p99 float64) analysis.Distribution {
		return analysis.Distribution{Count: 20, P50: p50, P90: p90, P99: p99}
	}
	for _, tc := range []struct {
		name string
		re   []ModelRequestEnergy
		want string // "" for no line
	}{
		{"net", []ModelRequestEnergy{{Model: "m", AttributionSummary: analysis.AttributionSummary{
			Basis: "net", JoulesPerRequest: dist(9, 9, 9), NetJoulesPerRequest: dist(4.0649, 7.9, 12.04),
			PrefillShare: f64p(0.1234), DecodeShare: f64p(0.8766)}}},
			"p50 4.06  p90 7.90  p99 12.0 (net; prefill 12 %, decode 88 %)"},
		{"gross, small share", []ModelRequestEnergy{{Model: "m", AttributionSummary: analysis.AttributionSummary{
			Basis: "gross", JoulesPerRequest: dist(0.07564, 9.996, 241.2),
			PrefillShare: f64p(0.093), DecodeShare: f64p(0.907)}}},
			"p50 0.0756  p90 10.0  p99 241 (gross; prefill 9.3 %, decode 91 %)"},
		{"no shares", []ModelRequestEnergy{{Model: "m", AttributionSummary: analysis.AttributionSummary{
			Basis: "net", NetJoulesPerRequest: dist(1, 2, 3)}}},
			"p50 1.00  p90 2.00  p99 3.00 (net)"},
		{"no complete request", []ModelRequestEnergy{{Model: "m", AttributionSummary: analysis.AttributionSummary{Basis: "net"}}},
			"n/a (no request succeeded wholly inside the window)"},
		{"another model's", []ModelRequestEnergy{{Model: "other", AttributionSummary: analysis.AttributionSummary{
			Basis: "net", NetJoulesPerRequest: dist(1, 2, 3)}}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			PrintTable(&b, &Summary{Models: []analysis.ModelResult{tableModel()}, RequestEnergy: tc.re})
			var got []string
			for _, line := range strings.Split(b.String(), "\n") {
				if v, ok := strings.CutPrefix(line, "J/request"); ok {
					got = append(got, strings.TrimSpace(v))
				}
				// As wide as the variants' tables may be.
				if n := utf8.RuneCountInString(line); n > 100 {
					t.Errorf("%d columns: %q", n, line)
				}
			}
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("J/request line for a model without per-request energy: %q", got)
			case tc.want != "" && (len(got) != 1 || got[0] != tc.want):
				t.Errorf("J/request lines %q, want %q:\n%s", got, tc.want, b.String())
			}
		})
	}
}
