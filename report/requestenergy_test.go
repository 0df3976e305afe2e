package report

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/meter"
)

// The run-constant fixture (see TestGenerateHandComputed) runs its 10
// requests one after another, one a second at 150 W over a 50 W baseline,
// so by hand each is due 150 J, 100 J net. Its first 100 ms are prefill:
// 20 prompt tokens against 9 decode tokens over 900 ms, so the weight
// that makes the two rates equal is 10/s ÷ 200/s = 0.05, and prefill is a
// tenth: 15 J, 10 J net. The baseline over the 10 s is the idle line,
// 500 J; nothing is unattributed.
func TestRequestEnergyHandComputed(t *testing.T) {
	dir := copyRun(t, "run-constant")
	s, _, err := GenerateRaw(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.RequestEnergy) != 1 {
		t.Fatalf("request_energy has %d models, want 1", len(s.RequestEnergy))
	}
	re := s.RequestEnergy[0]
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"energy_j", re.EnergyJ, 1500},
		{"attributed_j", re.AttributedJ, 1500},
		{"net_attributed_j", orNaN(re.NetAttributedJ), 1000},
		{"idle_j", orNaN(re.IdleJ), 500},
		{"unattributed_j", re.UnattributedJ, 0},
		{"p50 J/request", re.JoulesPerRequest.P50, 150},
		{"p99 net J/request", re.NetJoulesPerRequest.P99, 100},
		{"prefill_share", orNaN(re.PrefillShare), 0.1},
		{"prefill weight", re.PrefillWeights[0].Weight, 0.05},
		// Every request alike: the intercept holds their energy.
		{"fit intercept", orNaN(re.Fit.InterceptJ), 100},
	} {
		if !(math.Abs(c.got-c.want) <= 1e-9*math.Max(1, c.want)) { // a NaN fails too
			t.Errorf("%s = %.12g, want %g", c.name, c.got, c.want)
		}
	}
	if re.Basis != "net" || re.Fit.R2 != nil || re.Fit.JoulesPerOutputToken != nil {
		t.Errorf("basis %q, R² %v, J/output token %v; want net and no slope nor R² for identical requests", re.Basis, re.Fit.R2, re.Fit.JoulesPerOutputToken)
	}

	rows := readCSV(t, filepath.Join(dir, RequestEnergyCSV))
	if len(rows) != 11 {
		t.Fatalf("%s has %d rows, want a header and 10", RequestEnergyCSV, len(rows))
	}
	want := map[string]string{
		"model": "m1", "phase": "measured", "ok": "true", "partial": "false", "input_tokens": "20", "output_tokens": "10",
		"energy_j": "150", "net_energy_j": "100", "prefill_j": "15", "decode_j": "135", "net_prefill_j": "10", "net_decode_j": "90",
	}
	for i, r := range rows[1:] {
		if got := r[col(rows, "request_id")]; got != f64(float64(i)) {
			t.Errorf("row %d: request_id %s", i, got)
		}
		for name, w := range want {
			if got := r[col(rows, name)]; got != w {
				t.Errorf("row %d: %s = %s, want %s", i, name, got, w)
			}
		}
	}
}

