package promquery

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/meter"
)

// These tests feed ReadWindow's conversion series as the API would return
// them, for what the real-Prometheus test cannot show: samples of power
// and energy on different timestamps, NaN samples, summed parts.

// show writes a reading as "ms channel component W J", for comparing.
func show(r meter.Reading) string {
	return fmt.Sprintf("%d %s %s %v %v", r.Time.UnixMilli(), r.Channel, r.Component, r.Watts, r.Joules)
}

func TestWindowReadings(t *testing.T) {
	nan := math.NaN()
	gpu0, gpu1 := lbl("gpu", "0"), lbl("gpu", "1")
	for _, tc := range []struct {
		name    string
		opts    map[string]any
		results [][]series
		want    []string
		err     string
	}{
		{
			name: "dcgm power and energy paired by timestamp",
			results: [][]series{
				{ // W
					{gpu0, pts(10, 300, 11, 301, 12.001, 302)},
					{gpu1, pts(11, 70, 12, nan)}, // NaN: no figure at that scrape
				},
				{ // mJ
					{gpu0, pts(10, 5000, 11, 6500, 12.5, 7250)},
					{gpu1, pts(12, 400)},
				},
			},
			want: []string{
				"10000 gpu0 gpu 300 5",
				"11000 gpu0 gpu 301 6.5",
				"11000 gpu1 gpu 70 NaN",
				"12000 gpu1 gpu NaN 0.4",
				"12001 gpu0 gpu 302 NaN",
				"12500 gpu0 gpu NaN 7.25",
			},
		},
		{
			name: "one GPU under two pods' labels merged",
			results: [][]series{
				nil,
				{
					{lbl("gpu", "0", "pod", "a"), pts(1, 1000, 2, 2000, 3, 3000)},
					{lbl("gpu", "0", "pod", "b"), pts(3, 3000, 4, 4000)},
				},
			},
			want: []string{"1000 gpu0 gpu NaN 1", "2000 gpu0 gpu NaN 2", "3000 gpu0 gpu NaN 3", "4000 gpu0 gpu NaN 4"},
		},
		{
			name: "two nodes' gpu0 interleaving",
			results: [][]series{
				nil,
				{
					{lbl("gpu", "0", "Hostname", "a"), pts(1, 1000, 2, 2000)},
					{lbl("gpu", "0", "Hostname", "b"), pts(1.5, 9000, 2.5, 9100)},
				},
			},
			err: "narrow them with selector (e.g. on Hostname)",
		},
		{
			// Read adds Kepler's dynamic and idle modes; here at shared
			// instants only, as an instant with one of them would read as
			// a drop of the counter.
			name: "kepler v0.7 modes summed",
			opts: map[string]any{"preset": "kepler"},
			results: func() [][]series {
				r := make([][]series, 8)
				r[4] = []series{
					{lbl("package", "0", "mode", "dynamic"), pts(1, 100, 2, 103, 3, 106)},
					{lbl("package", "0", "mode", "idle"), pts(1, 500, 3, 510)},
				}
				return r
			}(),
			want: []string{"1000 kepler-package-0 cpu NaN 600", "3000 kepler-package-0 cpu NaN 616"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mm, err := New(newSpec(tc.opts))
			if err != nil {
				t.Fatal(err)
			}
			got, err := mm.(*Meter).windowReadings(tc.results, time.Second)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v; want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var shown []string
			for _, r := range got {
				shown = append(shown, show(r))
				if r.Meter != "" {
					t.Errorf("%+v: Meter set; the runner fills it", r)
				}
			}
			if strings.Join(shown, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("readings\n%s\nwant\n%s", strings.Join(shown, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestWithin(t *testing.T) {
	// A window that starts and ends inside a millisecond holds the samples
	// of its whole milliseconds only.
	from, to := ceilMilli(sec(1.0004)), sec(3.0016).Truncate(time.Millisecond)
	got := within(pts(1, 0, 1.001, 1, 2, 2, 3.001, 3, 3.002, 4), from, to)
	if want := pts(1.001, 1, 2, 2, 3.001, 3); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("within [%v, %v]: %v; want %v", from, to, got, want)
	}
	if c := ceilMilli(sec(2)); !c.Equal(sec(2)) {
		t.Errorf("ceilMilli(2 s) = %v", c)
	}
}

// testReadWindow checks ReadWindow against the real Prometheus of
// TestAgainstPrometheus, over [from, to], after the phases were served.
func testReadWindow(t *testing.T, s *stack, newMeter func(*testing.T, map[string]any) *Meter, from, to time.Time) {
	t.Run("raw samples", func(t *testing.T) {
		got, err := newMeter(t, map[string]any{"selector": node01}).ReadWindow(context.Background(), from, to)
		if err != nil {
			t.Fatal(err)
		}
		byChan := readingsByChannel(t, got, from, to)
		for gpu, served := range map[string]struct {
			watts float64
			mj    []float64
		}{
			"0": {gpu0Watts, []float64{phases[0].gpu0, phases[1].gpu0, phases[2].gpu0, phases[3].gpu0}},
			"1": {gpu1Watts, []float64{phases[0].gpu1, phases[1].gpu1, phases[2].gpu1, phases[3].gpu1}},
		} {
			ch := "gpu" + gpu
			sel := `{Hostname="gpu-node-01",gpu="` + gpu + `"}`
			// What Prometheus stored: power and energy of one scrape share
			// its timestamp, so each is one reading with both figures.
			mj := inWindow(s.raw(t, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"+sel, 2*time.Minute), from, to)
			w := inWindow(s.raw(t, "DCGM_FI_DEV_POWER_USAGE"+sel, 2*time.Minute), from, to)
			rs := byChan[ch]
			if len(rs) != len(mj) || len(rs) != len(w) || len(rs) < 4 {
				t.Fatalf("%s: %d readings; Prometheus holds %d energy and %d power samples in the window (want one or more of each of the four phases)", ch, len(rs), len(mj), len(w))
			}
			for i, r := range rs {
				if r.Time.UnixMilli() != millis(mj[i].t) || r.Time.UnixMilli() != millis(w[i].t) {
					t.Errorf("%s reading %d at %v; stored samples at %v and %v", ch, i, r.Time, mj[i].t, w[i].t)
				}
				if !containsValue(served.mj, mj[i].v) {
					t.Errorf("%s: stored %v mJ, which was never served (%v)", ch, mj[i].v, served.mj)
				}
				if r.Joules != mj[i].v/1000 || r.Watts != served.watts || r.Component != meter.GPU || r.Meter != "" {
					t.Errorf("%s reading %d: %+v; want %v J (%v mJ), %v W, gpu, no meter name", ch, i, r, mj[i].v/1000, mj[i].v, served.watts)
				}
			}
		}
		// The analysis' counter increase over the readings: a drop is a
		// restart from zero, so it adds the value after the drop.
		for ch, want := range map[string]float64{"gpu0": 750 + 300 + 420, "gpu1": 2250} {
			if d := counterDelta(byChan[ch]); math.Abs(d-want) > 1e-6 {
				t.Errorf("%s: counter increase over the readings %.9f J, want %v J", ch, d, want)
			}
		}
	})

	// Expressions are evaluated on the step grid from the window's start,
	// each point the last sample at or before it; the edges of this window
	// lie in stretches of one value (see the expressions test above), so
	// the increase over the grid is the same.
	t.Run("expressions on the grid", func(t *testing.T) {
		m := newMeter(t, map[string]any{"selector": node01, "queries": []any{
			map[string]any{"query": "max by (gpu) (DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{$selector})", "kind": "energy", "unit": "mJ", "component": "gpu", "channel_label": "gpu"},
		}})
		got, err := m.ReadWindow(context.Background(), from, to)
		if err != nil {
			t.Fatal(err)
		}
		first := ceilMilli(from)
		points := int(to.Sub(first)/time.Second) + 1
		for ch, want := range readingsByChannel(t, got, from, to) {
			if len(want) != points {
				t.Errorf("%s: %d readings; want one per second of the grid, %d", ch, len(want), points)
			}
			for i, r := range want {
				if !r.Time.Equal(first.Add(time.Duration(i) * time.Second)) {
					t.Errorf("%s reading %d at %v; want the grid point %v", ch, i, r.Time, first.Add(time.Duration(i)*time.Second))
				}
			}
			if d, w := counterDelta(want), map[string]float64{"gpu0": 1470, "gpu1": 2250}[ch]; math.Abs(d-w) > 1e-6 {
				t.Errorf("%s: counter increase over the grid %.9f J, want %v J", ch, d, w)
			}
		}
	})

	t.Run("no samples", func(t *testing.T) {
		_, err := newMeter(t, map[string]any{"selector": node01}).ReadWindow(context.Background(), from.Add(-2*time.Hour), from.Add(-time.Hour))
		if !errors.Is(err, ErrNoData) {
			t.Errorf("error %v; want ErrNoData", err)
		}
	})

	t.Run("two nodes without selector", func(t *testing.T) {
		_, err := newMeter(t, nil).ReadWindow(context.Background(), from, to)
		if err == nil || !strings.Contains(err.Error(), "selector (e.g. on Hostname") {
			t.Errorf("error %v; want one asking for a selector on Hostname", err)
		}
	})
}

// readingsByChannel groups readings by channel after checking that every
// one lies in [from, to] and that they come in time order.
func readingsByChannel(t *testing.T, rs []meter.Reading, from, to time.Time) map[string][]meter.Reading {
	t.Helper()
	out := map[string][]meter.Reading{}
	for i, r := range rs {
		if r.Time.Before(from) || r.Time.After(to) {
			t.Errorf("reading %+v outside the window [%v, %v]", r, from, to)
		}
		if i > 0 && r.Time.Before(rs[i-1].Time) {
			t.Errorf("reading %d at %v before the one ahead of it at %v", i, r.Time, rs[i-1].Time)
		}
		if prev := out[r.Channel]; len(prev) > 0 && !r.Time.After(prev[len(prev)-1].Time) {
			t.Errorf("%s: two readings at %v", r.Channel, r.Time)
		}
		out[r.Channel] = append(out[r.Channel], r)
	}
	if len(out) != 2 {
		t.Errorf("channels %v; want gpu0 and gpu1", out)
	}
	return out
}

// counterDelta is the increase of the readings' energy counter with the
// analysis' reset rule.
func counterDelta(rs []meter.Reading) float64 {
	var sum float64
	for i := 1; i < len(rs); i++ {
		d := rs[i].Joules - rs[i-1].Joules
		if d < 0 {
			d = rs[i].Joules
		}
		sum += d
	}
	return sum
}

func inWindow(p []point, from, to time.Time) []point {
	var out []point
	for _, q := range p {
		if ms := millis(q.t); ms >= ceilMilli(from).UnixMilli() && ms <= to.UnixMilli() {
			out = append(out, q)
		}
	}
	return out
}

func containsValue(vs []float64, v float64) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}
