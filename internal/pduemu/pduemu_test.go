package pduemu

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/meter"
	_ "github.com/aienergy/aienergy/meter/snmp" // registers the snmp kind
)

// TestTruth checks the Go side on figures worked out by hand.
func TestTruth(t *testing.T) {
	start := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	p := &PDU{Start: start, opts: Options{Offset: 1000},
		profile: Profile{{time.Second, 60}, {2 * time.Second, 1300}, {0, 5000}, {time.Second, 250}}}
	at := func(s float64) time.Time { return start.Add(time.Duration(s * float64(time.Second))) }
	for _, tc := range []struct {
		s, watts float64
	}{{-1, 0}, {0, 60}, {0.999, 60}, {1, 1300}, {2.5, 1300}, {3, 250}, {3.5, 250}, {100, 250}} {
		if got := p.TruePower(at(tc.s)); got != tc.watts {
			t.Errorf("TruePower(start%+vs) = %v, want %v", tc.s, got, tc.watts)
		}
	}
	for _, tc := range []struct {
		from, to, joules float64
	}{
		{-5, 0, 0},                          // nothing before the start
		{-5, 1, 60},                         // the first second
		{0.5, 2, 30 + 1300},                 // half of the idle, half of the load
		{0, 4, 60 + 2600 + 250},             // the whole profile (the 0-s step adds nothing)
		{3, 13, 2500},                       // the last step's power goes on
		{2, 1, -1300},                       // backwards
		{-1, 10, 60 + 2600 + 250 + 6*250.0}, // all of it
	} {
		if got := p.TrueEnergy(at(tc.from), at(tc.to)); math.Abs(got-tc.joules) > 1e-9 {
			t.Errorf("TrueEnergy(start%+vs, start%+vs) = %v, want %v", tc.from, tc.to, got, tc.joules)
		}
	}
	if got := p.TrueCounter(at(2)); got != 1000+60+1300 {
		t.Errorf("TrueCounter(start+2s) = %v, want 2360", got)
	}

	p.opts.Refresh = 1500 * time.Millisecond
	for _, tc := range []struct{ s, want float64 }{{-1, -1}, {0, 0}, {1.4, 0}, {1.5, 1.5}, {4, 3}} {
		if got := p.LastRefresh(at(tc.s)); !got.Equal(at(tc.want)) {
			t.Errorf("LastRefresh(start%+vs) = start%+v, want start%+vs", tc.s, got.Sub(start), tc.want)
		}
	}
}

func TestCounterStart(t *testing.T) {
	for _, tc := range []struct {
		offset, unit float64
		base, remNJ  int64
	}{
		{0, TenthKWh, 0, 0},
		{100*TenthKWh - 500, TenthKWh, 99, 359500e9},
		{100*TenthKWh - 500, WattHour, 9999, 3100e9},
		{10020 * TenthKWh, TenthKWh, 10020, 0}, // 3.6e18 nJ would be near int64's end
		{1.25, WattHour, 0, 1.25e9},
	} {
		if base, rem := counterStart(tc.offset, tc.unit); base != tc.base || rem != tc.remNJ {
			t.Errorf("counterStart(%v, %v) = %d, %d; want %d, %d", tc.offset, tc.unit, base, rem, tc.base, tc.remNJ)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		profile Profile
		opts    Options
		says    string
	}{
		{nil, Options{}, "empty profile"},
		{Profile{{time.Nanosecond, 1}}, Options{}, "whole, non-negative number of µs"},
		{Profile{{time.Second, -1}}, Options{}, "not a finite, non-negative"},
		{Profile{{time.Second, math.NaN()}}, Options{}, "not a finite, non-negative"},
		{Profile{{time.Second, 1}}, Options{Offset: -1}, "offset"},
		{Profile{{time.Second, 1}}, Options{Refresh: time.Nanosecond}, "refresh"},
	} {
		if err := check(tc.profile, tc.opts); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("check(%v, %+v) = %v, want an error saying %q", tc.profile, tc.opts, err, tc.says)
		}
	}
}

// A read is what one meter read of the emulated PDU gave, between two
// moments: the script computed it somewhere in [before, after].
type read struct {
	before, after time.Time
	watts, joules float64
}

func readAll(t *testing.T, m meter.Meter) read {
	t.Helper()
	var r read
	r.before = time.Now()
	rs, err := m.Read(context.Background())
	r.after = time.Now()
	if err != nil {
		t.Fatalf("%s: %v", m.Name(), err)
	}
	if len(rs) != 1 {
		t.Fatalf("%s: %d readings, want 1: %+v", m.Name(), len(rs), rs)
	}
	r.watts, r.joules = rs[0].Watts, rs[0].Joules
	return r
}

// family is how one preset's PDU rounds the truth.
type family struct {
	preset string
	power  func(w float64) float64 // the power object's value, in W
	unit   float64                 // the energy counter's unit, J
}

var (
	apc = family{"apc_rpdu2", func(w float64) float64 { return 10 * math.Round(w/10) }, TenthKWh}
	rar = family{"raritan", math.Round, WattHour}
)

