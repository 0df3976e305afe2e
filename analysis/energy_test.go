package analysis

import (
	"errors"
	"math"
	"testing"

	"github.com/aienergy/aienergy/trace"
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
	var samples []trace.Sample
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

// An NVML-like counter refreshed every 0.1 s (at 0.075, 0.175, …) and read
// every 0.05 s, so each value is first seen up to 0.05 s after its refresh:
// 100 W until 0.475 s, then 300 W. Energy interpolates between the
// refreshes, placed halfway between the last old and the first new
// reading (exactly where they happened here); each edge is uncertain by
// f(1−f) × the power swing around its step × the step's duration, plus
// the energy of half a read spacing, when in it the refresh came being
// unknown.
func TestSteppedCounterEdgeUncertainty(t *testing.T) {
	truth := func(x float64) float64 { // true energy since 0
		if x <= 0.475 {
			return 100 * x
		}
		return 47.5 + 300*(x-0.475)
	}
	var ts, js []float64
	for k := 0; k <= 20; k++ {
		tk := float64(k) / 20
		ts = append(ts, tk)
		last := math.Floor((tk+0.025)*10+1e-9)/10 - 0.025 // the refresh shown at tk
		js = append(js, truth(math.Max(last, 0)))
	}
	s := oneSeries(t, counterSamples("nvml", "gpu0", "gpu", ts, js), nil)
	tests := []struct {
		name                 string
		from, to             float64
		uncertainty, avg, pk float64
	}{
		// Steady 100 W around both edges: only the refresh timing, 100 W ×
		// 0.025 s at each edge.
		{name: "steady", from: 0.2, to: 0.3, uncertainty: 5, avg: 100, pk: 100},
		// 0.45 is 3/4 of the way along the step 0.375–0.475 (100 W), whose
		// neighbour runs at 300 W: 3/16 × 200 W × 0.1 s = 3.75 J, + 2.5 J
		// timing. 0.8 is 1/4 along a 300 W step among 300 W steps, but a
		// phase edge may hide a dip to the run's lowest power, 100 W:
		// 3/16 × 200 W × 0.1 s = 3.75 J, + 7.5 J timing.
		{name: "edge next to a load change", from: 0.45, to: 0.8, uncertainty: 17.5, avg: 100 / 0.35, pk: 300},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := s.Energy(tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			checkNear(t, "joules", e.Joules, truth(tc.to)-truth(tc.from))
			checkNear(t, "uncertainty", e.UncertaintyJ, tc.uncertainty)
			checkPtr(t, "avg watts", e.AvgWatts, ptr(tc.avg))
			checkPtr(t, "peak watts", e.PeakWatts, ptr(tc.pk))
		})
	}
	checkNear(t, "update interval", s.CounterUpdateInterval(), 0.1)
	checkNear(t, "sample spacing", s.SampleSpacing(), 0.05)
}

