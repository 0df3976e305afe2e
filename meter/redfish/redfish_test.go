package redfish

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aienergy/aienergy/meter"
)

const (
	chassis1U = "/redfish/v1/Chassis/1U"
	env1U     = chassis1U + "/EnvironmentMetrics"
	power1U   = chassis1U + "/Power"
)

// open builds a redfish meter for the fake BMC. Options default to the
// fake's URL with insecure_skip_verify (httptest's certificate is
// self-signed); a nil value removes a default.
func open(t *testing.T, f *fakeBMC, opts map[string]any) (*bmc, error) {
	t.Helper()
	o := map[string]any{"insecure_skip_verify": true}
	if f != nil && f.srv != nil {
		o["url"] = f.srv.URL
	}
	for k, v := range opts {
		if v == nil {
			delete(o, k)
		} else {
			o[k] = v
		}
	}
	m, err := meter.New(t.Context(), meter.Spec{Name: "bmc", Type: "redfish", Options: o, Source: "test.yaml:3"})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = m.Close() })
	return m.(*bmc), nil
}

func mustOpen(t *testing.T, f *fakeBMC, opts map[string]any) *bmc {
	t.Helper()
	m, err := open(t, f, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// read polls once and indexes the readings by channel.
func read(t *testing.T, m meter.Meter) map[string]meter.Reading {
	t.Helper()
	rs, err := m.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]meter.Reading{}
	for _, r := range rs {
		if _, dup := out[r.Channel]; dup {
			t.Fatalf("channel %s read twice", r.Channel)
		}
		if r.Meter != "bmc" {
			t.Errorf("reading of %s names meter %q", r.Channel, r.Meter)
		}
		out[r.Channel] = r
	}
	return out
}

// want is an expected reading; nan marks a figure the meter must leave out.
type want struct {
	watts, joules float64
}

var nan = math.NaN()

func check(t *testing.T, got map[string]meter.Reading, wants map[string]want) {
	t.Helper()
	for ch, w := range wants {
		r, ok := got[ch]
		if !ok {
			t.Errorf("no channel %s; got %v", ch, keysOf(got))
			continue
		}
		if r.Component != meter.Wall {
			t.Errorf("%s: component %q, want wall", ch, r.Component)
		}
		if !same(r.Watts, w.watts) || !same(r.Joules, w.joules) {
			t.Errorf("%s: %v W, %v J; want %v W, %v J", ch, r.Watts, r.Joules, w.watts, w.joules)
		}
	}
	if len(got) != len(wants) {
		t.Errorf("channels %v, want %d of them", keysOf(got), len(wants))
	}
}

func same(got, want float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

func keysOf(m map[string]meter.Reading) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func gets(log []string) int {
	n := 0
	for _, l := range log {
		if strings.HasPrefix(l, "GET ") {
			n++
		}
	}
	return n
}

func TestRegistered(t *testing.T) {
	if !slices.Contains(meter.Kinds(), "redfish") {
		t.Fatalf("kinds %v lack redfish", meter.Kinds())
	}
}

// withEnergy adds an EnergykWh excerpt, as EnvironmentMetrics 1.3+ define
// it, to the mockup's EnvironmentMetrics (which has PowerWatts only).
func withEnergy(kwh string) func(map[string]any) {
	return func(m map[string]any) {
		m["EnergykWh"] = map[string]any{"Reading": json.Number(kwh), "DataSourceUri": "/redfish/v1/Chassis/1U/Sensors/TotalEnergy"}
	}
}

func TestSources(t *testing.T) {
	noLinks := func(keys ...string) func(map[string]any) {
		return func(m map[string]any) {
			for _, k := range keys {
				delete(m, k)
			}
		}
	}
	tests := []struct {
		name    string
		opts    map[string]any
		setup   func(f *fakeBMC)
		want    want
		source  string // in Sources()
		perRead int    // GETs per poll
	}{
		{
			// The mockup as published: EnvironmentMetrics gives 374 W; the
			// only chassis energy counter (Sensors/TotalEnergy) prints whole
			// kWh, 3.6 MJ a step, so auto integrates power instead.
			name: "mockup: EnvironmentMetrics power, whole-kWh counter left out",
			want: want{374, nan}, source: "steps of 3.6 MJ", perRead: 1,
		},
		{
			name: "energy: counter takes the whole-kWh sensor anyway, kWh to J",
			opts: map[string]any{"energy": "counter"},
			// 325675 kWh × 3.6e6 J/kWh
			want: want{374, 1172430000000}, source: "sensor TotalEnergy (EnergykWh)", perRead: 2,
		},
		{
			name:  "EnvironmentMetrics EnergykWh at 0.1 Wh resolution is used",
			setup: func(f *fakeBMC) { f.edit(env1U, withEnergy("36.1665")) },
			// 36.1665 kWh × 3.6e6 J/kWh
			want: want{374, 130199400}, source: "energy counter: EnvironmentMetrics EnergykWh", perRead: 1,
		},
		{
			name:  "EnvironmentMetrics EnergykWh at 1 Wh resolution is too coarse for auto",
			setup: func(f *fakeBMC) { f.edit(env1U, withEnergy("36.166")) },
			want:  want{374, nan}, source: "steps of 3.6 kJ", perRead: 1,
		},
		{
			name:  "energy: power ignores even a fine counter",
			opts:  map[string]any{"energy": "power"},
			setup: func(f *fakeBMC) { f.edit(env1U, withEnergy("36.1665")) },
			want:  want{374, nan}, source: "left out (energy: power)", perRead: 1,
		},
		{
			name: "no PowerWatts: the chassis power sensor, not the PSU or CPU one",
			setup: func(f *fakeBMC) {
				f.edit(env1U, noLinks("PowerWatts"))
				f.edit(chassis1U+"/Sensors/TotalPower", func(m map[string]any) { m["Reading"] = json.Number("377.5") })
			},
			want: want{377.5, nan}, source: "sensor TotalPower (Power)", perRead: 1,
		},
		{
			// A per-line power sensor listed first must not win over the
			// chassis total.
			name: "no PowerWatts: the total, not a line input of the chassis",
			setup: func(f *fakeBMC) {
				f.edit(env1U, noLinks("PowerWatts"))
				f.edit(chassis1U+"/Sensors", func(m map[string]any) {
					m["Members"] = append([]any{map[string]any{"@odata.id": chassis1U + "/Sensors/Line1Power"}}, m["Members"].([]any)...)
				})
				f.set(chassis1U+"/Sensors/Line1Power", `{"@odata.id": "/redfish/v1/Chassis/1U/Sensors/Line1Power", "Id": "Line1Power",
					"ReadingType": "Power", "PhysicalContext": "Chassis", "ElectricalContext": "Line1", "Reading": 180}`)
			},
			want: want{374, nan}, source: "sensor TotalPower (Power)", perRead: 1,
		},
		{
			name: "classic Power only: PowerConsumedWatts of the first PowerControl",
			setup: func(f *fakeBMC) {
				f.edit(chassis1U, noLinks("EnvironmentMetrics", "Sensors"))
			},
			want: want{344, nan}, source: "PowerControl[0] (System Input Power)", perRead: 1,
		},
		{
			// Lenovo XCC style: the total first, then subsystems. Never summed.
			name: "several PowerControl members: the first whole-chassis one, no sum",
			setup: func(f *fakeBMC) {
				f.edit(chassis1U, noLinks("EnvironmentMetrics", "Sensors"))
				f.set(power1U, `{"@odata.id": "/redfish/v1/Chassis/1U/Power", "PowerControl": [
					{"MemberId": "0", "Name": "CPU Sub-system Power", "PhysicalContext": "CPU", "PowerConsumedWatts": 120},
					{"MemberId": "1", "Name": "Server Power Control", "PowerConsumedWatts": 410},
					{"MemberId": "2", "Name": "Memory Sub-system Power", "PhysicalContext": "Memory", "PowerConsumedWatts": 35}]}`)
			},
			want: want{410, nan}, source: "PowerControl[1] (Server Power Control)", perRead: 1,
		},
		{
			name: "sensor of EnergyWh at 0.01 Wh",
			setup: func(f *fakeBMC) {
				f.edit(chassis1U+"/Sensors/TotalEnergy", func(m map[string]any) {
					m["ReadingType"], m["ReadingUnits"], m["Reading"] = "EnergyWh", "W.h", json.Number("90467.42")
				})
			},
			// 90467.42 Wh × 3600 J/Wh
			want: want{374, 325682712}, source: "sensor TotalEnergy (EnergyWh)", perRead: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeBMC(t, "public-rackmount1")
			if tc.setup != nil {
				tc.setup(f)
			}
			m := mustOpen(t, f, tc.opts)
			f.requests()
			check(t, read(t, m), map[string]want{"bmc-1U": tc.want})
			if n := gets(f.requests()); n != tc.perRead {
				t.Errorf("a poll made %d GETs, want %d", n, tc.perRead)
			}
			if src := m.Sources()["bmc-1U"]; !strings.Contains(src, tc.source) {
				t.Errorf("Sources: %q lacks %q", src, tc.source)
			}
		})
	}
}

// The counter delta between two polls is the energy in joules, exact to
// the BMC's printed resolution: 0.0003 kWh = 1080 J.
func TestEnergyCounterDelta(t *testing.T) {
	f := newFakeBMC(t, "public-rackmount1")
	f.edit(env1U, withEnergy("36.1665"))
	m := mustOpen(t, f, nil)
	first := read(t, m)["bmc-1U"].Joules
	f.edit(env1U, withEnergy("36.1668"))
	second := read(t, m)["bmc-1U"].Joules
	if d := second - first; math.Abs(d-1080) > 1e-6 {
		t.Errorf("delta %v J, want 1080 J", d)
	}
}

func TestSensorScanWithoutExpand(t *testing.T) {
	f := newFakeBMC(t, "public-rackmount1")
	f.edit("/redfish/v1", func(m map[string]any) { delete(m, "ProtocolFeaturesSupported") })
	f.edit(env1U, func(m map[string]any) { delete(m, "PowerWatts") })
	m := mustOpen(t, f, nil)
	log := strings.Join(f.requests(), "\n")
	if strings.Contains(log, "$expand") {
		t.Errorf("asked for $expand from a BMC that does not offer it:\n%s", log)
	}
	for _, s := range []string{"CPU1Temp", "CPU1Power", "PS1Energy", "PS1InputPower", "TotalEnergy", "TotalPower"} {
		if !strings.Contains(log, "GET /redfish/v1/Chassis/1U/Sensors/"+s+" ") {
			t.Errorf("sensor %s not read one by one:\n%s", s, log)
		}
	}
	check(t, read(t, m), map[string]want{"bmc-1U": {374, nan}})
}

func TestSensorScanWithExpand(t *testing.T) {
	f := newFakeBMC(t, "public-rackmount1")
	f.edit(env1U, func(m map[string]any) { delete(m, "PowerWatts") })
	mustOpen(t, f, nil)
	log := f.requests()
	if !slices.ContainsFunc(log, func(l string) bool { return strings.Contains(l, "Sensors?$expand=") }) {
		t.Errorf("did not expand the sensor collection:\n%s", strings.Join(log, "\n"))
	}
	if slices.ContainsFunc(log, func(l string) bool { return strings.Contains(l, "Sensors/CPU1Temp") }) {
		t.Errorf("read members one by one although $expand worked:\n%s", strings.Join(log, "\n"))
	}
}

// bladesWithPower gives the bladed mockup what it lacks: a chassis total on
// the enclosure and on each blade, and a collection that lists the blades
// first, so that the choice cannot rest on collection order.
func bladesWithPower(f *fakeBMC) {
	f.edit("/redfish/v1/Chassis", func(m map[string]any) {
		m["Members"] = []any{
			map[string]any{"@odata.id": "/redfish/v1/Chassis/Blade1"},
			map[string]any{"@odata.id": "/redfish/v1/Chassis/Blade2"},
			map[string]any{"@odata.id": "/redfish/v1/Chassis/MultiBladeEncl"},
		}
	})
	f.edit("/redfish/v1/Chassis/MultiBladeEncl/Power", func(m map[string]any) {
		m["PowerControl"] = []any{map[string]any{"MemberId": "0", "Name": "Enclosure Input Power", "PowerConsumedWatts": json.Number("1285")}}
	})
	for blade, watts := range map[string]string{"Blade1": "610", "Blade2": "640"} {
		p := "/redfish/v1/Chassis/" + blade
		f.edit(p, func(m map[string]any) { m["Power"] = map[string]any{"@odata.id": p + "/Power"} })
		f.set(p+"/Power", `{"@odata.id": "`+p+`/Power", "PowerControl": [{"MemberId": "0", "PowerConsumedWatts": `+watts+`}]}`)
	}
}

func TestChassisSelection(t *testing.T) {
	tests := []struct {
		name    string
		chassis any
		want    map[string]want
		err     string // an error on meters[bmc].chassis containing this
	}{
		{name: "default: the enclosure only, not its blades too",
			want: map[string]want{"bmc-MultiBladeEncl": {1285, nan}}},
		{name: "listed blades", chassis: []any{"Blade1", "Blade2"},
			want: map[string]want{"bmc-Blade1": {610, nan}, "bmc-Blade2": {640, nan}}},
		{name: "one chassis as a string", chassis: "Blade2",
			want: map[string]want{"bmc-Blade2": {640, nan}}},
		{name: "enclosure and its blade would double count", chassis: []any{"MultiBladeEncl", "Blade2"},
			err: `chassis "Blade2" is inside chassis "MultiBladeEncl"`},
		{name: "unknown chassis", chassis: []any{"Blade9"},
			err: `the BMC has no chassis "Blade9" (it has: Blade1, Blade2, MultiBladeEncl)`},
		{name: "listed twice", chassis: []any{"Blade1", "Blade1"},
			err: `chassis "Blade1" is listed twice`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeBMC(t, "public-bladed")
			bladesWithPower(f)
			m, err := open(t, f, map[string]any{"chassis": tc.chassis})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), "meters[bmc].chassis: ") || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one on meters[bmc].chassis containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			check(t, read(t, m), tc.want)
		})
	}
}