// checkRead holds one read against the truth: the power the PDU showed at
// some moment of the read, rounded to its unit, and its counter floored to
// its unit at that moment.
func checkRead(t *testing.T, p *PDU, f family, r read) {
	t.Helper()
	b, a := p.LastRefresh(r.before), p.LastRefresh(r.after)
	if w0, w1 := f.power(p.TruePower(b)), f.power(p.TruePower(a)); r.watts != w0 && r.watts != w1 {
		t.Errorf("%s at start+%v: %v W, want %v W (true %v W, rounded to the unit)",
			f.preset, r.before.Sub(p.Start), r.watts, w0, p.TruePower(b))
	}
	lo := f.unit * math.Floor(p.TrueCounter(b)/f.unit)
	hi := f.unit * math.Floor(p.TrueCounter(a)/f.unit)
	if r.joules < lo || r.joules > hi {
		t.Errorf("%s at start+%v: counter %v J, want %v J (true %v J, floored to %v J)",
			f.preset, r.before.Sub(p.Start), r.joules, lo, p.TrueCounter(b), f.unit)
	}
}

func newMeter(t *testing.T, p *PDU, preset string) meter.Meter {
	t.Helper()
	m, err := meter.New(context.Background(), p.Spec(preset, preset))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// TestFollowsProfile reads the emulated PDU with the real snmp meter every
// 50 ms through a profile whose load step carries both counters over a
// step, and checks every value against the profile's truth.
func TestFollowsProfile(t *testing.T) {
	t.Parallel()
	profile := Profile{{time.Second, 60.6}, {2 * time.Second, 1304.4}, {time.Second, 250}}
	// Both counters 500 J below a step: the idle second adds 60.6 J and
	// the load crosses the step 0.34 s later.
	// The profile starts once the agent surely answers (snmpd can take
	// over a second to start on a loaded machine), so no step is missed.
	p := Start(t, profile, Options{Start: time.Now().Add(2 * time.Second).Truncate(time.Microsecond), Offset: 100*TenthKWh - 500})
	apcM, rarM := newMeter(t, p, apc.preset), newMeter(t, p, rar.preset)
	seen := map[string]map[float64]bool{}
	for _, k := range []string{"apc W", "apc J", "rar W", "rar J"} {
		seen[k] = map[float64]bool{}
	}
	end := p.Start.Add(4500 * time.Millisecond)
	for time.Now().Before(end) {
		ra, rr := readAll(t, apcM), readAll(t, rarM)
		checkRead(t, p, apc, ra)
		checkRead(t, p, rar, rr)
		seen["apc W"][ra.watts], seen["apc J"][ra.joules] = true, true
		seen["rar W"][rr.watts], seen["rar J"][rr.joules] = true, true
		time.Sleep(50 * time.Millisecond)
	}
	// Every step of the profile, rounded as each PDU rounds, and the
	// counters on both sides of their step (the next Wh would take 3600 J
	// more: 2169 J of load are left after the step, and 250 J a second).
	for k, values := range map[string][]float64{
		"apc W": {60, 1300, 250},
		"rar W": {61, 1304, 250},
		"apc J": {99 * TenthKWh, 100 * TenthKWh},
		"rar J": {9999 * WattHour, 10000 * WattHour},
	} {
		for _, v := range values {
			if !seen[k][v] {
				t.Errorf("%s: never read %v, read %v", k, v, seen[k])
			}
		}
	}
}

// TestRefresh: a PDU refreshing every 2 s holds its values in between,
// power and energy alike, and shows a change only at the next refresh.
func TestRefresh(t *testing.T) {
	t.Parallel()
	profile := Profile{{500 * time.Millisecond, 100}, {2 * time.Second, 1000}, {time.Second, 200}}
	// The counter 300 J below a Wh: 50 J of idle, then the load crosses
	// the Wh at 0.75 s, but the PDU shows it only from its 2 s refresh.
	p := Start(t, profile, Options{Offset: 1000*WattHour - 300, Refresh: 2 * time.Second})
	m := newMeter(t, p, rar.preset)
	var held, refreshed bool
	end := p.Start.Add(3 * time.Second)
	for time.Now().Before(end) {
		r := readAll(t, m)
		checkRead(t, p, rar, r)
		from, to := r.before.Sub(p.Start), r.after.Sub(p.Start)
		switch {
		case from > 800*time.Millisecond && to < 1950*time.Millisecond:
			// The load is on and the counter past the Wh, but the PDU
			// still shows what it computed at 0 s.
			if r.watts != 100 || r.joules != 999*WattHour {
				t.Errorf("at start+%v: %v W, %v J; want the 100 W and 999 Wh held since start+0s (true %v W, %v J)",
					from, r.watts, r.joules, p.TruePower(r.before), p.TrueCounter(r.before))
			}
			held = true
		case from > 2050*time.Millisecond:
			if r.watts != 1000 || r.joules != 1000*WattHour {
				t.Errorf("at start+%v: %v W, %v J; want the 1000 W and 1000 Wh of the 2 s refresh", from, r.watts, r.joules)
			}
			refreshed = true
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !held || !refreshed {
		t.Errorf("no read fell between 0.8 s and 1.95 s (%v) or after 2.05 s (%v)", held, refreshed)
	}
}
