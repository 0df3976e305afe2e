package influx

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/internal/testenv"
	"github.com/aienergy/aienergy/meter"
)

// t0 is the start of the recorded window; the last point carries
// nanoseconds to prove none are lost on the way.
var t0 = time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)

func at(d string) time.Time {
	dur, err := time.ParseDuration(d)
	if err != nil {
		panic(err)
	}
	return t0.Add(dur)
}

// recorded is what SmartWatts wrote during a run: two sockets, a DRAM
// scope, the aggregates and two containers; the model was relearned
// mid-run (formula a → b), which starts new series of the same channel.
var recorded = []swPoint{
	{target: "rapl", socket: "0", scope: "cpu", formula: "a", watts: 99, t: at("-1s")}, // before the window
	{target: "rapl", socket: "0", scope: "cpu", formula: "a", watts: 10, t: at("0s")},
	{target: "rapl", socket: "0", scope: "cpu", formula: "a", watts: 20, t: at("1s")},
	{target: "rapl", socket: "0", scope: "cpu", formula: "b", watts: 30, t: at("2.5s")},
	{target: "rapl", socket: "0", scope: "cpu", formula: "b", watts: 25, t: at("3.123456789s")},
	{target: "rapl", socket: "0", scope: "cpu", formula: "b", watts: 99, t: at("10s")}, // after it
	{target: "rapl", socket: "1", scope: "cpu", watts: 5, t: at("0s")},
	{target: "rapl", socket: "1", scope: "cpu", watts: 7, t: at("1s")},
	{target: "rapl", socket: "0", scope: "dram", watts: 3, t: at("0s")},
	{target: "rapl", socket: "0", scope: "dram", watts: 4, t: at("1s")},
	{target: "global", socket: "0", scope: "cpu", watts: 19, t: at("0s")},
	{target: "global", socket: "0", scope: "cpu", watts: 21, t: at("1s")},
	{target: "/docker/abc", socket: "0", scope: "cpu", watts: 12.5, t: at("0s")},
	{target: "/docker/abc", socket: "0", scope: "cpu", watts: 13.5, t: at("1s")},
	{target: "/docker/def", socket: "0", scope: "cpu", watts: 6, t: at("0s")},
}

func pts(kv ...any) []Point {
	var out []Point
	for i := 0; i < len(kv); i += 2 {
		out = append(out, Point{T: at(kv[i].(string)), Watts: kv[i+1].(float64)})
	}
	return out
}

func newTestMeter(t *testing.T, opts map[string]any) *Meter {
	t.Helper()
	m, err := meter.New(t.Context(), meter.Spec{Name: "sw", Type: "powerapi", Options: opts, Source: "test.yaml:3"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m.(*Meter)
}

// trapezoid integrates points on their own timestamps, as analysis does.
func trapezoid(p []Point) float64 {
	var j float64
	for i := 1; i < len(p); i++ {
		j += (p[i].Watts + p[i-1].Watts) / 2 * p[i].T.Sub(p[i-1].T).Seconds()
	}
	return j
}

func checkWindow(t *testing.T, got, want map[string][]Point) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("channels %v, want %v", keys(got), keys(want))
	}
	for name, w := range want {
		g := got[name]
		if len(g) != len(w) {
			t.Errorf("%s: %d points %v, want %d %v", name, len(g), g, len(w), w)
			continue
		}
		for i := range w {
			if !g[i].T.Equal(w[i].T) || g[i].Watts != w[i].Watts {
				t.Errorf("%s[%d] = %s %v W, want %s %v W", name, i,
					g[i].T.Format(time.RFC3339Nano), g[i].Watts, w[i].T.Format(time.RFC3339Nano), w[i].Watts)
			}
		}
	}
}

func keys(m map[string][]Point) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	return k
}