// The bladed mockup as published has no power reading anywhere: its Power
// resource lists supplies but no PowerControl. That is "unavailable here".
func TestUnavailableWithoutPowerData(t *testing.T) {
	f := newFakeBMC(t, "public-bladed")
	_, err := open(t, f, nil)
	if !errors.Is(err, meter.ErrUnavailable) {
		t.Fatalf("error %v, want meter.ErrUnavailable", err)
	}
	for _, s := range []string{"MultiBladeEncl: no EnvironmentMetrics", "Power has no PowerControl", "Blade1:", "no Power resource", "PDU meter"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%v\nlacks %q", err, s)
		}
	}
	_, err = open(t, f, map[string]any{"chassis": []any{"Blade1"}})
	if err == nil || errors.Is(err, meter.ErrUnavailable) || !strings.Contains(err.Error(), `chassis "Blade1" reports no power`) {
		t.Errorf("listing a chassis without power: %v", err)
	}
}

func TestComponentOption(t *testing.T) {
	f := newFakeBMC(t, "public-rackmount1")
	m := mustOpen(t, f, map[string]any{"component": "gpu"})
	if c := read(t, m)["bmc-1U"].Component; c != meter.GPU {
		t.Errorf("component %q, want gpu", c)
	}
}

func TestConcurrentReads(t *testing.T) {
	f := newFakeBMC(t, "public-rackmount1")
	m := mustOpen(t, f, nil)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 5 {
				if _, err := m.Read(context.Background()); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

func TestReadAfterClose(t *testing.T) {
	f := newFakeBMC(t, "public-rackmount1")
	m := mustOpen(t, f, nil)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Read(context.Background()); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("read after close: %v", err)
	}
}

// Ctrl-C during discovery stops it: a BMC that does not answer leaves
// meter.New waiting only until its context is cancelled, and the error
// says it was cancelled, not that the BMC failed.
func TestDiscoveryStopsWhenCancelled(t *testing.T) {
	f := newFakeBMC(t, "public-rackmount1")
	f.mu.Lock()
	f.delay["/redfish/v1/Chassis"] = time.Hour // the chassis collection never comes
	f.mu.Unlock()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		// Cancel once discovery is under way: the service root answered.
		for ctx.Err() == nil {
			f.mu.Lock()
			started := len(f.log) > 0
			f.mu.Unlock()
			if started {
				cancel()
			}
			time.Sleep(time.Millisecond)
		}
	}()
	spec := meter.Spec{Name: "bmc", Type: "redfish", Options: map[string]any{"url": f.srv.URL, "insecure_skip_verify": true}}
	m, err := meter.New(ctx, spec)
	if err == nil {
		m.Close()
	}
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "meters[bmc]: discovery of the BMC stopped") {
		t.Errorf("New = %v, want context.Canceled from the discovery", err)
	}
}
