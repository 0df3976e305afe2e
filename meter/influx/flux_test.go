package influx

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aienergy/aienergy/meter"
)

const testToken = "tok-8f1c2a7e-SECRET"

// fakeV2 is a loopback server speaking InfluxDB 2.x's documented query API
// (POST /api/v2/query?org=…, Authorization: Token …, a JSON body with a
// Flux query and a CSV dialect; annotated CSV back). It checks every
// request against that contract and answers with the testdata fixtures.
type fakeV2 struct {
	t       *testing.T
	srv     *httptest.Server
	org     string
	answers map[string]string // substring of the query → fixture body; first match wins in keyOrder
	order   []string

	mu      sync.Mutex
	queries []string
}

func newFakeV2(t *testing.T) *fakeV2 {
	f := &fakeV2{t: t, org: "powerapi", answers: map[string]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// answer makes queries containing key get body.
func (f *fakeV2) answer(key, body string) {
	f.answers[key] = body
	f.order = append(f.order, key)
}

func (f *fakeV2) fail(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"code": code, "message": msg})
}

func (f *fakeV2) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/ping" {
		w.Header().Set("X-Influxdb-Build", "OSS")
		w.Header().Set("X-Influxdb-Version", "v2.7.4")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.URL.Path != "/api/v2/query" {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("Authorization") != "Token "+testToken {
		f.fail(w, http.StatusUnauthorized, "unauthorized", "unauthorized access")
		return
	}
	var body struct {
		Query   string `json:"query"`
		Type    string `json:"type"`
		Dialect struct {
			Header         bool     `json:"header"`
			Annotations    []string `json:"annotations"`
			DateTimeFormat string   `json:"dateTimeFormat"`
		} `json:"dialect"`
	}
	err := json.NewDecoder(r.Body).Decode(&body)
	switch {
	case r.Method != http.MethodPost:
		f.t.Errorf("method %s, want POST", r.Method)
	case r.URL.Query().Get("org") != f.org:
		f.fail(w, http.StatusNotFound, "not found", fmt.Sprintf("organization name %q not found", r.URL.Query().Get("org")))
		return
	case r.Header.Get("Accept") != "application/csv":
		f.t.Errorf("Accept %q, want application/csv", r.Header.Get("Accept"))
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
		f.t.Errorf("Content-Type %q, want application/json", r.Header.Get("Content-Type"))
	case err != nil:
		f.t.Errorf("body: %v", err)
	case body.Type != "flux" || !body.Dialect.Header || body.Dialect.DateTimeFormat != "RFC3339Nano":
		f.t.Errorf("body %+v, want type flux, header true, RFC3339Nano", body)
	}
	for _, a := range []string{"datatype", "group", "default"} {
		if !slices.Contains(body.Dialect.Annotations, a) {
			f.t.Errorf("dialect annotations %v lack %s", body.Dialect.Annotations, a)
		}
	}
	f.mu.Lock()
	f.queries = append(f.queries, body.Query)
	f.mu.Unlock()
	if strings.Contains(body.Query, `from(bucket: "missing")`) {
		f.fail(w, http.StatusNotFound, "not found", `failed to initialize execute state: could not find bucket "missing"`)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	for _, k := range f.order {
		if strings.Contains(body.Query, k) {
			_, _ = w.Write([]byte(f.answers[k]))
			return
		}
	}
	_, _ = w.Write([]byte("\r\n")) // InfluxDB's answer when no table matched
}

func (f *fakeV2) firstQuery() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queries) == 0 {
		return ""
	}
	return f.queries[0]
}

func (f *fakeV2) lastQuery() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queries) == 0 {
		return ""
	}
	return f.queries[len(f.queries)-1]
}

func (f *fakeV2) meter(t *testing.T, extra map[string]any) *Meter {
	t.Helper()
	t.Setenv("TEST_INFLUX_TOKEN", testToken)
	opts := map[string]any{"url": f.srv.URL, "version": 2, "org": f.org, "token_env": "TEST_INFLUX_TOKEN"}
	for k, v := range extra {
		opts[k] = v
	}
	return newTestMeter(t, opts)
}