func TestInfluxDB1(t *testing.T) {
	srv := startInfluxd(t)
	srv.query(t, "", "CREATE DATABASE powerapi", true)
	var lines []string
	for _, p := range recorded {
		lines = append(lines, p.line("power_consumption", "power"))
	}
	srv.write(t, "powerapi", lines...)
	t.Setenv("TEST_INFLUX_PASSWORD", srv.password)
	base := func(extra map[string]any) map[string]any {
		o := map[string]any{"url": srv.url, "version": 1, "database": "powerapi",
			"username": srv.user, "password_env": "TEST_INFLUX_PASSWORD"}
		for k, v := range extra {
			o[k] = v
		}
		return o
	}

	t.Run("window", func(t *testing.T) {
		tests := []struct {
			name     string
			opts     map[string]any
			from, to time.Time
			want     map[string][]Point
		}{
			{"default targets: rapl per socket and scope, formulas merged", nil, at("0s"), at("3.123456789s"), map[string][]Point{
				"rapl-socket0":      pts("0s", 10.0, "1s", 20.0, "2.5s", 30.0, "3.123456789s", 25.0),
				"rapl-socket0-dram": pts("0s", 3.0, "1s", 4.0),
				"rapl-socket1":      pts("0s", 5.0, "1s", 7.0),
			}},
			{"edges are inclusive to the nanosecond", nil, at("1ns"), at("3.123456788s"), map[string][]Point{
				"rapl-socket0":      pts("1s", 20.0, "2.5s", 30.0),
				"rapl-socket0-dram": pts("1s", 4.0),
				"rapl-socket1":      pts("1s", 7.0),
			}},
			{"answer streamed in chunks of one row", map[string]any{"chunk": 1}, at("0s"), at("3.123456789s"), map[string][]Point{
				"rapl-socket0":      pts("0s", 10.0, "1s", 20.0, "2.5s", 30.0, "3.123456789s", 25.0),
				"rapl-socket0-dram": pts("0s", 3.0, "1s", 4.0),
				"rapl-socket1":      pts("0s", 5.0, "1s", 7.0),
			}},
			{"global", map[string]any{"targets": []any{"global"}}, at("0s"), at("5s"), map[string][]Point{
				"global-socket0": pts("0s", 19.0, "1s", 21.0),
			}},
			{"every container", map[string]any{"targets": "*"}, at("0s"), at("5s"), map[string][]Point{
				"docker-abc-socket0": pts("0s", 12.5, "1s", 13.5),
				"docker-def-socket0": pts("0s", 6.0),
			}},
			{"one container, retention policy named", map[string]any{"targets": []any{"/docker/abc"}, "retention_policy": "autogen"},
				at("0s"), at("5s"), map[string][]Point{"docker-abc-socket0": pts("0s", 12.5, "1s", 13.5)}},
			{"window in another time zone", nil, at("0s").In(time.FixedZone("UTC+5", 5*3600)), at("1s").In(time.FixedZone("UTC-7", -7*3600)),
				map[string][]Point{
					"rapl-socket0":      pts("0s", 10.0, "1s", 20.0),
					"rapl-socket0-dram": pts("0s", 3.0, "1s", 4.0),
					"rapl-socket1":      pts("0s", 5.0, "1s", 7.0),
				}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				opts := base(tt.opts)
				chunk, _ := opts["chunk"].(int)
				delete(opts, "chunk")
				m := newTestMeter(t, opts)
				if chunk > 0 {
					m.d.(*influxQL).chunkSize = chunk
				}
				got, err := m.PowerOverWindow(ctx(t), tt.from, tt.to)
				if err != nil {
					t.Fatal(err)
				}
				checkWindow(t, got, tt.want)
				for name := range tt.want {
					want := meter.CPU
					if strings.HasSuffix(name, "-dram") {
						want = meter.DRAM
					}
					if c, ok := m.Component(name); !ok || c != want {
						t.Errorf("Component(%s) = %v %v, want %v", name, c, ok, want)
					}
				}
			})
		}
	})

	t.Run("energy of the window by hand", func(t *testing.T) {
		m := newTestMeter(t, base(nil))
		got, err := m.PowerOverWindow(ctx(t), at("0s"), at("3.123456789s"))
		if err != nil {
			t.Fatal(err)
		}
		// (10+20)/2·1 s + (20+30)/2·1.5 s + (30+25)/2·0.623456789 s
		want := 15 + 37.5 + 27.5*0.623456789
		if j := trapezoid(got["rapl-socket0"]); math.Abs(j-want) > 1e-9 {
			t.Errorf("energy %.10f J, want %.10f J", j, want)
		}
	})

	t.Run("window as readings", func(t *testing.T) {
		var wr meter.WindowReader = newTestMeter(t, base(nil)) // the runner finds it by this assertion
		got, err := wr.ReadWindow(ctx(t), at("0s"), at("3.123456789s"))
		if err != nil {
			t.Fatal(err)
		}
		checkReadings(t, got, wantWindowReadings)
		_, err = newTestMeter(t, base(map[string]any{"targets": []any{"/docker/abc", "/docker/zzz"}})).
			ReadWindow(ctx(t), at("0s"), at("5s"))
		wantErr(t, err, `for target="/docker/zzz" between`)
	})

	t.Run("live read takes the newest point", func(t *testing.T) {
		now := time.Now()
		srv.write(t, "powerapi",
			swPoint{target: "rapl", socket: "0", scope: "cpu", formula: "a", watts: 40, t: now.Add(-3 * time.Second)}.line("power_consumption", "power"),
			swPoint{target: "rapl", socket: "0", scope: "cpu", formula: "b", watts: 42, t: now.Add(-1 * time.Second)}.line("power_consumption", "power"),
			swPoint{target: "rapl", socket: "0", scope: "cpu", formula: "a", watts: 41, t: now.Add(-2 * time.Second)}.line("power_consumption", "power"),
			swPoint{target: "rapl", socket: "0", scope: "dram", watts: 5, t: now.Add(-2 * time.Second)}.line("power_consumption", "power"),
			swPoint{target: "global", socket: "0", scope: "cpu", watts: 44, t: now.Add(-1 * time.Second)}.line("power_consumption", "power"),
		)
		opts := base(nil)
		opts["version"] = "auto" // asks /ping, which says 1.6.7
		m := newTestMeter(t, opts)
		got, err := m.Read(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]meter.Reading{
			"rapl-socket0":      {Meter: "sw", Channel: "rapl-socket0", Component: meter.CPU, Watts: 42},
			"rapl-socket0-dram": {Meter: "sw", Channel: "rapl-socket0-dram", Component: meter.DRAM, Watts: 5},
		}
		if len(got) != len(want) {
			t.Fatalf("readings %+v, want %+v", got, want)
		}
		for _, r := range got {
			w := want[r.Channel]
			if r.Meter != w.Meter || r.Component != w.Component || r.Watts != w.Watts || !math.IsNaN(r.Joules) || !r.Time.IsZero() {
				t.Errorf("reading %+v, want %+v with NaN joules and zero time", r, w)
			}
		}
	})

	t.Run("newer PowerAPI measurement", func(t *testing.T) {
		srv.query(t, "", "CREATE DATABASE newer", true)
		srv.write(t, "newer", swPoint{target: "rapl", socket: "0", watts: 17, t: at("0s")}.line("powerrep", "power_estimation"))
		opts := base(map[string]any{"database": "newer"})
		_, err := newTestMeter(t, opts).PowerOverWindow(ctx(t), at("0s"), at("1s"))
		wantErr(t, err, `has no measurement "power_consumption"; it has powerrep`, "set measurement: powerrep and field: power_estimation")
		opts["measurement"], opts["field"] = "powerrep", "power_estimation"
		got, err := newTestMeter(t, opts).PowerOverWindow(ctx(t), at("0s"), at("1s"))
		if err != nil {
			t.Fatal(err)
		}
		checkWindow(t, got, map[string][]Point{"rapl-socket0": pts("0s", 17.0)})
	})

	t.Run("two hosts in one database", func(t *testing.T) {
		srv.query(t, "", "CREATE DATABASE twohosts", true)
		srv.write(t, "twohosts",
			swPoint{target: "rapl", socket: "0", sensor: "node-a", watts: 50, t: at("0s")}.line("power_consumption", "power"),
			swPoint{target: "rapl", socket: "0", sensor: "node-b", watts: 70, t: at("0s")}.line("power_consumption", "power"),
		)
		opts := base(map[string]any{"database": "twohosts"})
		_, err := newTestMeter(t, opts).PowerOverWindow(ctx(t), at("0s"), at("1s"))
		wantErr(t, err, `channel "rapl-socket0" has two points`, "50 W", "70 W", `tags: {sensor: "node-a"}`)
		opts["tags"] = map[string]any{"sensor": "node-b"}
		got, err := newTestMeter(t, opts).PowerOverWindow(ctx(t), at("0s"), at("1s"))
		if err != nil {
			t.Fatal(err)
		}
		checkWindow(t, got, map[string][]Point{"rapl-socket0": pts("0s", 70.0)})
	})

	t.Run("errors", func(t *testing.T) {
		t.Setenv("TEST_INFLUX_WRONG", "not-the-password")
		free := fmt.Sprintf("http://127.0.0.1:%d", testenv.FreePort(t))
		y2020 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		tests := []struct {
			name string
			opts map[string]any
			from time.Time // PowerOverWindow over a minute from here; zero: Read
			want []string
			not  []string
		}{
			{"unreachable", map[string]any{"url": free}, time.Time{},
				[]string{"cannot reach InfluxDB at " + free, "connection refused", "is influxd running"}, nil},
			{"unreachable, version auto", map[string]any{"url": free, "version": "auto"}, time.Time{},
				[]string{"connection refused"}, nil},
			{"wrong password", map[string]any{"password_env": "TEST_INFLUX_WRONG"}, time.Time{},
				[]string{`rejected user "aienergy" with the password in $TEST_INFLUX_WRONG`, "401"}, []string{"not-the-password"}},
			{"no credentials", map[string]any{"username": nil, "password_env": nil}, time.Time{},
				[]string{"requires credentials", "set username and password_env"}, nil},
			{"database not found", map[string]any{"database": "nope"}, time.Time{},
				[]string{`no database "nope"`, "is SmartWatts running and writing there?", "databases there: ", "powerapi"}, nil},
			{"retention policy not found", map[string]any{"retention_policy": "short"}, time.Time{},
				[]string{"retention policy not found: short"}, nil},
			{"nothing in the window", nil, y2020,
				[]string{`no points of power_consumption.power for target="rapl" between 2020-01-01T00:00:00Z and 2020-01-01T00:01:00Z`,
					`is SmartWatts running and writing to database "powerapi"?`,
					"targets in power_consumption: /docker/abc, /docker/def, global, rapl",
					"but not in this time range"}, nil},
			{"one of two containers has no points", map[string]any{"targets": []any{"/docker/abc", "/docker/zzz"}}, at("0s"),
				[]string{`for target="/docker/zzz" between`, "targets in power_consumption: /docker/abc"}, []string{"but not in this time range"}},
			{"2.x API asked of a 1.x server", map[string]any{"version": 2, "org": "powerapi", "database": nil, "username": nil, "password_env": nil, "token_env": "TEST_INFLUX_PASSWORD"}, time.Time{},
				[]string{"has no /api/v2/query endpoint", "set version: 1 and database"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				opts := base(tt.opts)
				for k, v := range opts {
					if v == nil {
						delete(opts, k)
					}
				}
				m := newTestMeter(t, opts)
				var err error
				if !tt.from.IsZero() {
					_, err = m.PowerOverWindow(ctx(t), tt.from, tt.from.Add(time.Minute))
				} else {
					_, err = m.Read(ctx(t))
				}
				t.Logf("error: %v", err)
				wantErr(t, err, tt.want...)
				for _, n := range tt.not {
					if err != nil && strings.Contains(err.Error(), n) {
						t.Errorf("error mentions %q: %v", n, err)
					}
				}
			})
		}
	})
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q\ndoes not mention %q", err, p)
		}
	}
	if errors.Is(err, meter.ErrUnavailable) {
		t.Errorf("error %v wraps ErrUnavailable; it is a runtime failure", err)
	}
}

