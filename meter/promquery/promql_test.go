package promquery

import "testing"

func TestParseBareSelector(t *testing.T) {
	for _, tc := range []struct {
		expr, name, matchers string
		bare                 bool
	}{
		{"DCGM_FI_DEV_POWER_USAGE", "DCGM_FI_DEV_POWER_USAGE", "", true},
		{` kepler_node_cpu_joules_total { zone="package" } `, "kepler_node_cpu_joules_total", `zone="package"`, true},
		{`{__name__=~"a|b"}`, "", `__name__=~"a|b"`, true},
		{`m{path!~".*}.*"}`, "m", `path!~".*}.*"`, true}, // a brace inside a quoted value
		{`m{a='x\'}'}`, "m", `a='x\'}'`, true},
		{"m{a=`}`}", "m", "a=`}`", true},
		{"sum(m)", "sum", "", false},
		{"m[5m]", "m", "", false},
		{`m{a="b"} offset 5m`, "m", `a="b"`, false},
		{`m{a="b"} / 1000`, "m", `a="b"`, false},
		{`m{a="b"`, "m", "", false},
		{"", "", "", false},
		{"1e3", "", "", false},
	} {
		b, ok := parseBareSelector(tc.expr)
		if ok != tc.bare || (ok && (b.name != tc.name || b.matchers != tc.matchers)) {
			t.Errorf("parseBareSelector(%q) = %+v, %v; want {%s %s}, %v", tc.expr, b, ok, tc.name, tc.matchers, tc.bare)
		}
	}
}

func TestNormalizeSelector(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{`Hostname="n1"`, `Hostname="n1"`, ""},
		{` {Hostname="n1", gpu=~"0|1",} `, `Hostname="n1", gpu=~"0|1"`, ""},
		{"", "", ""},
		{"{}", "", ""},
		{`pod="a}b"`, `pod="a}b"`, ""},
		{`a="b"} or vector(1) or m{c="d"`, "", "unexpected '}'"},
		{`a="b`, "", "unterminated string"},
		{`a={b}`, "", "unexpected '{'"},
	} {
		got, err := normalizeSelector(tc.in)
		if tc.err != "" {
			if err == nil || err.Error()[:len(tc.err)] != tc.err {
				t.Errorf("normalizeSelector(%q) = %q, %v; want error %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("normalizeSelector(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestWithSelector(t *testing.T) {
	sel := `Hostname="n1"`
	for _, tc := range []struct{ expr, sel, want string }{
		{"DCGM_FI_DEV_POWER_USAGE", sel, `DCGM_FI_DEV_POWER_USAGE{Hostname="n1"}`},
		{`kepler_node_cpu_watts{zone="package"}`, sel, `kepler_node_cpu_watts{zone="package",Hostname="n1"}`},
		{`m{a="b",}`, sel, `m{a="b",Hostname="n1"}`},
		{`{__name__="m"}`, sel, `{__name__="m",Hostname="n1"}`},
		{`sum by (gpu) (m{$selector})`, sel, `sum by (gpu) (m{Hostname="n1"})`},
		{`sum by (gpu) (m{a="b",$selector})`, "", `sum by (gpu) (m{a="b",})`}, // PromQL accepts the trailing comma
		{`m{a="b"}`, "", `m{a="b"}`},
	} {
		if got := withSelector(tc.expr, tc.sel); got != tc.want {
			t.Errorf("withSelector(%q, %q) = %q, want %q", tc.expr, tc.sel, got, tc.want)
		}
	}
}
