package meter

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestParseExposition(t *testing.T) {
	want := map[string]bool{"power_watts": true, "energy_total": true, "odd:name_total": true}
	tests := []struct {
		name  string
		input string
		want  []promSample
	}{
		{"bare name and value", "power_watts 12.5\n",
			[]promSample{{name: "power_watts", value: 12.5, line: 1}}},
		{"labels, comments and unwanted metrics",
			"# HELP power_watts Power.\n# TYPE power_watts gauge\nother_metric{a=\"1\"} 3\npower_watts{gpu=\"0\",model=\"H100\"} 300\n",
			[]promSample{{name: "power_watts", labels: []promLabel{{"gpu", "0"}, {"model", "H100"}}, value: 300, line: 4}}},
		{"timestamp ignored, CRLF, blanks around labels",
			"power_watts { gpu = \"1\" , } \t 7 1712345678000\r\n",
			[]promSample{{name: "power_watts", labels: []promLabel{{"gpu", "1"}}, value: 7, line: 1}}},
		{"escapes in label values",
			`power_watts{path="C:\\rapl",q="say \"hi\"",nl="a\nb"} 1` + "\n",
			[]promSample{{name: "power_watts", labels: []promLabel{{"path", `C:\rapl`}, {"q", `say "hi"`}, {"nl", "a\nb"}}, value: 1, line: 1}}},
		{"exponent, NaN and Inf values",
			"energy_total 2.3456789e+06\npower_watts NaN\npower_watts{x=\"y\"} +Inf\n",
			[]promSample{
				{name: "energy_total", value: 2.3456789e+06, line: 1},
				{name: "power_watts", value: math.NaN(), line: 2},
				{name: "power_watts", labels: []promLabel{{"x", "y"}}, value: math.Inf(1), line: 3},
			}},
		{"OpenMetrics exemplar and EOF",
			"energy_total{a=\"b\"} 10 # {trace_id=\"abc\"} 1.0 123\n# EOF\n",
			[]promSample{{name: "energy_total", labels: []promLabel{{"a", "b"}}, value: 10, line: 1}}},
		{"UTF-8 quoted metric name",
			`{"power_watts", gpu="0"} 42` + "\n" + `{"unwanted.metric"} 1` + "\n",
			[]promSample{{name: "power_watts", labels: []promLabel{{"gpu", "0"}}, value: 42, line: 1}}},
		{"colon in name, no trailing newline, value right after brace",
			`odd:name_total{a="1"}5`,
			[]promSample{{name: "odd:name_total", labels: []promLabel{{"a", "1"}}, value: 5, line: 1}}},
		{"malformed unwanted line is skipped",
			"garbage{{{ here\npower_watts 1\n",
			[]promSample{{name: "power_watts", value: 1, line: 2}}},
		{"empty body", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseExposition([]byte(tt.input), want)
			if err != nil {
				t.Fatal(err)
			}
			if !samplesEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseExpositionErrors(t *testing.T) {
	want := map[string]bool{"power_watts": true}
	tests := []struct {
		input string
		want  string
	}{
		{"ok 1\npower_watts{gpu=\"0\" 1\n", `line 2: want , or } after label "gpu"`},
		{"power_watts{gpu=0} 1\n", `line 1: label "gpu" has no quoted value`},
		{"power_watts{gpu=\"0} 1\n", "line 1: unterminated quoted string"},
		{"power_watts{gpu} 1\n", `line 1: want = after label "gpu"`},
		{"power_watts{gpu=\"0\"}\n", "line 1: no value after the series"},
		{"power_watts twelve\n", `line 1: value "twelve" is not a number`},
		{"power_watts{-x=\"1\"} 1\n", "line 1: bad character '-' in label set"},
		{"{\"power_watts\",\"again\"} 1\n", "line 1: two metric names in one label set"},
		{"power_watts{\"power_watts\"} 1\n", "line 1: metric name given twice"},
		{"power_watts{a=\"1\"", "line 1: unterminated label set"},
	}
	for _, tt := range tests {
		_, err := parseExposition([]byte(tt.input), want)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("parse %q: error %v, want prefix %q", tt.input, err, tt.want)
		}
	}
}

func TestSampleString(t *testing.T) {
	s := promSample{name: "m", labels: []promLabel{{"a", `x"y`}, {"b", "2"}}}
	if got, want := s.String(), `m{a="x\"y",b="2"}`; got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
}

// samplesEqual compares samples, treating NaN values as equal.
func samplesEqual(a, b []promSample) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.name != y.name || x.line != y.line || !reflect.DeepEqual(x.labels, y.labels) {
			return false
		}
		if !(x.value == y.value || math.IsNaN(x.value) && math.IsNaN(y.value)) {
			return false
		}
	}
	return true
}
