package analysis

import (
	"errors"
	"math"
	"testing"
)

// Irregular samples: t = 0, 0.1, 0.25, 0.3 s at 100, 200, 200, 100 W.
// By hand, trapezoids over [0, 0.3]:
//
//	[0, 0.1]     (100+200)/2 × 0.1  = 15
//	[0.1, 0.25]  200 × 0.15         = 30
//	[0.25, 0.3]  (200+100)/2 × 0.05 = 7.5   → 52.5 J
//
// The mistake this replaces, Σ P × nominal period (0.1 s), gives 60 J.
var (
	irregularT = []float64{0, 0.1, 0.25, 0.3}
	irregularW = []float64{100, 200, 200, 100}
)

func TestIntegratedEnergy(t *testing.T) {
	s := oneSeries(t, powerSamples("pdu", "outlet1", "wall", irregularT, irregularW), nil)
	// Median spacing 0.1 s, so the gap threshold and edge tolerance are 0.3 s.
	tests := []struct {
		name          string
		from, to      float64
		joules        float64
		coverage      float64
		gaps          int
		maxGap        float64
		samples       int
		coverageAlert bool
	}{
		{name: "whole span", from: 0, to: 0.3, joules: 52.5, coverage: 1, maxGap: 0.15, samples: 4},
		{name: "on samples", from: 0.1, to: 0.25, joules: 30, coverage: 1, maxGap: 0.15, samples: 2},
		// p(0.05) = 150, p(0.28) = 200 − 100 × 0.03/0.05 = 140:
		// (150+200)/2 × 0.05 + 30 + (200+140)/2 × 0.03 = 8.75 + 30 + 5.1.
		{name: "edges interpolated", from: 0.05, to: 0.28, joules: 43.85, coverage: 1, maxGap: 0.15, samples: 2},
		// Within the 0.3 s tolerance the edge value is held: + 100 W × 0.1 s.
		{name: "edge held within tolerance", from: -0.1, to: 0.3, joules: 62.5, coverage: 1, maxGap: 0.15, samples: 4},
		// Beyond it only 0.3 s are held: + 30 J, and 0.6 of 1.3 s covered.
		{name: "window starts long before samples", from: -1, to: 0.3, joules: 82.5, coverage: 0.6 / 1.3, gaps: 1, maxGap: 1, samples: 4, coverageAlert: true},
		// p(0.2) = 200: 200 × 0.05 + 7.5 + 100 W held for 0.2 s.
		{name: "window ends after samples", from: 0.2, to: 0.5, joules: 37.5, coverage: 1, maxGap: 0.2, samples: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := s.Energy(tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if e.Method != MethodIntegration {
				t.Errorf("method = %q, want %q", e.Method, MethodIntegration)
			}
			checkNear(t, "joules", e.Joules, tc.joules)
			checkNear(t, "coverage", e.Coverage, tc.coverage)
			checkNear(t, "max gap", e.MaxGapS, tc.maxGap)
			if e.Gaps != tc.gaps || e.Samples != tc.samples {
				t.Errorf("gaps, samples = %d, %d; want %d, %d", e.Gaps, e.Samples, tc.gaps, tc.samples)
			}
			if got := containsWarning(e.Warnings, "cover only"); got != tc.coverageAlert {
				t.Errorf("coverage warning = %v, want %v (warnings %q)", got, tc.coverageAlert, e.Warnings)
			}
			if e.EdgeUncertaintyJ != nil {
				t.Errorf("edge uncertainty %v on integrated power, want none", *e.EdgeUncertaintyJ)
			}
		})
	}
}

