package runner

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/meter"
	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
)

// storeMeter stands for a meter backed by a time-series store: its live
// reads say 100 W, the store's samples of the window say 200 W.
type storeMeter struct{ windows int }

func (s *storeMeter) Name() string { return "store" }
func (s *storeMeter) Close() error { return nil }
func (s *storeMeter) Read(context.Context) ([]meter.Reading, error) {
	return []meter.Reading{{Channel: "gpu0", Component: meter.GPU, Watts: 100, Joules: math.NaN()}}, nil
}
func (s *storeMeter) ReadWindow(_ context.Context, from, to time.Time) ([]meter.Reading, error) {
	s.windows++
	var rs []meter.Reading
	for t := from.Round(0); !t.After(to); t = t.Add(50 * time.Millisecond) {
		rs = append(rs, meter.Reading{Channel: "gpu0", Component: meter.GPU, Time: t, Watts: 200, Joules: math.NaN()})
	}
	return rs, nil
}

func init() {
	meter.Register("test-store", func(meter.Spec) (meter.Opener, error) { return meter.Ready(&storeMeter{}), nil })
}

// After the run the store's own samples are recorded under the meter's
// name and make the figures; the live reads stay, renamed, as a
// cross-check.
func TestStoreBackedMeterIsReadBackAfterTheRun(t *testing.T) {
	plan := smallPlan(t)
	plan.Meters = []meter.Spec{{Name: "store", Type: "test-store", Options: map[string]any{}}}
	dir, err := Run(context.Background(), plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := rundir.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	mt := raw.Meta.Meters[0]
	if mt.LiveName != "store-live" || mt.WindowSamples == 0 || mt.WindowError != "" || mt.Reads == 0 {
		t.Fatalf("run.json meter = %+v", mt)
	}
	live, stored := 0, 0
	for _, s := range collectSamples(t, raw) {
		switch s.Meter {
		case "store-live":
			live++
		case "store":
			stored++
		}
	}
	if live == 0 || stored != mt.WindowSamples {
		t.Errorf("power.csv has %d live and %d stored samples, run.json says %d stored", live, stored, mt.WindowSamples)
	}
	s, _, err := report.GenerateRaw(dir)
	if err != nil {
		t.Fatal(err)
	}
	gpu := s.Models[0].Components["gpu"]
	if gpu.Meter != "store" || gpu.AvgWatts == nil || math.Abs(*gpu.AvgWatts-200) > 1e-6 {
		t.Errorf("gpu figures from %q at %v W; want the store's 200 W", gpu.Meter, gpu.AvgWatts)
	}
	if len(gpu.CrossChecks) != 1 || gpu.CrossChecks[0].Meter != "store-live" {
		t.Errorf("cross-checks = %+v, want the live reads", gpu.CrossChecks)
	}
	if !strings.Contains(strings.Join(s.Models[0].Warnings, " "), "store-live") {
		t.Errorf("no warning that live and stored figures disagree by 50%%: %q", s.Models[0].Warnings)
	}
}
