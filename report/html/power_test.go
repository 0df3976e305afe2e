package html

import (
	"math"
	"slices"
	"testing"

	"github.com/aienergy/aienergy/trace"
)

func counterSamples(t, j []float64) []trace.Sample {
	var out []trace.Sample
	for i := range t {
		out = append(out, trace.Sample{Meter: "m", Channel: "c", Component: "cpu", T: t[i], Watts: math.NaN(), Joules: j[i]})
	}
	return out
}

// eq compares lines with NaN equal to NaN and a little rounding allowed.
func eq(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool {
		return (math.IsNaN(x) && math.IsNaN(y)) || math.Abs(x-y) < 1e-9
	})
}

func TestChannelPower(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name        string
		samples     []trace.Sample
		maxRange    float64
		wantT       []float64
		wantV       []float64
		fromCounter bool
	}{{
		name: "power readings are used as they are, even beside a counter",
		samples: []trace.Sample{
			{T: 0, Watts: 10, Joules: 0}, {T: 1, Watts: 20, Joules: 15}, {T: 2, Watts: 30, Joules: 40},
		},
		wantT: []float64{0, 1, 2}, wantV: []float64{10, 20, 30},
	}, {
		name:    "counter only: average power over each interval, at its end",
		samples: counterSamples([]float64{0, 1, 2, 4}, []float64{100, 150, 300, 500}),
		wantT:   []float64{1, 2, 4}, wantV: []float64{50, 150, 100}, fromCounter: true,
	}, {
		// A counter refreshed every 0.1 s read every 0.025 s: between
		// changes, not between samples, or it reads 0, 0, 0, 400 W.
		name: "counter refreshing slower than it is read",
		samples: counterSamples(
			[]float64{0, 0.025, 0.05, 0.075, 0.1, 0.125, 0.15, 0.175, 0.2},
			[]float64{0, 0, 0, 0, 10, 10, 10, 10, 20}),
		wantT: []float64{0.1, 0.2}, wantV: []float64{100, 100}, fromCounter: true,
	}, {
		name:     "wrap with a known range",
		samples:  counterSamples([]float64{0, 1, 2}, []float64{900, 990, 40}),
		maxRange: 1000,
		wantT:    []float64{1, 2}, wantV: []float64{90, 50}, fromCounter: true,
	}, {
		name:    "reset without a range: a break, then on from the new value",
		samples: counterSamples([]float64{0, 1, 2, 3}, []float64{900, 990, 40, 100}),
		wantT:   []float64{1, 2, 3}, wantV: []float64{90, nan, 60}, fromCounter: true,
	}, {
		name: "a gap longer than three spacings breaks the line",
		samples: []trace.Sample{
			{T: 0, Watts: 1, Joules: nan}, {T: 1, Watts: 1, Joules: nan}, {T: 2, Watts: 1, Joules: nan},
			{T: 6, Watts: 2, Joules: nan}, {T: 7, Watts: 2, Joules: nan},
		},
		wantT: []float64{0, 1, 2, 4, 6, 7}, wantV: []float64{1, 1, 1, nan, 2, 2},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			l, fromCounter := channelPower(tc.samples, tc.maxRange)
			if !eq(l.T, tc.wantT) || !eq(l.V, tc.wantV) || fromCounter != tc.fromCounter {
				t.Errorf("got %v %v counter=%v, want %v %v counter=%v", l.T, l.V, fromCounter, tc.wantT, tc.wantV, tc.fromCounter)
			}
		})
	}
}
