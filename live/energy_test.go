package live

import (
	"math"
	"testing"
	"time"

	"github.com/aienergy/aienergy/meter"
	dto "github.com/prometheus/client_model/go"
)

var t0 = time.Now()

// at is a reading of meter "m" channel ch at s seconds.
func at(s float64, ch string, comp meter.Component, watts, joules float64) meter.Reading {
	return meter.Reading{
		Meter: "m", Channel: ch, Component: comp,
		Time:  t0.Add(time.Duration(s * float64(time.Second))),
		Watts: watts, Joules: joules,
	}
}

var nan = math.NaN()

// TestEnergy checks the live energy and power of one channel against
// figures computed by hand.
func TestEnergy(t *testing.T) {
	tests := []struct {
		name     string
		readings []meter.Reading
		maxRange float64
		// wantJ is NaN when no energy series is expected; wantW NaN when
		// no power series is expected.
		wantJ, wantW float64
	}{
		{
			name: "power only, trapezoids over uneven spacing",
			// (100+200)/2·1 + (200+200)/2·2 + (200+0)/2·1 = 150 + 400 + 100
			readings: []meter.Reading{
				at(0, "gpu0", meter.GPU, 100, nan),
				at(1, "gpu0", meter.GPU, 200, nan),
				at(3, "gpu0", meter.GPU, 200, nan),
				at(4, "gpu0", meter.GPU, 0, nan),
			},
			wantJ: 650, wantW: 0,
		},
		{
			name:     "one power sample: energy 0, not missing",
			readings: []meter.Reading{at(0, "gpu0", meter.GPU, 75, nan)},
			wantJ:    0, wantW: 75,
		},
		{
			name: "counter with a reset adds the value after the reset",
			// 1000→1010→1030: 30 J; reset to 5: +5; 5→20: +15. Power of the
			// last interval: 15 J over 0.5 s.
			readings: []meter.Reading{
				at(0, "pkg", meter.CPU, nan, 1000),
				at(1, "pkg", meter.CPU, nan, 1010),
				at(2, "pkg", meter.CPU, nan, 1030),
				at(3, "pkg", meter.CPU, nan, 5),
				at(3.5, "pkg", meter.CPU, nan, 20),
			},
			wantJ: 50, wantW: 30,
		},
		{
			name: "counter that wraps at a known range adds the range",
			// 90→98: 8; 98→3 wrapping at 100: 100-98+3 = 5.
			readings: []meter.Reading{
				at(0, "pkg", meter.CPU, nan, 90),
				at(1, "pkg", meter.CPU, nan, 98),
				at(2, "pkg", meter.CPU, nan, 3),
			},
			maxRange: 100,
			wantJ:    13, wantW: 5,
		},
		{
			name: "counter wins over power; the measured power is shown",
			// Power alone would integrate to 300·2 = 600 J; the counter
			// says 420 J.
			readings: []meter.Reading{
				at(0, "gpu0", meter.GPU, 300, 5000),
				at(1, "gpu0", meter.GPU, 300, 5200),
				at(2, "gpu0", meter.GPU, 310, 5420),
			},
			wantJ: 420, wantW: 310,
		},
		{
			name: "a stale or repeated reading is not counted twice",
			readings: []meter.Reading{
				at(0, "gpu0", meter.GPU, 100, nan),
				at(1, "gpu0", meter.GPU, 100, nan),
				at(1, "gpu0", meter.GPU, 100, nan),
				at(0.5, "gpu0", meter.GPU, 100, nan),
				at(2, "gpu0", meter.GPU, 100, nan),
			},
			wantJ: 200, wantW: 100,
		},
		{
			name: "NaN and infinite values are skipped",
			readings: []meter.Reading{
				at(0, "gpu0", meter.GPU, 100, nan),
				at(1, "gpu0", meter.GPU, math.Inf(1), nan),
				at(2, "gpu0", meter.GPU, 100, nan),
			},
			wantJ: 200, wantW: 100,
		},
		{
			name: "negative power never makes energy decrease",
			// (-50+-50)/2 is left out; (−50+150)/2·1 = 50 is kept.
			readings: []meter.Reading{
				at(0, "x", meter.Other, -50, nan),
				at(1, "x", meter.Other, -50, nan),
				at(2, "x", meter.Other, 150, nan),
			},
			wantJ: 50, wantW: 150,
		},
		{
			name:     "one counter reading: energy 0, no power yet",
			readings: []meter.Reading{at(0, "pkg", meter.CPU, nan, 123)},
			wantJ:    0, wantW: nan,
		},
		{
			name:     "a reading with neither figure makes no series",
			readings: []meter.Reading{at(0, "pkg", meter.CPU, nan, nan)},
			wantJ:    nan, wantW: nan,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New()
			if tt.maxRange > 0 {
				e.MaxRanges(map[string]float64{"m/" + tt.readings[0].Channel: tt.maxRange})
			}
			// One reading per batch, as a meter read at a time.
			for _, r := range tt.readings {
				e.Readings([]meter.Reading{r})
			}
			fams := familiesByName(e)
			r := tt.readings[0]
			labels := []string{"meter", "m", "channel", r.Channel, "component", string(r.Component)}
			checkSeries(t, fams, MetricEnergy, labels, tt.wantJ)
			checkSeries(t, fams, MetricPower, labels, tt.wantW)
		})
	}
}

// checkSeries wants the series to hold want, or to be absent when want
// is NaN.
func checkSeries(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels []string, want float64) {
	t.Helper()
	got, ok := value(fams, name, labels...)
	switch {
	case math.IsNaN(want) && ok:
		t.Errorf("%s%v = %v; want no series", name, labels, got)
	case !math.IsNaN(want) && !ok:
		t.Errorf("%s%v missing; families: %s", name, labels, names(fams))
	case ok && !near(got, want):
		t.Errorf("%s%v = %v; want %v", name, labels, got, want)
	}
}

// TestEnergyBatchOfChannels feeds several channels in one batch, as a
// meter with many channels does, and checks that they stay apart.
func TestEnergyBatchOfChannels(t *testing.T) {
	e := New()
	for s := range 3 {
		e.Readings([]meter.Reading{
			at(float64(s), "gpu0", meter.GPU, 100, nan),
			at(float64(s), "gpu1", meter.GPU, 200, nan),
			{Meter: "rapl", Channel: "package-0", Component: meter.CPU, Time: t0.Add(time.Duration(s) * time.Second), Watts: nan, Joules: 10 * float64(s)},
		})
	}
	fams := familiesByName(e)
	for _, c := range []struct {
		meter, channel, comp string
		joules               float64
	}{
		{"m", "gpu0", "gpu", 200},
		{"m", "gpu1", "gpu", 400},
		{"rapl", "package-0", "cpu", 20},
	} {
		checkSeries(t, fams, MetricEnergy, []string{"meter", c.meter, "channel", c.channel, "component", c.comp}, c.joules)
	}
	if n := seriesCount(fams, MetricEnergy); n != 3 {
		t.Errorf("%d energy series; want 3", n)
	}
}
