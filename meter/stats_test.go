package meter

import (
	"math"
	"testing"
	"time"
)

// synthetic feeds a detector n readings of one channel, interval apart,
// whose value changes every changeEvery-th reading.
func synthetic(d *updateDetector, channel string, n, changeEvery int, interval time.Duration) {
	t0 := time.Unix(1_700_000_000, 0)
	for i := 0; i < n; i++ {
		d.observe(channel, t0.Add(time.Duration(i)*interval), float64(i/changeEvery))
	}
}

func TestUpdateDetector(t *testing.T) {
	const ms = time.Millisecond
	tests := []struct {
		name string
		feed func(*updateDetector)
		want time.Duration
	}{
		{"every 3rd of 100 ms polls → 300 ms", func(d *updateDetector) {
			synthetic(d, "gpu0", 60, 3, 100*ms)
		}, 300 * ms},
		{"every poll changes → the poll interval", func(d *updateDetector) {
			synthetic(d, "gpu0", 20, 1, 100*ms)
		}, 100 * ms},
		{"median across channels: 300 ms and 500 ms → 400 ms", func(d *updateDetector) {
			synthetic(d, "gpu0", 60, 3, 100*ms)
			synthetic(d, "gpu1", 60, 5, 100*ms)
		}, 400 * ms},
		{"median across three channels", func(d *updateDetector) {
			synthetic(d, "a", 100, 3, 100*ms)
			synthetic(d, "b", 100, 5, 100*ms)
			synthetic(d, "c", 100, 10, 100*ms)
		}, 500 * ms},
		{"a constant channel does not count", func(d *updateDetector) {
			synthetic(d, "gpu0", 60, 3, 100*ms)
			synthetic(d, "idle", 60, 1000, 100*ms)
		}, 300 * ms},
		{"one change only → unknown", func(d *updateDetector) {
			synthetic(d, "gpu0", 6, 5, 100*ms)
		}, 0},
		{"jittered spacings: the median ignores outliers", func(d *updateDetector) {
			t0 := time.Unix(0, 0)
			at := []time.Duration{0, 1000, 2010, 2990, 4000, 9000, 10000}
			for i, a := range at {
				d.observe("psu", t0.Add(a*ms), float64(i))
			}
		}, 1010 * ms}, // spacings 1010, 980, 1010, 5000, 1000
		{"NaN repeated is no change", func(d *updateDetector) {
			t0 := time.Unix(0, 0)
			for i := 0; i < 10; i++ {
				d.observe("x", t0.Add(time.Duration(i)*ms), math.NaN())
			}
		}, 0},
		{"no readings", func(*updateDetector) {}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d updateDetector
			tt.feed(&d)
			if got := d.interval(); got != tt.want {
				t.Errorf("interval() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestChangeValuePrefersEnergy(t *testing.T) {
	if v := changeValue(Reading{Watts: 5, Joules: 7}); v != 7 {
		t.Errorf("changeValue with both = %v, want the joules 7", v)
	}
	if v := changeValue(Reading{Watts: 5, Joules: NoValue}); v != 5 {
		t.Errorf("changeValue with power only = %v, want 5", v)
	}
}

func TestTrackerStats(t *testing.T) {
	const ms = time.Millisecond
	tr := newTracker("pdu", 100*ms)
	t0 := time.Unix(0, 0)
	// Reads at 0, 100, 200, 500, 600 ms: one spacing of 300 ms > 2×100 ms.
	for i, at := range []time.Duration{0, 100, 200, 500, 600} {
		tr.success(t0.Add(at*ms), time.Duration(i+1)*ms, []Reading{{Channel: "pdu", Watts: float64(i), Joules: NoValue}})
	}
	tr.failure(errNoReadings)
	st := tr.finish(time.Second)
	want := Stats{
		Meter: "pdu", Reads: 5, Errors: 1, LastError: errNoReadings.Error(),
		FirstRead: t0, LastRead: t0.Add(600 * ms),
		AchievedHz: 5, MaxGap: 300 * ms, Gaps: 1,
		UpdateInterval:  100 * ms, // median of 100, 100, 300, 100 ms between changes
		MeanReadLatency: 3 * ms,   // mean of 1..5 ms
	}
	if st != want {
		t.Errorf("stats\n got %+v\nwant %+v", st, want)
	}
}

func TestSpacingSampleStaysBoundedAndEven(t *testing.T) {
	var s spacingSample
	const n = 100_000
	for i := 0; i < n; i++ {
		s.add(time.Duration(i))
	}
	if len(s.values) >= maxSpacings || len(s.values) < maxSpacings/4 {
		t.Fatalf("kept %d values, want between %d and %d", len(s.values), maxSpacings/4, maxSpacings)
	}
	step := s.values[1] - s.values[0]
	for i := 1; i < len(s.values); i++ {
		if s.values[i]-s.values[i-1] != step {
			t.Fatalf("uneven sample at %d: %v after %v", i, s.values[i], s.values[i-1])
		}
	}
	if s.values[0] != 0 || s.values[len(s.values)-1] < n*9/10 {
		t.Errorf("sample spans %v..%v, want the whole 0..%d", s.values[0], s.values[len(s.values)-1], n)
	}
	if m, _ := median(s.values); m < n*4/10 || m > n*6/10 {
		t.Errorf("median of the sample %v, want about %d", m, n/2)
	}
}

func TestMedian(t *testing.T) {
	if _, ok := median(nil); ok {
		t.Error("median of nothing reported ok")
	}
	if m, _ := median([]time.Duration{5, 1, 3}); m != 3 {
		t.Errorf("odd median = %v", m)
	}
	in := []time.Duration{4, 1, 3, 2}
	if m, _ := median(in); m != 2 { // (2+3)/2 in integer nanoseconds
		t.Errorf("even median = %v", m)
	}
	if in[0] != 4 {
		t.Error("median sorted its input in place")
	}
}
