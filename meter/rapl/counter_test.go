package rapl

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/meter"
	"github.com/aienergy/aienergy/trace"
)

const (
	pkg0File  = "devices/virtual/powercap/intel-rapl/intel-rapl:0/energy_uj"
	pkg1File  = "devices/virtual/powercap/intel-rapl/intel-rapl:1/energy_uj"
	dram0File = "devices/virtual/powercap/intel-rapl/intel-rapl:0/intel-rapl:0:0/energy_uj"
)

// Reading twice gives the counters' change in joules, to the microjoule.
func TestReadTwiceFollowsCounters(t *testing.T) {
	m, root := newTestMeter(t, "intel_2socket.txtar", nil)
	first, err := m.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The kernel's counters move on: package-0 by 61.000123 J, dram-0 by
	// 3.5 J; package-1 and dram-1 stay.
	setFile(t, root, pkg0File, "123517789135")
	setFile(t, root, dram0File, "23460289012")
	second, err := m.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"cpu-package-0": 61.000123, "cpu-package-1": 0, "dram-0": 3.5, "dram-1": 0}
	for i, r := range second {
		d := r.Joules - first[i].Joules
		if math.Abs(d-want[r.Channel]) > 0.5e-6 {
			t.Errorf("%s moved %.7f J, want %.6f J", r.Channel, d, want[r.Channel])
		}
	}
}

// A counter that wraps during the window gives the exact energy once the
// analysis has the meter's MaxRanges: the "exact to the microjoule".
func TestWrapIsExactWithMaxRanges(t *testing.T) {
	m, root := newTestMeter(t, "intel_2socket.txtar", nil)
	// package-1 (max_energy_range_uj 262143328850) near the top, then past
	// it. Truth, by hand, in µJ:
	//   t=0 → 1: 262143328000 - 262142000000              =   1328000
	//   t=1 → 2: (262143328850 - 262143328000) + 271150   =    272000
	//   t=2 → 3: 1271150 - 271150                         =   1000000
	//   total                                               2600000 µJ = 2.6 J
	counters := []string{"262142000000", "262143328000", "271150", "1271150"}
	var samples []trace.Sample
	for i, c := range counters {
		setFile(t, root, pkg1File, c)
		got, err := m.Read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range got {
			samples = append(samples, trace.Sample{
				Meter: r.Meter, Channel: r.Channel, Component: string(r.Component),
				T: float64(i), Watts: r.Watts, Joules: r.Joules,
			})
		}
	}
	series, err := analysis.GroupSeries(samples, analysis.Declared{MaxRangeJ: m.MaxRanges()})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, s := range series {
		if s.Key() != "cpu/cpu-package-1" {
			continue
		}
		found = true
		e, err := s.Energy(0, 3)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(e.Joules-2.6) > 0.5e-6 || e.Wraps != 1 || e.Resets != 0 || e.Method != analysis.MethodCounter {
			t.Errorf("energy %.7f J, %d wraps, %d resets, method %s; want 2.600000 J, 1 wrap, 0 resets, counter",
				e.Joules, e.Wraps, e.Resets, e.Method)
		}
	}
	if !found {
		t.Fatal("no series for cpu/cpu-package-1")
	}
}

// The meter works under the sampler: every reading lands, stamped.
func TestUnderSampler(t *testing.T) {
	m, _ := newTestMeter(t, "intel_2socket.txtar", nil)
	var got []meter.Reading
	s := meter.NewSampler([]meter.Meter{m}, 0, func(b []meter.Reading) { got = append(got, b...) })
	s.Start(context.Background())
	// Wait for the first read to land; the deadline only stops a hang.
	for deadline := time.Now().Add(10 * time.Second); len(s.Latest()) < 4; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			s.Stop()
			t.Fatalf("no complete read within 10 s; stats: %+v", s.Stop())
		}
	}
	s.Stop()
	if len(got) == 0 || len(got)%4 != 0 {
		t.Fatalf("sampler delivered %d readings, want a positive multiple of 4 channels", len(got))
	}
	for _, r := range got {
		if r.Time.IsZero() || r.Meter != "cpu" {
			t.Errorf("reading %+v: want the sampler's stamp and meter cpu", r)
		}
	}
}