func TestFluxWindow(t *testing.T) {
	f := newFakeV2(t)
	f.answer("range(start: 2023", fixture(t, "flux_window.csv"))
	m := f.meter(t, nil)
	got, err := m.PowerOverWindow(ctx(t), at("0s"), at("3.123456789s"))
	if err != nil {
		t.Fatal(err)
	}
	wantQuery := `from(bucket: "power_consumption")
  |> range(start: 2023-11-14T22:13:20Z, stop: 2023-11-14T22:13:23.12345679Z)
  |> filter(fn: (r) => r._measurement == "power_consumption" and r._field == "power")
  |> filter(fn: (r) => r["target"] == "rapl")
`
	if q := f.lastQuery(); q != wantQuery {
		t.Errorf("query\n%s\nwant\n%s", q, wantQuery)
	}
	checkWindow(t, got, map[string][]Point{
		"rapl-socket0":      pts("0s", 10.0, "1s", 20.0, "2.5s", 30.0, "3.123456789s", 25.0),
		"rapl-socket0-dram": pts("0s", 3.0, "1s", 4.0),
		"rapl-socket1":      pts("0s", 5.0, "1s", 7.0),
	})
	want := 15 + 37.5 + 27.5*0.623456789 // as in TestInfluxDB1
	if j := trapezoid(got["rapl-socket0"]); math.Abs(j-want) > 1e-9 {
		t.Errorf("energy %.10f J, want %.10f J", j, want)
	}
	if c, _ := m.Component("rapl-socket0-dram"); c != meter.DRAM {
		t.Errorf("dram channel is %q", c)
	}
	// The same points as readings, from a fresh meter that has not learnt
	// the channels' components from an earlier call.
	readings, err := f.meter(t, nil).ReadWindow(ctx(t), at("0s"), at("3.123456789s"))
	if err != nil {
		t.Fatal(err)
	}
	checkReadings(t, readings, wantWindowReadings) // as in TestInfluxDB1
}

func TestFluxQueries(t *testing.T) {
	tests := []struct {
		name string
		opts map[string]any
		want []string // lines the window query must hold
	}{
		{"every container", map[string]any{"targets": "*"},
			[]string{`  |> filter(fn: (r) => exists r["target"] and r["target"] != "" and r["target"] != "rapl" and r["target"] != "global")`}},
		{"two containers, a host, other names", map[string]any{"targets": []any{"/docker/a", `we"ird${x}`},
			"tags": map[string]any{"sensor": "node-1"}, "bucket": "sw", "measurement": "powerrep", "field": "power_estimation", "target_tag": "cgroup"},
			[]string{`from(bucket: "sw")`,
				`  |> filter(fn: (r) => r._measurement == "powerrep" and r._field == "power_estimation")`,
				`  |> filter(fn: (r) => r["cgroup"] == "/docker/a" or r["cgroup"] == "we\"ird\${x}")`,
				`  |> filter(fn: (r) => r["sensor"] == "node-1")`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeV2(t)
			_, _ = f.meter(t, tt.opts).PowerOverWindow(ctx(t), at("0s"), at("1s"))
			q := f.firstQuery() // later ones explain the empty answer
			for _, line := range tt.want {
				if !strings.Contains(q, line+"\n") {
					t.Errorf("query\n%s\nlacks line\n%s", q, line)
				}
			}
		})
	}
}

