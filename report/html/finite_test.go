package html

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/aienergy/aienergy/trace"
)

// A number that is not finite, wherever it stands in the chart data,
// becomes null (a gap in the page's charts) instead of failing the
// report; the finite numbers around it are kept.
func TestChartDataNonFiniteIsNull(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tt := range []struct {
		name               string
		start, end         float64
		v                  nums
		wantStart, wantEnd any
		wantV              []any
	}{
		{"all finite", 1, 2, nums{1, 2}, 1.0, 2.0, []any{1.0, 2.0}},
		{"NaN in a series", 1, 2, nums{nan, 2}, 1.0, 2.0, []any{nil, 2.0}},
		{"±Inf in a series", 1, 2, nums{inf, -inf}, 1.0, 2.0, []any{nil, nil}},
		{"phase edges", nan, inf, nums{3}, nil, nil, []any{3.0}},
		// Both at once: the phases' fallback must not touch the series.
		{"everywhere", -inf, 2, nums{1, nan, inf}, nil, 2.0, []any{1.0, nil, nil}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := chartsData{
				Phases: []band{{Model: "m", Phase: "measured", Start: tt.start, End: tt.end}},
				Charts: []*chart{{ID: "power", Series: []*series{{Label: "gpu", T: nums{0, 1, 2}[:len(tt.v)], V: tt.v}}}},
			}
			data, err := json.Marshal(d)
			if err != nil {
				t.Fatalf("json.Marshal: %v", err)
			}
			var got struct {
				Phases []map[string]any `json:"phases"`
				Charts []struct {
					Series []struct {
						V []any `json:"v"`
					} `json:"series"`
				} `json:"charts"`
			}
			if err := json.Unmarshal(data, &got); err != nil {
				t.Fatalf("%s: %v", data, err)
			}
			p := got.Phases[0]
			if p["start"] != tt.wantStart || p["end"] != tt.wantEnd || p["model"] != "m" {
				t.Errorf("phase %v, want start %v, end %v", p, tt.wantStart, tt.wantEnd)
			}
			if v := got.Charts[0].Series[0].V; !equalAny(v, tt.wantV) {
				t.Errorf("series values %v, want %v (%s)", v, tt.wantV, data)
			}
		})
	}
}

// A whole report renders with an impossible reading and phase edge.
func TestRenderNonFinite(t *testing.T) {
	_, s, raw := fixture(t, "../testdata/run-constant")
	raw.Phases[2].End = math.Inf(1)
	samples, err := trace.CollectSamples(raw.Samples)
	if err != nil {
		t.Fatal(err)
	}
	samples[4].Watts = math.Inf(1)
	raw.Samples = trace.SampleSlice(samples)
	_, pc := render(t, s, raw)
	if len(pc.Phases) != 3 || pc.Phases[1].End != 12 {
		t.Errorf("phase bands %+v", pc.Phases)
	}
	if got := values(pc.Charts[0].Series[0].V); len(got) == 0 || !math.IsNaN(got[4]) || got[3] != 150 {
		t.Errorf("gpu power %v: want the infinite reading (the 5th) as a gap", got)
	}
}

func equalAny(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