// wantWindowReadings is ReadWindow over [0s, 3.123456789s] of recorded with
// the default targets: every rapl point in it, in time order, channels by
// name within an instant, at SmartWatts' timestamps.
var wantWindowReadings = []meter.Reading{
	{Channel: "rapl-socket0", Component: meter.CPU, Time: at("0s"), Watts: 10},
	{Channel: "rapl-socket0-dram", Component: meter.DRAM, Time: at("0s"), Watts: 3},
	{Channel: "rapl-socket1", Component: meter.CPU, Time: at("0s"), Watts: 5},
	{Channel: "rapl-socket0", Component: meter.CPU, Time: at("1s"), Watts: 20},
	{Channel: "rapl-socket0-dram", Component: meter.DRAM, Time: at("1s"), Watts: 4},
	{Channel: "rapl-socket1", Component: meter.CPU, Time: at("1s"), Watts: 7},
	{Channel: "rapl-socket0", Component: meter.CPU, Time: at("2.5s"), Watts: 30},
	{Channel: "rapl-socket0", Component: meter.CPU, Time: at("3.123456789s"), Watts: 25},
}

// checkReadings compares window readings with want, which leaves Meter
// empty and Joules unset (both must come back empty and NaN).
func checkReadings(t *testing.T, got, want []meter.Reading) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d readings %+v, want %d %+v", len(got), got, len(want), want)
	}
	for i, w := range want {
		g := got[i]
		if g.Meter != "" || g.Channel != w.Channel || g.Component != w.Component || !g.Time.Equal(w.Time) ||
			g.Watts != w.Watts || !math.IsNaN(g.Joules) {
			t.Errorf("reading %d = %+v (time %s), want %+v (time %s) with no meter and NaN joules",
				i, g, g.Time.Format(time.RFC3339Nano), w, w.Time.Format(time.RFC3339Nano))
		}
	}
}