func TestIntegrationIsNotNominalPeriodSum(t *testing.T) {
	s := oneSeries(t, powerSamples("pdu", "outlet1", "wall", irregularT, irregularW), nil)
	e, err := s.Energy(0, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	nominal := 0.0
	for _, w := range irregularW {
		nominal += w * 0.1 // the seed scripts' Σ P × nominal period
	}
	checkNear(t, "nominal-period sum", nominal, 60)
	checkNear(t, "trapezoid over real times", e.Joules, 52.5)
	if near(e.Joules, nominal) {
		t.Fatal("integration over real timestamps should differ from Σ P × nominal period here")
	}
}

func TestIntegratedAverageAndPeak(t *testing.T) {
	s := oneSeries(t, powerSamples("pdu", "outlet1", "wall", irregularT, irregularW), nil)
	e, err := s.Energy(0, 0.3)
	if err != nil {
		t.Fatal(err)
	}
	checkPtr(t, "avg watts", e.AvgWatts, ptr(52.5/0.3))
	checkPtr(t, "peak watts", e.PeakWatts, ptr(200))
}

func TestGapIsReported(t *testing.T) {
	var samples []Sample
	for _, s := range profile("pdu", "outlet1", "wall", 0, 10, 10, constant(100)) {
		if s.T > 4 && s.T < 6 {
			continue // the meter stopped answering for 2 s
		}
		samples = append(samples, s)
	}
	e, err := oneSeries(t, samples, nil).Energy(0, 10)
	if err != nil {
		t.Fatal(err)
	}
	checkNear(t, "joules across the gap", e.Joules, 1000)
	checkNear(t, "max gap", e.MaxGapS, 2)
	if e.Gaps != 1 {
		t.Errorf("gaps = %d, want 1", e.Gaps)
	}
	if !containsWarning(e.Warnings, "figure built on a gap") {
		t.Errorf("warnings %q lack the gap warning", e.Warnings)
	}
}

func TestCounterEnergy(t *testing.T) {
	ts := []float64{0, 1, 2, 3, 4}
	tests := []struct {
		name         string
		joules       []float64
		maxRange     float64
		from, to     float64
		want         float64
		resets       int
		wraps        int
		resetWarning bool
	}{
		// Counter 1000, 1100, 1250, 1300, 1500: at 0.5 s → 1050, at 3.5 s → 1400.
		{name: "interpolated edges", joules: []float64{1000, 1100, 1250, 1300, 1500}, from: 0.5, to: 3.5, want: 350},
		// Before the first reading the counter runs on at the first interval's 100 W.
		{name: "edge extrapolated", joules: []float64{1000, 1100, 1250, 1300, 1500}, from: -0.5, to: 4, want: 550},
		// Reset between 2 s and 3 s; the 30 J read after it is energy since
		// the reset. Running total 0, 100, 250, 280, 480: 380 − 50.
		{name: "reset mid-window", joules: []float64{1000, 1100, 1250, 30, 230}, from: 0.5, to: 3.5, want: 330, resets: 1, resetWarning: true},
		// Wrap at 2000 J: increments 200, 100−1900+2000 = 200, 200, 200.
		{name: "wrap with known range", joules: []float64{1700, 1900, 100, 300, 500}, maxRange: 2000, from: 0, to: 4, want: 800, wraps: 1},
		// Without the range the same readings look like a reset: 200+100+200+200.
		{name: "wrap without range is a reset", joules: []float64{1700, 1900, 100, 300, 500}, from: 0, to: 4, want: 700, resets: 1, resetWarning: true},
		{name: "reset outside the window is not counted", joules: []float64{1000, 1100, 1250, 30, 230}, from: 0, to: 2, want: 250},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ranges map[string]float64
			if tc.maxRange > 0 {
				ranges = map[string]float64{"rapl/package-0": tc.maxRange}
			}
			s := oneSeries(t, counterSamples("rapl", "package-0", "cpu", ts, tc.joules), ranges)
			e, err := s.Energy(tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if e.Method != MethodCounter {
				t.Errorf("method = %q, want %q", e.Method, MethodCounter)
			}
			checkNear(t, "joules", e.Joules, tc.want)
			if e.Resets != tc.resets || e.Wraps != tc.wraps {
				t.Errorf("resets, wraps = %d, %d; want %d, %d", e.Resets, e.Wraps, tc.resets, tc.wraps)
			}
			if got := containsWarning(e.Warnings, "reset"); got != tc.resetWarning {
				t.Errorf("reset warning = %v, want %v (warnings %q)", got, tc.resetWarning, e.Warnings)
			}
		})
	}
}

// An NVML-like counter that moves 10 J every 0.1 s, read every 0.05 s:
// readings 0, 0, 10, 10, 20, 20, … Between updates the counter stands
// still, so an interpolated edge can be off by one 10 J step.
func TestSteppedCounterEdgeUncertainty(t *testing.T) {
	var ts, js []float64
	for k := 0; k <= 20; k++ {
		ts = append(ts, float64(k)/20)
		js = append(js, 10*float64(k/2))
	}
	s := oneSeries(t, counterSamples("nvml", "gpu0", "gpu", ts, js), nil)
	e, err := s.Energy(0.2, 0.8)
	if err != nil {
		t.Fatal(err)
	}
	checkNear(t, "joules", e.Joules, 60) // 80 − 20
	checkPtr(t, "edge uncertainty", e.EdgeUncertaintyJ, ptr(20))
	checkPtr(t, "avg watts", e.AvgWatts, ptr(100))
	checkPtr(t, "peak watts", e.PeakWatts, ptr(100)) // 10 J per 0.1 s between changes
	checkNear(t, "update interval", s.CounterUpdateInterval(), 0.1)
	checkNear(t, "sample spacing", s.SampleSpacing(), 0.05)
}