// Without any meter there is no energy to split: no section, no file.
func TestRequestEnergyWithoutEnergy(t *testing.T) {
	dir := copyRun(t, "run-constant")
	if err := os.WriteFile(filepath.Join(dir, "power.csv"), []byte("t_s,unix_s,meter,channel,component,watts,joules\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, _, err := GenerateRaw(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.RequestEnergy) != 0 {
		t.Errorf("request_energy = %+v without energy, want none", s.RequestEnergy)
	}
	if _, err := os.Stat(filepath.Join(dir, RequestEnergyCSV)); !os.IsNotExist(err) {
		t.Errorf("%s written without energy (%v)", RequestEnergyCSV, err)
	}
}

// orNaN reads an optional figure, NaN (which no check accepts) when absent.
func orNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// request_energy.csv is written as the rows stream by, yet holds what the
// table built from every model's rows in memory held, byte for byte: one
// row per request that worked in its model's window, in the order of
// requests.csv (the models in turn, as they ran). The summary keeps only
// a bounded sample of the rows, and none of what streams them once the
// file is written.
func TestRequestEnergyCSVStreamed(t *testing.T) {
	src := filepath.Join("html", "testdata", "run-two-models")
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"run.json", "power.csv", "requests.csv", "phases.csv"} {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, raw, err := GenerateRaw(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.RequestEnergy) != 2 {
		t.Fatalf("request energy of %d models, want 2", len(s.RequestEnergy))
	}
	series, err := analysis.GroupSeriesFrom(raw.Samples, analysis.Declared{
		MaxRangeJ:          maxRanges(raw.Meta.Meters),
		CounterResolutionJ: resolutions(raw.Meta.Meters, func(r meter.Resolution) float64 { return r.EnergyJ }),
		PowerResolutionW:   resolutions(raw.Meta.Meters, func(r meter.Resolution) float64 { return r.PowerW }),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := &table{header: requestEnergyHeader}
	for _, re := range s.RequestEnergy {
		var m analysis.ModelResult
		for _, mr := range s.Models {
			if mr.Model == re.Model {
				m = mr
			}
		}
		var rows []analysis.RequestEnergy
		a, err := analysis.AttributeModel(series, m, raw.Requests, func(r analysis.RequestEnergy) error {
			rows = append(rows, r)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := re.Sample(); !reflect.DeepEqual(got.Rows, rows) || got.Total != len(rows) || re.HasNet() != a.HasNet {
			t.Errorf("%s: sample of %d rows (%d in all), want all %d", re.Model, len(got.Rows), got.Total, len(rows))
		}
		if re.run != nil {
			t.Errorf("%s: the attribution between its passes is still held after %s was written", re.Model, RequestEnergyCSV)
		}
		for _, r := range rows {
			net := func(v float64) string {
				if !a.HasNet {
					return ""
				}
				return f64(v)
			}
			want.add(strconv.Itoa(r.ID), r.Model, r.Phase, strconv.FormatBool(r.OK), strconv.FormatBool(r.Partial),
				strconv.Itoa(r.InputTokens), strconv.Itoa(r.OutputTokens),
				f64(r.Joules), net(r.NetJoules), f64(r.PrefillJoules), f64(r.DecodeJoules),
				net(r.NetPrefillJoules), net(r.NetDecodeJoules))
		}
	}
	got, err := os.ReadFile(filepath.Join(dir, RequestEnergyCSV))
	if err != nil {
		t.Fatal(err)
	}
	if len(want.rows) < 10 || !bytes.Equal(got, want.bytes()) {
		t.Errorf("%s:\n%s\nwant (%d rows):\n%s", RequestEnergyCSV, got, len(want.rows), want.bytes())
	}
}

// Rows picked as they stream by, from the count a first pass gave, are
// those of an even pick from the whole list: row ⌊j·n/limit⌋. A count
// that turns out wrong still keeps at most limit.
func TestRequestSampler(t *testing.T) {
	rows := func(n int) []analysis.RequestEnergy {
		out := make([]analysis.RequestEnergy, n)
		for i := range out {
			out[i] = analysis.RequestEnergy{ID: i, OK: i%10 != 3, Partial: i%10 == 5, InputTokens: 100 + i%7, OutputTokens: 1 + i%50}
		}
		return out
	}
	ids := func(s RequestSample) []int {
		var out []int
		for _, r := range s.Rows {
			out = append(out, r.ID)
		}
		return out
	}
	for _, tc := range []struct {
		n, limit int
		want     []int
	}{
		{3, 5, []int{0, 1, 2}},
		{5, 5, []int{0, 1, 2, 3, 4}},
		{10, 4, []int{0, 2, 5, 7}},
		{7, 3, []int{0, 2, 4}},
	} {
		s := SampleRequests(rows(tc.n), tc.limit)
		if got := ids(s); !reflect.DeepEqual(got, tc.want) || s.Total != tc.n {
			t.Errorf("%d rows, limit %d: picked %v of %d, want %v of %d", tc.n, tc.limit, got, s.Total, tc.want, tc.n)
		}
	}
	s := SampleRequests(rows(1000), 10)
	// Of 1000: 100 failed, 100 partial; the fitted ones' prompts 100–106,
	// outputs 1–50.
	if s.Failed != 100 || s.Partial != 100 || s.Fitted != 800 || s.PromptMin != 100 || s.PromptMax != 106 || s.OutputMin != 1 || s.OutputMax != 50 {
		t.Errorf("tally %+v", s)
	}
	for _, expected := range []int{0, 5, 100, 5000} {
		sp := newRequestSampler(expected, 10)
		for _, r := range rows(1000) {
			sp.add(r)
		}
		if got := sp.sample(); len(got.Rows) > 10 || len(got.Rows) == 0 || got.Total != 1000 {
			t.Errorf("expecting %d of 1000 rows: kept %d, counted %d; want at most 10 of 1000", expected, len(got.Rows), got.Total)
		}
	}
}
