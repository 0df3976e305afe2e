package html

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
)

// A run killed before it wrote its meters' statistics (kill -9 in the
// second model's measured phase) reports them as power.csv shows them,
// and both the terminal table and the page say where they came from
// instead of "0 reads, 0 Hz".
func TestCutOffRunMeterRows(t *testing.T) {
	dir, _, _ := fixture(t, "testdata/run-two-models")
	var meta rundir.Meta
	if err := rundir.ReadJSON(dir, rundir.MetaFile, &meta); err != nil {
		t.Fatal(err)
	}
	// run.json as the run wrote it when it started.
	recorded := slices.Clone(meta.Meters)
	meta.EndedAt = time.Time{}
	for i, m := range meta.Meters {
		meta.Meters[i] = rundir.Meter{Name: m.Name, Type: m.Type, IntervalS: m.IntervalS, MaxRangeJ: m.MaxRangeJ}
	}
	if err := rundir.WriteJSON(dir, rundir.MetaFile, meta); err != nil {
		t.Fatal(err)
	}
	phases, err := os.ReadFile(filepath.Join(dir, rundir.PhasesFile))
	if err != nil {
		t.Fatal(err)
	}
	cut := strings.Replace(string(phases), "large-8b,measured,20.000000,36.000000\nlarge-8b,idle_after,36.000000,38.000000\n", "large-8b,measured,20.000000,\n", 1)
	if cut == string(phases) {
		t.Fatal("the fixture's phases changed: cannot cut the run off")
	}
	if err := os.WriteFile(filepath.Join(dir, rundir.PhasesFile), []byte(cut), 0o644); err != nil {
		t.Fatal(err)
	}

	s, _, err := report.GenerateRaw(dir)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := rundir.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	// The fixture's power.csv and its finished run's statistics agree:
	// what is derived is what the sampler had recorded, the rate up to
	// the sampler running a little past the last reading.
	for _, want := range recorded {
		var got rundir.Meter
		for _, m := range s.Meters {
			if m.Name == want.Name {
				got = m
			}
		}
		if got.Reads != want.Reads || got.Gaps != want.Gaps || got.MaxGapS != want.MaxGapS ||
			math.Abs(got.AchievedHz-want.AchievedHz) > 0.05*want.AchievedHz || got.StatsFrom != rundir.PowerFile {
			t.Errorf("%s: %d reads, %d gaps (longest %v s), %.3g Hz, from %q; the finished run recorded %d, %d (%v s), %.3g Hz",
				want.Name, got.Reads, got.Gaps, got.MaxGapS, got.AchievedHz, got.StatsFrom, want.Reads, want.Gaps, want.MaxGapS, want.AchievedHz)
		}
	}

	var table bytes.Buffer
	report.PrintTable(&table, s)
	page, _ := render(t, s, raw)
	for _, tc := range []struct{ table, row string }{
		{"nvml, 2.0 Hz achieved, 77 reads, 0 gaps (longest 0.50 s) (from power.csv, run cut off)",
			"<td>77 (from power.csv, run cut off)</td><td>2.026 Hz</td><td>—</td><td>0.5000 s</td>"},
		{"snmp, 0.9 Hz achieved, 35 reads, 1 gaps (longest 5.00 s) (from power.csv, run cut off)",
			"<td>35 (from power.csv, run cut off)</td><td>0.9211 Hz</td><td>—</td><td>5.000 s</td>"},
	} {
		if !strings.Contains(table.String(), tc.table) {
			t.Errorf("the table lacks %q:\n%s", tc.table, table.String())
		}
		if !strings.Contains(page, tc.row) {
			t.Errorf("the page lacks the meter row %q", tc.row)
		}
	}
}