func TestFluxRead(t *testing.T) {
	f := newFakeV2(t)
	f.answer("last()", fixture(t, "flux_last.csv"))
	m := f.meter(t, map[string]any{"version": "auto", "lookback": "20s"})
	got, err := m.Read(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if q := f.lastQuery(); !strings.Contains(q, "  |> range(start: -20000ms)\n") || !strings.HasSuffix(q, "  |> last()\n") {
		t.Errorf("live query\n%s", q)
	}
	want := []meter.Reading{
		{Meter: "sw", Channel: "rapl-socket0", Component: meter.CPU, Watts: 42},
		{Meter: "sw", Channel: "rapl-socket0-dram", Component: meter.DRAM, Watts: 5},
	}
	if len(got) != len(want) {
		t.Fatalf("readings %+v, want %+v", got, want)
	}
	for i, r := range got {
		w := want[i]
		if r.Meter != w.Meter || r.Channel != w.Channel || r.Component != w.Component || r.Watts != w.Watts || !math.IsNaN(r.Joules) {
			t.Errorf("reading %+v, want %+v", r, w)
		}
	}
}

func TestFluxErrors(t *testing.T) {
	tests := []struct {
		name    string
		opts    map[string]any
		token   string // "" keeps the right one
		answers map[string]string
		want    []string
	}{
		{"wrong token", nil, "tok-wrong-SECRET", nil,
			[]string{"refused the token in $TEST_INFLUX_TOKEN", "401 Unauthorized: unauthorized: unauthorized access", `bucket "power_consumption" of org "powerapi"`}},
		{"bucket not found", map[string]any{"bucket": "missing"}, "", nil,
			[]string{`has no bucket "missing" of org "powerapi"`, `could not find bucket "missing"`, "is SmartWatts running and writing there?"}},
		{"org not found", map[string]any{"org": "nobody"}, "", nil,
			[]string{`has no organization "nobody"`, "check the org option"}},
		{"error table mid-answer", nil, "", map[string]string{"range(start: 2023": fixture(t, "flux_error_midstream.csv")},
			[]string{`(bucket "power_consumption" of org "powerapi"): panic: runtime error: index out of range, while reading shard 7 (reference 897)`}},
		{"nothing in the window, newer PowerAPI's measurement there", nil, "",
			map[string]string{"schema.measurements": fixture(t, "flux_measurements.csv")},
			[]string{`no points of power_consumption.power for target="rapl" between 2023-11-14T22:13:20Z and 2023-11-14T22:13:21Z in bucket "power_consumption" of org "powerapi"`,
				`is SmartWatts running and writing to bucket "power_consumption" of org "powerapi"?`,
				`has no measurement "power_consumption"; it has powerrep, formularep`,
				"set measurement: powerrep and field: power_estimation"}},
		{"nothing in the window, other targets there", map[string]any{"targets": []any{"/docker/zzz"}}, "",
			map[string]string{"schema.measurements": fixture(t, "flux_measurements_sw.csv"), "schema.tagValues": fixture(t, "flux_targets.csv")},
			[]string{`for target="/docker/zzz"`, "(targets in power_consumption: /docker/abc, global, rapl)"}},
		{"a field of strings", nil, "", map[string]string{"range(start: 2023": strings.ReplaceAll(
			strings.ReplaceAll(fixture(t, "flux_window.csv"), ",double,", ",string,"), ",10,power,", ",high,power,")},
			[]string{"field power holds string values, not numbers"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeV2(t)
			for k, v := range tt.answers {
				f.answer(k, v)
			}
			m := f.meter(t, tt.opts)
			if tt.token != "" {
				t.Setenv("TEST_INFLUX_TOKEN", tt.token)
				m = newTestMeter(t, map[string]any{"url": f.srv.URL, "version": 2, "org": "powerapi", "token_env": "TEST_INFLUX_TOKEN"})
			}
			_, err := m.PowerOverWindow(ctx(t), at("0s"), at("1s"))
			t.Logf("error: %v", err)
			wantErr(t, err, tt.want...)
			for _, secret := range []string{testToken, tt.token} {
				if secret != "" && strings.Contains(err.Error(), secret) {
					t.Errorf("the error shows the token: %v", err)
				}
			}
		})
	}
}

// TestTokenNeverPrinted prints a meter every way fmt can: the token lives
// only in a closure.
func TestTokenNeverPrinted(t *testing.T) {
	m := newFakeV2(t).meter(t, nil)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(verb, m); strings.Contains(s, testToken) {
			t.Errorf("%s of the meter shows the token: %s", verb, s)
		}
		if s := fmt.Sprintf(verb, *m.d.(*flux).srv); strings.Contains(s, testToken) {
			t.Errorf("%s of its server shows the token: %s", verb, s)
		}
	}
}

// TestFluxHonoursDeadline: a server that never answers costs a read no
// more than the caller's deadline.
func TestFluxHonoursDeadline(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(block) })
	t.Setenv("TEST_INFLUX_TOKEN", testToken)
	m := newTestMeter(t, map[string]any{"url": srv.URL, "version": 2, "org": "o", "token_env": "TEST_INFLUX_TOKEN", "timeout": "50ms"})
	_, err := m.Read(ctx(t))
	wantErr(t, err, "no complete answer from InfluxDB at")
	if !strings.Contains(err.Error(), "deadline") {
		t.Errorf("error %v does not say a deadline passed", err)
	}
}
