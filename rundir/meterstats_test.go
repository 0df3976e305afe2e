package rundir

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/meter"
)

// Read times of the crafted run's meters, in seconds since its origin.
var (
	// gpu, two channels a read, every 0.1 s: 0–1.0 (11 reads), a 0.3 s
	// gap to 1.3, 1.4–2.0, then 2.2 — exactly twice the interval, which
	// the sampler does not count as a gap though 2.2−2.0 is a hair over
	// 0.2 in floating point —, 2.3, a 1 s gap to 3.3, and 3.4.
	gpuReads = append(steps(0, 1.0, 0.1), append([]float64{1.3}, append(steps(1.4, 2.0, 0.1), 2.2, 2.3, 3.3, 3.4)...)...)
	// A store-backed meter's live reads, every 0.5 s from 0.05 to 3.55:
	// each spacing is a gap at a 0.1 s interval. 3.55 is the last reading.
	liveReads = steps(0.05, 3.55, 0.5)
)

// steps is from, from+step, … up to to, rounded to the microsecond as
// power.csv writes them.
func steps(from, to, step float64) []float64 {
	var out []float64
	for i := 0; from+float64(i)*step <= to+1e-9; i++ {
		out = append(out, math.Round((from+float64(i)*step)*1e6)/1e6)
	}
	return out
}

// meterStatsRun writes, with the run's own writer, a run killed during its
// measured phase: run.json as the run writes it when it starts (meters
// listed, no statistics, no ended_at), and every reading flushed. With
// endedAt, the run finished instead (its measured phase ended).
func meterStatsRun(t *testing.T, endedAt time.Time) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	origin := time.Now()
	w, err := Create(dir, origin)
	if err != nil {
		t.Fatal(err)
	}
	at := func(s float64) time.Time { return origin.Add(time.Duration(math.Round(s * 1e9))) }
	meta := Meta{Name: "killed", EndedAt: endedAt, Meters: []Meter{
		{Name: "gpu", Type: "nvml", IntervalS: 0.1},
		{Name: "prom", Type: "prometheus", IntervalS: 0.1, LiveName: "prom" + meter.LiveSuffix},
		{Name: "rapl", Type: "rapl", IntervalS: 0.1, Error: "permission denied"},
		{Name: "late", Type: "redfish", IntervalS: 0.1}, // never read: its server never came up
	}}
	if err := WriteJSON(dir, MetaFile, meta); err != nil {
		t.Fatal(err)
	}
	w.Phase("m", "idle_before", at(0), at(1), 0)
	measured := w.StartPhase("m", "measured", at(1))
	if !endedAt.IsZero() {
		measured.End(at(3.6), 0)
	}
	for _, ts := range gpuReads {
		w.Readings([]meter.Reading{
			{Meter: "gpu", Channel: "gpu0", Component: meter.GPU, Time: at(ts), Watts: 100, Joules: math.NaN()},
			{Meter: "gpu", Channel: "gpu1", Component: meter.GPU, Time: at(ts), Watts: 90, Joules: math.NaN()},
		})
	}
	for _, ts := range liveReads {
		w.Readings([]meter.Reading{{Meter: "prom" + meter.LiveSuffix, Channel: "node", Component: meter.Wall, Time: at(ts), Watts: 300, Joules: math.NaN()}})
	}
	w.Request("measured", backend.Record{ID: 1, Model: "m", Start: at(1.2), End: at(2.5), OutputTokens: 10})
	if err := w.Close(); err != nil { // flushes: what a kill -9 leaves, bar the last second
		t.Fatal(err)
	}
	return dir
}

// A run cut off before it wrote its meters' statistics gets them from
// power.csv, with the sampler's definitions: one read per distinct time
// (however many channels), a gap where reads are more than twice the
// interval apart, the rate from the meter's first read to the last
// reading of any. Meters that were not used or never read keep none.
func TestCutOffRunDerivesMeterStats(t *testing.T) {
	raw, err := Read(meterStatsRun(t, time.Time{}))
	if err != nil {
		t.Fatal(err)
	}
	const end = 3.55
	for _, tc := range []struct {
		name      string
		reads     int
		gaps      int
		maxGapS   float64
		hz        float64
		statsFrom string
	}{
		{"gpu", 23, 2, 1.0, 23 / end, PowerFile},
		{"prom", 8, 7, 0.5, 8 / (end - 0.05), PowerFile},
		{"rapl", 0, 0, 0, 0, ""},
		{"late", 0, 0, 0, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := findMeter(t, raw.Meta.Meters, tc.name)
			if m.Reads != tc.reads || m.Gaps != tc.gaps || math.Abs(m.MaxGapS-tc.maxGapS) > 1e-9 ||
				math.Abs(m.AchievedHz-tc.hz) > 1e-9 || m.StatsFrom != tc.statsFrom {
				t.Errorf("%d reads, %d gaps (longest %v s), %v Hz, stats from %q; want %d, %d (%v s), %v Hz, %q",
					m.Reads, m.Gaps, m.MaxGapS, m.AchievedHz, m.StatsFrom, tc.reads, tc.gaps, tc.maxGapS, tc.hz, tc.statsFrom)
			}
			if m.Errors != 0 || m.UpdateIntervalS != 0 || m.MeanReadLatencyMS != 0 {
				t.Errorf("errors %d, update interval %v, read latency %v: power.csv cannot tell them", m.Errors, m.UpdateIntervalS, m.MeanReadLatencyMS)
			}
		})
	}
}

// A finished run's statistics are the sampler's: a meter that shows no
// reads there (a store-backed one whose live reads failed, say) is not
// given any from the samples read back from its store.
func TestFinishedRunKeepsMeterStats(t *testing.T) {
	raw, err := Read(meterStatsRun(t, finished))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range raw.Meta.Meters {
		if m.Reads != 0 || m.StatsFrom != "" {
			t.Errorf("%s: %d reads, stats from %q; want run.json's 0 and none", m.Name, m.Reads, m.StatsFrom)
		}
	}
}

func findMeter(t *testing.T, meters []Meter, name string) Meter {
	t.Helper()
	for _, m := range meters {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no meter %s in %+v", name, meters)
	return Meter{}
}