// With a counter and power samples, energy comes from the counter, the
// average is that energy over the window (so average × duration = energy,
// even where the power readings say otherwise) and the peak comes from the
// power samples.
func TestCounterWithPowerSamples(t *testing.T) {
	var samples []trace.Sample
	for k := 0; k <= 10; k++ {
		tk := float64(k)
		w := 110.0
		if k == 5 {
			w = 150
		}
		samples = append(samples, trace.Sample{Meter: "nvml", Channel: "gpu0", Component: "gpu", T: tk, Watts: w, Joules: 100 * tk})
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

// A bad reading is left out and counted; the channel keeps its figures.
func TestGroupSeriesRejectsBadReadings(t *testing.T) {
	tests := []struct {
		name     string
		mutate   func(*trace.Sample)
		maxRange float64
		reason   string
	}{
		{name: "NaN time", mutate: func(s *trace.Sample) { s.T = math.NaN() }, reason: rejectTime},
		{name: "infinite time", mutate: func(s *trace.Sample) { s.T = math.Inf(1) }, reason: rejectTime},
		{name: "unknown component", mutate: func(s *trace.Sample) { s.Component = "fan" }, reason: rejectComponent},
		{name: "infinite watts", mutate: func(s *trace.Sample) { s.Watts = math.Inf(1) }, reason: rejectPower},
		{name: "negative watts", mutate: func(s *trace.Sample) { s.Watts = -300 }, reason: rejectNegative},
		{name: "negative counter", mutate: func(s *trace.Sample) { s.Joules = -1 }, reason: rejectCounter},
		{name: "no value", mutate: func(s *trace.Sample) { s.Watts, s.Joules = nan, nan }, reason: rejectEmpty},
		{name: "component changes", mutate: func(s *trace.Sample) { s.Component = "cpu" }, reason: rejectSwitch},
		{name: "counter above range", mutate: func(s *trace.Sample) { s.Joules = 5000 }, maxRange: 1000, reason: rejectAboveRange},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// 100 W and a counter at 100 J/s, read every second; reading 2 is bad.
			var samples []trace.Sample
			for k := 0; k <= 4; k++ {
				samples = append(samples, trace.Sample{Meter: "m", Channel: "c", Component: "gpu", T: float64(k), Watts: 100, Joules: 100 * float64(k)})
			}
			tc.mutate(&samples[2])
			var ranges map[string]float64
			if tc.maxRange > 0 {
				ranges = map[string]float64{"m/c": tc.maxRange}
			}
			s := oneSeries(t, samples, ranges)
			if s.Rejected[tc.reason] != 1 || len(s.Rejected) != 1 {
				t.Errorf("rejected = %v, want one %q", s.Rejected, tc.reason)
			}
			e, err := s.Energy(0, 4)
			if err != nil {
				t.Fatal(err)
			}
			checkNear(t, "energy from the other readings", e.Joules, 400)
		})
	}
	if _, err := GroupSeries(nil, Declared{MaxRangeJ: map[string]float64{"m/c": -5}}); err == nil {
		t.Error("GroupSeries accepted a negative max range")
	}
}

// A counter that steps back for one reading and returns is a glitch; one
// that steps back a little and stays is not a reset either: neither may
// add the counter's whole value as energy.
func TestCounterBackSteps(t *testing.T) {
	ts := []float64{0, 1, 2, 3, 4}
	tests := []struct {
		name     string
		joules   []float64
		want     float64
		rejected int
	}{
		{name: "one-reading glitch", joules: []float64{1000, 1100, 900, 1300, 1400}, want: 400, rejected: 1},
		// 1100 → 1090 and on from there: 100 + 0 + 5 + 100.
		{name: "small step back that stays", joules: []float64{1000, 1100, 1090, 1095, 1195}, want: 205, rejected: 1},
		// To below half: a reset, counted from zero: 100 + 50 + 100 + 100.
		{name: "reset", joules: []float64{1000, 1100, 50, 150, 250}, want: 350},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := oneSeries(t, counterSamples("m", "c", "gpu", ts, tc.joules), nil)
			n := 0
			for _, v := range s.Rejected {
				n += v
			}
			if n != tc.rejected {
				t.Errorf("rejected %v, want %d readings", s.Rejected, tc.rejected)
			}
			e, err := s.Energy(0, 4)
			if err != nil {
				t.Fatal(err)
			}
			checkNear(t, "joules", e.Joules, tc.want)
		})
	}
}

func TestGroupSeriesSortsAndSplits(t *testing.T) {
	samples := []trace.Sample{
		{Meter: "nvml", Channel: "gpu1", Component: "gpu", T: 2, Watts: 30, Joules: nan},
		{Meter: "nvml", Channel: "gpu0", Component: "gpu", T: 1, Watts: 10, Joules: nan},
		{Meter: "nvml", Channel: "gpu1", Component: "gpu", T: 1, Watts: 20, Joules: nan},
		{Meter: "nvml", Channel: "gpu0", Component: "gpu", T: 0, Watts: 10, Joules: nan},
	}
	ss, err := GroupSeries(samples, Declared{})
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