// With a counter and power samples, energy comes from the counter, the
// average is that energy over the window (so average × duration = energy,
// even where the power readings say otherwise) and the peak comes from the
// power samples.
func TestCounterWithPowerSamples(t *testing.T) {
	var samples []Sample
	for k := 0; k <= 10; k++ {
		tk := float64(k)
		w := 110.0
		if k == 5 {
			w = 150
		}
		samples = append(samples, Sample{Meter: "nvml", Channel: "gpu0", Component: "gpu", T: tk, Watts: w, Joules: 100 * tk})
	}
	e, err := oneSeries(t, samples, nil).Energy(2, 8)
	if err != nil {
		t.Fatal(err)
	}
	if e.Method != MethodCounter {
		t.Errorf("method = %q, want counter", e.Method)
	}
	checkNear(t, "joules", e.Joules, 600)
	// The power samples alone would average (6 × 110 + 40 × 1 s)/6 ≈ 116.7 W.
	checkPtr(t, "avg watts", e.AvgWatts, ptr(600/6.0))
	checkPtr(t, "peak watts", e.PeakWatts, ptr(150))
}

func TestEnergyWithoutData(t *testing.T) {
	s := oneSeries(t, powerSamples("pdu", "outlet1", "wall", irregularT, irregularW), nil)
	if _, err := s.Energy(1, 2); !errors.Is(err, ErrNoData) {
		t.Errorf("window after the samples: err = %v, want ErrNoData", err)
	}
	single := oneSeries(t, powerSamples("pdu", "outlet1", "wall", []float64{0}, []float64{100}), nil)
	if _, err := single.Energy(0, 1); !errors.Is(err, ErrNoData) {
		t.Errorf("one sample: err = %v, want ErrNoData", err)
	}
	for _, w := range [][2]float64{{1, 1}, {2, 1}, {math.NaN(), 1}, {0, math.Inf(1)}} {
		if _, err := s.Energy(w[0], w[1]); err == nil || errors.Is(err, ErrNoData) {
			t.Errorf("window %v: err = %v, want a bad-window error", w, err)
		}
	}
}

func TestGroupSeriesRejectsBadSamples(t *testing.T) {
	good := Sample{Meter: "m", Channel: "c", Component: "gpu", T: 1, Watts: 10, Joules: nan}
	tests := []struct {
		name     string
		mutate   func(*Sample)
		maxRange map[string]float64
	}{
		{name: "NaN time", mutate: func(s *Sample) { s.T = math.NaN() }},
		{name: "infinite time", mutate: func(s *Sample) { s.T = math.Inf(1) }},
		{name: "unknown component", mutate: func(s *Sample) { s.Component = "fan" }},
		{name: "no channel", mutate: func(s *Sample) { s.Channel = "" }},
		{name: "infinite watts", mutate: func(s *Sample) { s.Watts = math.Inf(1) }},
		{name: "negative counter", mutate: func(s *Sample) { s.Joules = -1 }},
		{name: "no value", mutate: func(s *Sample) { s.Watts = nan }},
		{name: "component changes", mutate: func(s *Sample) { s.Component = "cpu" }},
		{name: "bad max range", mutate: func(*Sample) {}, maxRange: map[string]float64{"m/c": -5}},
		{name: "counter above range", mutate: func(s *Sample) { s.Joules = 500 }, maxRange: map[string]float64{"m/c": 100}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bad := good
			bad.T = 2
			tc.mutate(&bad)
			if _, err := GroupSeries([]Sample{good, bad}, tc.maxRange); err == nil {
				t.Error("GroupSeries accepted the sample")
			}
		})
	}
}

func TestGroupSeriesSortsAndSplits(t *testing.T) {
	samples := []Sample{
		{Meter: "nvml", Channel: "gpu1", Component: "gpu", T: 2, Watts: 30, Joules: nan},
		{Meter: "nvml", Channel: "gpu0", Component: "gpu", T: 1, Watts: 10, Joules: nan},
		{Meter: "nvml", Channel: "gpu1", Component: "gpu", T: 1, Watts: 20, Joules: nan},
		{Meter: "nvml", Channel: "gpu0", Component: "gpu", T: 0, Watts: 10, Joules: nan},
	}
	ss, err := GroupSeries(samples, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 2 || ss[0].Key() != "nvml/gpu0" || ss[1].Key() != "nvml/gpu1" {
		t.Fatalf("channels = %v, want nvml/gpu0, nvml/gpu1", ss)
	}
	e, err := ss[1].Energy(1, 2)
	if err != nil {
		t.Fatal(err)
	}
	checkNear(t, "gpu1 energy from out-of-order samples", e.Joules, 25)
}
