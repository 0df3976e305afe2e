package report

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aienergy/aienergy/analysis"
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
