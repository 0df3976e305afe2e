package analysis

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/trace"
)

// threePhases: idle [0, 10], measured [10, 20], idle [20, 30].
func threePhases(model string) []trace.Phase {
	return []trace.Phase{
		{Model: model, Name: trace.PhaseIdleBefore, Start: 0, End: 10},
		{Model: model, Name: trace.PhaseMeasured, Start: 10, End: 20},
		{Model: model, Name: trace.PhaseIdleAfter, Start: 20, End: 30},
	}
}

// loadProfile is idle watts outside [10, 20] and busy watts inside.
func loadProfile(idle, busy float64) func(float64) float64 {
	return func(t float64) float64 {
		if t >= 10 && t <= 20 {
			return busy
		}
		return idle
	}
}

func modelOf(t *testing.T, res *Result, i int) ModelResult {
	t.Helper()
	if len(res.Models) <= i {
		t.Fatalf("%d models, want at least %d", len(res.Models), i+1)
	}
	return res.Models[i]
}

func TestMultiGPUIsSummedNotAveraged(t *testing.T) {
	samples := append(
		profile("nvml", "gpu0", "gpu", 0, 30, 10, loadProfile(20, 100)),
		profile("nvml", "gpu1", "gpu", 0, 30, 10, loadProfile(30, 300))...)
	res, err := Analyze(samples, nil, threePhases("m"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := modelOf(t, res, 0)
	gpu := m.Components[ComponentGPU]
	checkPtr(t, "gpu energy", gpu.EnergyJ, ptr(4000))
	checkPtr(t, "gpu avg watts", gpu.AvgWatts, ptr(400)) // 100 + 300, not their mean 200
	checkPtr(t, "gpu peak watts", gpu.PeakWatts, ptr(400))
	checkPtr(t, "headline energy", m.EnergyJ, ptr(4000))
	checkPtr(t, "headline avg watts", m.AvgWatts, ptr(400))
	if !slices.Equal(m.EnergyBasis, []string{"nvml/gpu0", "nvml/gpu1"}) || m.EnergyMethod != MethodIntegration {
		t.Errorf("basis %v by %q, want both GPUs by integration", m.EnergyBasis, m.EnergyMethod)
	}
	if len(m.Channels) != 2 {
		t.Fatalf("%d channels, want 2", len(m.Channels))
	}
	checkPtr(t, "gpu0 energy", m.Channels[0].EnergyJ, ptr(1000))
	checkPtr(t, "gpu1 energy", m.Channels[1].EnergyJ, ptr(3000))
}

// The peak of a sum is not the sum of the peaks: gpu0 spikes to 500 W at
// 12 s and gpu1 to 600 W at 17 s. Summed: 500+300 = 800 at 12 s, 100+600
// = 700 at 17 s; the sum of the peaks, 1100 W, never happened.
func TestPeakOfSum(t *testing.T) {
	spike := func(base, high, at float64) func(float64) float64 {
		return func(t float64) float64 {
			if t == at {
				return high
			}
			return base
		}
	}
	samples := append(profile("nvml", "gpu0", "gpu", 0, 30, 1, spike(100, 500, 12)),
		profile("nvml", "gpu1", "gpu", 0, 30, 1, spike(300, 600, 17))...)
	res, err := Analyze(samples, nil, threePhases("m"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := modelOf(t, res, 0)
	checkPtr(t, "peak of summed power", m.PeakWatts, ptr(800))
	checkPtr(t, "gpu0 peak", m.Channels[0].PeakWatts, ptr(500))
	checkPtr(t, "gpu1 peak", m.Channels[1].PeakWatts, ptr(600))
}

func TestComponentsAndWallAreKeptApart(t *testing.T) {
	samples := append(append(
		profile("nvml", "gpu0", "gpu", 0, 30, 10, loadProfile(300, 400)),
		profile("rapl", "package-0", "cpu", 0, 30, 10, loadProfile(50, 100))...),
		profile("pdu", "outlet", "wall", 0, 30, 10, loadProfile(500, 700))...)
	res, err := Analyze(samples, nil, threePhases("m"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := modelOf(t, res, 0)
	checkPtr(t, "components", m.ComponentsJoules, ptr(5000))
	checkPtr(t, "wall", m.WallJoules, ptr(7000))
	checkPtr(t, "unattributed", m.UnattributedJoules, ptr(2000))
	// The headline is the components, never components + wall (12000 J).
	checkPtr(t, "headline energy", m.EnergyJ, ptr(5000))
	checkPtr(t, "wall component", m.Components[ComponentWall].EnergyJ, ptr(7000))
	checkPtr(t, "cpu component", m.Components[ComponentCPU].EnergyJ, ptr(1000))
	if m.NetUnattributedJoules == nil || m.NetComponentsJoules == nil || m.NetWallJoules == nil {
		t.Fatal("net totals missing although every channel has a baseline")
	}
	checkNear(t, "net unattributed", *m.NetUnattributedJoules, *m.NetWallJoules-*m.NetComponentsJoules)
}

// Idle above load: the net energy is negative and reported as such, but
// per-work and carbon figures are not built on it.
func TestNegativeNetEnergy(t *testing.T) {
	samples := profile("nvml", "gpu0", "gpu", 0, 30, 10, loadProfile(200, 100))
	reqs := []trace.Request{{Model: "m", Phase: trace.PhaseMeasured, Start: 11, FirstToken: 11.5, End: 12, OutputTokens: 10}}
	res, err := Analyze(samples, trace.Slice(reqs), threePhases("m"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := modelOf(t, res, 0)
	if m.NetEnergyJ == nil || *m.NetEnergyJ > -900 {
		t.Fatalf("net energy = %v, want about −1000 J", m.NetEnergyJ)
	}
	if !containsWarning(m.Warnings, "not positive") {
		t.Errorf("warnings %q lack the non-positive net warning", m.Warnings)
	}
	checkPtr(t, "net J per output token", m.NetJoulesPerOutputToken, nil)
	checkPtr(t, "net gCO2eq", m.NetGCO2eq, nil)
	checkPtr(t, "gross J per output token", m.JoulesPerOutputToken, ptr(100))
}

func TestWallOnlyIsTheHeadline(t *testing.T) {
	samples := profile("pdu", "outlet", "wall", 0, 30, 10, loadProfile(50, 250))
	res, err := Analyze(samples, nil, threePhases("m"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := modelOf(t, res, 0)
	checkPtr(t, "headline energy", m.EnergyJ, ptr(2500))
	checkPtr(t, "components", m.ComponentsJoules, nil)
	checkPtr(t, "unattributed", m.UnattributedJoules, nil)
	if !slices.Equal(m.EnergyBasis, []string{"pdu/outlet"}) {
		t.Errorf("basis = %v, want the wall channel", m.EnergyBasis)
	}
}

// Idle 50 W before; 150 W from 10.1 s to 25 s; idle again from 25.1 s.
// Phases leave the ramps between samples out of the idle and measured
// windows, so the ground truth is exact: gross 150 W × 10 s = 1500 J,
// baseline 50 W, net 1500 − 50 × 10 = 1000 J.
func baselinePhases(model string) []trace.Phase {
	return []trace.Phase{
		{Model: model, Name: trace.PhaseIdleBefore, Start: 0, End: 10},
		{Model: model, Name: trace.PhaseWarmup, Start: 10.1, End: 15},
		{Model: model, Name: trace.PhaseMeasured, Start: 15, End: 25},
		{Model: model, Name: trace.PhaseIdleAfter, Start: 25.1, End: 35.1},
	}
}

func baselineProfile(before, busy, after float64) func(float64) float64 {
	return func(t float64) float64 {
		switch {
		case t <= 10:
			return before
		case t <= 25:
			return busy
		}
		return after
	}
}

func TestBaselineAndNet(t *testing.T) {
	tests := []struct {
		name                 string
		before, busy, after  float64
		baseline, gross, net float64
		disagreementWarning  bool
	}{
		{name: "steady idle", before: 50, busy: 150, after: 50, baseline: 50, gross: 1500, net: 1000},
		// 50 W and 70 W: 20 W apart, 33 % of their mean. Baseline
		// (500 + 700) J / 20 s = 60 W; net 1500 − 600.
		{name: "idle drifted", before: 50, busy: 150, after: 70, baseline: 60, gross: 1500, net: 900, disagreementWarning: true},
		// 4 W apart: above 10 % is not enough without 5 W.
		{name: "small absolute drift", before: 30, busy: 150, after: 34, baseline: 32, gross: 1500, net: 1180},
		// 40 W apart but under 10 % of 520 W.
		{name: "small relative drift", before: 500, busy: 900, after: 540, baseline: 520, gross: 9000, net: 3800},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			samples := profile("nvml", "gpu0", "gpu", 0, 36, 10, baselineProfile(tc.before, tc.busy, tc.after))
			res, err := Analyze(samples, nil, baselinePhases("m"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			m := modelOf(t, res, 0)
			ch := m.Channels[0]
			checkPtr(t, "channel baseline", ch.BaselineWatts, ptr(tc.baseline))
			checkPtr(t, "baseline before", ch.BaselineBeforeWatts, ptr(tc.before))
			checkPtr(t, "baseline after", ch.BaselineAfterWatts, ptr(tc.after))
			checkPtr(t, "channel gross", ch.EnergyJ, ptr(tc.gross))
			checkPtr(t, "channel net", ch.NetEnergyJ, ptr(tc.net))
			checkPtr(t, "model baseline", m.BaselineWatts, ptr(tc.baseline))
			checkPtr(t, "model gross", m.EnergyJ, ptr(tc.gross))
			checkPtr(t, "model net", m.NetEnergyJ, ptr(tc.net))
			if got := containsWarning(m.Warnings, "disagree"); got != tc.disagreementWarning {
				t.Errorf("disagreement warning = %v, want %v (warnings %q)", got, tc.disagreementWarning, m.Warnings)
			}
		})
	}
}

func TestBaselineFromOneIdlePhase(t *testing.T) {
	samples := profile("nvml", "gpu0", "gpu", 0, 36, 10, baselineProfile(50, 150, 50))
	phases := baselinePhases("m")[:3] // no idle_after
	res, err := Analyze(samples, nil, phases, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := modelOf(t, res, 0)
	checkPtr(t, "baseline", m.BaselineWatts, ptr(50))
	checkPtr(t, "baseline after", m.Channels[0].BaselineAfterWatts, nil)
	checkPtr(t, "net", m.NetEnergyJ, ptr(1000))
}

func TestNoIdlePhaseMeansNoNet(t *testing.T) {
	samples := profile("nvml", "gpu0", "gpu", 0, 36, 10, baselineProfile(50, 150, 50))
	phases := []trace.Phase{{Model: "m", Name: trace.PhaseMeasured, Start: 15, End: 25}}
	res, err := Analyze(samples, nil, phases, Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := modelOf(t, res, 0)
	checkPtr(t, "gross", m.EnergyJ, ptr(1500))
	checkPtr(t, "net", m.NetEnergyJ, nil)
	checkPtr(t, "baseline", m.BaselineWatts, nil)
	checkPtr(t, "net Wh/1000 queries", m.NetWhPer1000Queries, nil)
	if !containsWarning(m.Warnings, "no baseline") {
		t.Errorf("warnings %q lack the missing-baseline warning", m.Warnings)
	}
}

// Per-work figures on gross 1500 J and net 1000 J for 10 requests of 100
// input and 50 output tokens, at 400 g/kWh and PUE 1.2. By hand:
//
//	J/output token   1500/500 = 3            net 1000/500 = 2
//	J/token          1500/1500 = 1           net 1000/1500
//	Wh/1000 queries  1500/10/3.6 = 41.667    net 1000/10/3.6 = 27.778
//	tokens/J         500/1500                net 500/1000 = 0.5
//	gCO2eq           1500/3.6e6 × 400 × 1.2 = 0.2    net 0.2 × 2/3
//	gCO2eq/1000 q    0.2/10 × 1000 = 20      net 13.333
func TestPerWorkAndCarbon(t *testing.T) {
	samples := profile("nvml", "gpu0", "gpu", 0, 36, 10, baselineProfile(50, 150, 50))
	var reqs []trace.Request
	for i := range 10 {
		start := 15 + float64(i)
		reqs = append(reqs, trace.Request{ID: i, Model: "m", Phase: trace.PhaseMeasured, Start: start, FirstToken: start + 0.1, End: start + 0.9, InputTokens: 100, OutputTokens: 50})
	}
	res, err := Analyze(samples, trace.Slice(reqs), baselinePhases("m"), Options{CarbonIntensity: 400, PUE: 1.2, CountryISO: "FRA"})
	if err != nil {
		t.Fatal(err)
	}
	m := modelOf(t, res, 0)
	checkPtr(t, "J/output token", m.JoulesPerOutputToken, ptr(3))
	checkPtr(t, "net J/output token", m.NetJoulesPerOutputToken, ptr(2))
	checkPtr(t, "J/token", m.JoulesPerToken, ptr(1))
	checkPtr(t, "net J/token", m.NetJoulesPerToken, ptr(1000.0/1500))
	checkPtr(t, "Wh/1000 queries", m.WhPer1000Queries, ptr(1500/10/3.6))
	checkPtr(t, "net Wh/1000 queries", m.NetWhPer1000Queries, ptr(1000/10/3.6))
	checkPtr(t, "tokens/J", m.TokensPerJoule, ptr(500.0/1500))
	checkPtr(t, "net tokens/J", m.NetTokensPerJoule, ptr(0.5))
	checkPtr(t, "gCO2eq", m.GCO2eq, ptr(0.2))
	checkPtr(t, "net gCO2eq", m.NetGCO2eq, ptr(0.2*2/3))
	checkPtr(t, "gCO2eq/1000 queries", m.GCO2eqPer1000Queries, ptr(20))
	checkPtr(t, "net gCO2eq/1000 queries", m.NetGCO2eqPer1000Queries, ptr(40.0/3))
	checkPtr(t, "avg watts", m.AvgWatts, ptr(150))
	gpu := m.Components[ComponentGPU]
	checkPtr(t, "gpu J/output token", gpu.JoulesPerOutputToken, ptr(3))
	checkPtr(t, "gpu net Wh/1000 queries", gpu.NetWhPer1000Queries, ptr(1000/10/3.6))

	// The explicit intensity wins over the country, and is recorded.
	if res.Carbon.GCO2eqPerKWh != 400 || res.Carbon.PUE != 1.2 || !strings.Contains(res.Carbon.Source, "explicit") {
		t.Errorf("carbon = %+v, want the explicit 400 g/kWh at PUE 1.2", res.Carbon)
	}
	checkPtr(t, "total gCO2eq", res.Totals.GCO2eq, ptr(0.2))
	checkPtr(t, "total J/output token", res.Totals.JoulesPerOutputToken, ptr(3))
	checkPtr(t, "total net J/output token", res.Totals.NetJoulesPerOutputToken, ptr(2))
}

func TestNoSamplesGiveNullEnergy(t *testing.T) {
	reqs := []trace.Request{{Model: "m", Phase: trace.PhaseMeasured, Start: 11, FirstToken: 11.2, End: 12, InputTokens: 5, OutputTokens: 7}}
	res, err := Analyze(nil, trace.Slice(reqs), threePhases("m"), Options{CountryISO: "DEU"})
	if err != nil {
		t.Fatal(err)
	}
	m := modelOf(t, res, 0)
	for name, p := range map[string]*float64{
		"energy_j": m.EnergyJ, "net_energy_j": m.NetEnergyJ, "joules_per_output_token": m.JoulesPerOutputToken,
		"wh_per_1000_queries": m.WhPer1000Queries, "tokens_per_joule": m.TokensPerJoule, "avg_watts": m.AvgWatts,
		"peak_watts": m.PeakWatts, "baseline_watts": m.BaselineWatts, "gco2eq": m.GCO2eq,
	} {
		if p != nil {
			t.Errorf("%s = %v, want absent", name, *p)
		}
	}
	if !containsWarning(m.Warnings, "no meter data") {
		t.Errorf("warnings %q lack the no-meter warning", m.Warnings)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"energy_j":null`, `"gco2eq":null`, `"joules_per_output_token":null`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s: %s", key, b)
		}
	}
	if m.Completed != 1 || m.OutputTokens != 7 {
		t.Errorf("request figures lost without meters: %+v", m.RequestCounts)
	}
	checkPtr(t, "total energy", res.Totals.EnergyJ, nil)
}

// A channel that stops before the measured phase gives no figure for it,
// and the headline says so rather than counting it as zero.
func TestChannelWithoutDataInWindow(t *testing.T) {
	samples := append(profile("nvml", "gpu0", "gpu", 0, 30, 10, constant(100)),
		profile("nvml", "gpu1", "gpu", 0, 5, 10, constant(100))...)
	res, err := Analyze(samples, nil, threePhases("m"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := modelOf(t, res, 0)
	checkPtr(t, "gpu1 energy", m.Channels[1].EnergyJ, nil)
	checkPtr(t, "headline", m.EnergyJ, ptr(1000))
	if !containsWarning(m.Warnings, "1 of 2 channels have no data") {
		t.Errorf("warnings %q lack the partial-sum warning", m.Warnings)
	}
}

func TestSummaryJSONKeys(t *testing.T) {
	samples := profile("nvml", "gpu0", "gpu", 0, 30, 10, loadProfile(50, 150))
	res, err := Analyze(samples, trace.Slice(latencyRequests()[:5]), threePhases("m"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Models []map[string]json.RawMessage `json:"models"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Models) != 1 {
		t.Fatalf("unmarshal: %v, %d models", err, len(doc.Models))
	}
	model := doc.Models[0]
	for _, key := range []string{"model", "completed", "failed", "input_tokens", "output_tokens", "tokens_estimated",
		"duration_s", "energy_j", "net_energy_j", "joules_per_output_token", "net_joules_per_output_token",
		"joules_per_token", "wh_per_1000_queries", "net_wh_per_1000_queries", "tokens_per_joule", "avg_watts",
		"peak_watts", "baseline_watts", "gco2eq", "gco2eq_per_1000_queries", "energy_basis", "energy_method",
		"latency", "throughput", "channels", "components", "warnings"} {
		if _, ok := model[key]; !ok {
			t.Errorf("model JSON lacks %q", key)
		}
	}
	var lat map[string]map[string]json.RawMessage
	if err := json.Unmarshal(model["latency"], &lat); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"ttft_ms", "tpot_ms", "itl_ms", "e2e_ms"} {
		for _, f := range []string{"count", "mean", "p50", "p90", "p99", "min", "max"} {
			if _, ok := lat[k][f]; !ok {
				t.Errorf("latency JSON lacks %s.%s", k, f)
			}
		}
	}
	var tp map[string]json.RawMessage
	if err := json.Unmarshal(model["throughput"], &tp); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"requests_per_s", "output_tokens_per_s", "total_tokens_per_s", "achieved_concurrency", "requested_concurrency"} {
		if _, ok := tp[k]; !ok {
			t.Errorf("throughput JSON lacks %q", k)
		}
	}
}

func TestModelsInPhaseOrderAndTotals(t *testing.T) {
	samples := profile("nvml", "gpu0", "gpu", 0, 60, 10, func(t float64) float64 {
		if (t >= 10 && t <= 20) || (t >= 40 && t <= 50) {
			return 200
		}
		return 100
	})
	phases := append(threePhases("b"), []trace.Phase{
		{Model: "a", Name: trace.PhaseIdleBefore, Start: 30, End: 40},
		{Model: "a", Name: trace.PhaseMeasured, Start: 40, End: 50},
		{Model: "a", Name: trace.PhaseIdleAfter, Start: 50, End: 60},
	}...)
	reqs := []trace.Request{
		{Model: "a", Phase: trace.PhaseMeasured, Start: 41, FirstToken: 41.5, End: 42, OutputTokens: 10},
		{Model: "b", Phase: trace.PhaseMeasured, Start: 11, FirstToken: 11.5, End: 12, OutputTokens: 30},
		{Model: "ghost", Phase: trace.PhaseMeasured, Start: 1, FirstToken: 1.5, End: 2, OutputTokens: 3},
	}
	res, err := Analyze(samples, trace.Slice(reqs), phases, Options{CountryISO: "se"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Models) != 2 || res.Models[0].Model != "b" || res.Models[1].Model != "a" {
		t.Fatalf("models = %v, want b then a", res.Models)
	}
	checkPtr(t, "total energy", res.Totals.EnergyJ, ptr(4000))
	if res.Totals.OutputTokens != 40 || res.Totals.Completed != 2 || res.Totals.DurationS != 20 {
		t.Errorf("totals = %+v", res.Totals)
	}
	checkPtr(t, "total J/output token", res.Totals.JoulesPerOutputToken, ptr(100))
	if res.Carbon.Region != "SWE" {
		t.Errorf("carbon region = %q, want SWE", res.Carbon.Region)
	}
	if !containsWarning(res.Warnings, `"ghost"`) {
		t.Errorf("run warnings %q lack the unknown-model warning", res.Warnings)
	}
	if len(res.Channels) != 1 || res.Channels[0].SampleRateHz == nil || !near(*res.Channels[0].SampleRateHz, 10) {
		t.Errorf("channel summary = %+v, want one channel at 10 Hz", res.Channels)
	}
}

func TestAnalyzeRejectsBadInput(t *testing.T) {
	good := threePhases("m")
	tests := []struct {
		name   string
		phases []trace.Phase
		opts   Options
		want   string
	}{
		{name: "phase ends before it starts", phases: []trace.Phase{{Model: "m", Name: trace.PhaseMeasured, Start: 5, End: 4}}, want: "end after start"},
		{name: "duplicate phase", phases: append(slices.Clone(good), good[1]), want: "two measured"},
		{name: "unknown phase", phases: []trace.Phase{{Model: "m", Name: "cooldown", Start: 0, End: 1}}, want: "unknown phase"},
		{name: "PUE below 1", phases: good, opts: Options{PUE: 0.5}, want: "PUE"},
		{name: "negative intensity", phases: good, opts: Options{CarbonIntensity: -1}, want: "carbon intensity"},
		{name: "unknown country", phases: good, opts: Options{CountryISO: "ATLANTIS"}, want: "closest"},
		{name: "negative concurrency", phases: good, opts: Options{RequestedConcurrency: -2}, want: "concurrency"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Analyze(nil, nil, tc.phases, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}
