package electricitymaps

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

const token = "test-token-7f3a"

// fakeAPI speaks the documented v3 protocol on loopback: it checks the
// auth-token header and answers each path with a testdata body or a
// status, recording every query it got.
type fakeAPI struct {
	t      *testing.T
	mu     sync.Mutex
	bodies map[string]string // path → testdata file
	status int               // non-zero: answer every request with it
	body   string            // with status
	got    []*url.URL
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.got = append(f.got, r.URL)
	f.mu.Unlock()
	if r.Method != http.MethodGet {
		http.Error(w, `{"error":"method"}`, http.StatusMethodNotAllowed)
		return
	}
	if f.status != 0 {
		w.WriteHeader(f.status)
		w.Write([]byte(f.body))
		return
	}
	if r.Header.Get("auth-token") != token {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"status":"error","message":"Invalid authentication credentials"}`))
		return
	}
	file, ok := f.bodies[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	data, err := os.ReadFile("testdata/" + file)
	if err != nil {
		f.t.Error(err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(data)
}

func (f *fakeAPI) queries() []*url.URL {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*url.URL(nil), f.got...)
}

func serve(t *testing.T, f *fakeAPI) string {
	f.t = t
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv.URL
}

func newClient(t *testing.T, base, zone string, now time.Time, factor string) *Client {
	t.Helper()
	c, err := New(Options{BaseURL: base, Token: token, Zone: zone, EmissionFactorType: factor, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func at(s string) time.Time {
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return v
}

// testdata/past-range.json (Electricity Maps' own documented example):
// DK-DK2 161 g/kWh for 02:00–03:00 and 167 for 03:00–04:00 UTC.
func TestPastRangeTimeWeightedMean(t *testing.T) {
	cases := []struct {
		name     string
		from, to string
		want     float64
		points   int
		coverage float64
	}{
		// Half an hour in each: (161 × 30 + 167 × 30) / 60 = 164.
		{"straddles two hours", "2024-03-18T02:30:00Z", "2024-03-18T03:30:00Z", 164, 2, 1},
		// 45 min at 161, 15 min at 167: (161×45 + 167×15)/60 = 162.5.
		{"uneven split", "2024-03-18T02:15:00Z", "2024-03-18T03:15:00Z", 162.5, 2, 1},
		{"inside one hour", "2024-03-18T02:10:00Z", "2024-03-18T02:50:00Z", 161, 1, 1},
		{"an instant", "2024-03-18T03:20:00Z", "2024-03-18T03:20:00Z", 167, 1, 1},
		// 03:30–05:30: only 03:30–04:00 is covered (30 of 120 min).
		{"runs past the data", "2024-03-18T03:30:00Z", "2024-03-18T05:30:00Z", 167, 1, 0.25},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeAPI{bodies: map[string]string{pastRangePath: "past-range.json"}}
			cl := newClient(t, serve(t, f), "DK-DK2", at("2026-01-01T00:00:00Z"), "")
			r, err := cl.Intensity(context.Background(), at(c.from), at(c.to))
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(r.GCO2eqPerKWh-c.want) > 1e-9 || r.Points != c.points || math.Abs(r.Coverage-c.coverage) > 1e-9 {
				t.Errorf("got %v g/kWh from %d points, coverage %v; want %v from %d, coverage %v", r.GCO2eqPerKWh, r.Points, r.Coverage, c.want, c.points, c.coverage)
			}
			if r.Endpoint != "past-range" || r.EmissionFactorType != Lifecycle {
				t.Errorf("endpoint %q, factors %q", r.Endpoint, r.EmissionFactorType)
			}
			if !strings.Contains(r.Source, "Electricity Maps, zone DK-DK2") || !strings.Contains(r.Source, "lifecycle emission factors") {
				t.Errorf("source %q", r.Source)
			}
			if (c.coverage < 1) != (len(r.Warnings) > 0) {
				t.Errorf("coverage %v, warnings %q", c.coverage, r.Warnings)
			}
			// The query: the zone, and the window widened to whole hours.
			q := f.queries()
			if len(q) != 1 || q[0].Path != pastRangePath || q[0].Query().Get("zone") != "DK-DK2" {
				t.Fatalf("queries %v", q)
			}
			from := at(c.from).Truncate(time.Hour)
			if got := q[0].Query().Get("start"); got != from.Format(time.RFC3339) {
				t.Errorf("start=%s, want %s", got, from.Format(time.RFC3339))
			}
			if got := q[0].Query().Get("end"); got != at(c.to).Truncate(time.Hour).Add(time.Hour).Format(time.RFC3339) {
				t.Errorf("end=%s", got)
			}
			if q[0].Query().Has("emissionFactorType") {
				t.Error("sent emissionFactorType without being asked to")
			}
		})
	}
}

// A window within the last 24 hours uses /history, which free tokens can
// read. testdata/history.json: DE 302 g/kWh at 09:00, 318 (estimated) at
// 10:00, null at 11:00. 09:30–10:30 → (302 + 318)/2 = 310, one estimate.
func TestHistoryForRecentWindows(t *testing.T) {
	f := &fakeAPI{bodies: map[string]string{historyPath: "history.json"}}
	cl := newClient(t, serve(t, f), "DE", at("2026-11-23T12:05:00Z"), Lifecycle)
	r, err := cl.Intensity(context.Background(), at("2026-11-23T09:30:00Z"), at("2026-11-23T10:30:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if r.GCO2eqPerKWh != 310 || r.Points != 2 || r.Estimated != 1 || r.Endpoint != "history" {
		t.Errorf("got %+v", r)
	}
	if !strings.Contains(r.Source, "1 estimated") || len(r.Warnings) != 1 {
		t.Errorf("source %q, warnings %q", r.Source, r.Warnings)
	}
	q := f.queries()
	if len(q) != 1 || q[0].Path != historyPath || q[0].Query().Get("zone") != "DE" || q[0].Query().Get("emissionFactorType") != Lifecycle || q[0].Query().Has("start") {
		t.Errorf("queries %v", q)
	}
	ci := r.CarbonIntensity()
	if ci.GCO2eqPerKWh != 310 || ci.Year != 2026 || ci.Source != r.Source || !strings.Contains(ci.Name, "DE") {
		t.Errorf("CarbonIntensity() = %+v", ci)
	}
	// The 11:00 value is null: a window there has no data.
	_, err = cl.Intensity(context.Background(), at("2026-11-23T11:10:00Z"), at("2026-11-23T11:40:00Z"))
	if !errors.Is(err, ErrNoData) {
		t.Errorf("null value: err = %v, want ErrNoData", err)
	}
}

// Past-range allows 10 days per request: 25 days take three.
func TestPastRangeSplitsLongWindows(t *testing.T) {
	f := &fakeAPI{bodies: map[string]string{pastRangePath: "past-range.json"}}
	cl := newClient(t, serve(t, f), "DK-DK2", at("2026-01-01T00:00:00Z"), "")
	if _, err := cl.Intensity(context.Background(), at("2024-03-01T00:00:00Z"), at("2024-03-26T00:00:00Z")); err != nil {
		t.Fatal(err)
	}
	q := f.queries()
	if len(q) != 3 {
		t.Fatalf("%d requests, want 3", len(q))
	}
	want := [][2]string{
		{"2024-03-01T00:00:00Z", "2024-03-11T00:00:00Z"},
		{"2024-03-11T00:00:00Z", "2024-03-21T00:00:00Z"},
		{"2024-03-21T00:00:00Z", "2024-03-26T01:00:00Z"},
	}
	for i, w := range want {
		if g := [2]string{q[i].Query().Get("start"), q[i].Query().Get("end")}; g != w {
			t.Errorf("request %d covers %v, want %v", i, g, w)
		}
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name    string
		api     *fakeAPI
		token   string
		want    error
		mention string
	}{
		{"bad token", &fakeAPI{bodies: map[string]string{pastRangePath: "past-range.json"}}, "wrong-" + token, ErrUnauthorized, "HTTP 401"},
		{"plan refuses", &fakeAPI{status: 403, body: `{"error":"Your plan does not include past-range for DK-DK2 (token ` + token + `)"}`}, token, ErrUnauthorized, "[token]"},
		{"unknown zone 404", &fakeAPI{status: 404, body: `{"error":"Zone 'XX' does not exist"}`}, token, ErrUnknownZone, "v3/zones"},
		{"unknown zone 400", &fakeAPI{status: 400, body: `{"message":"Invalid zone key"}`}, token, ErrUnknownZone, "Invalid zone key"},
		{"no data in window", &fakeAPI{bodies: map[string]string{pastRangePath: "past-range.json"}}, token, ErrNoData, "2 values outside it"},
		{"server error", &fakeAPI{status: 502, body: "<html>bad gateway</html>"}, token, nil, "HTTP 502: <html>bad gateway</html>"},
		{"not JSON", &fakeAPI{status: 0, bodies: map[string]string{pastRangePath: "../client.go"}}, token, nil, "unreadable answer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl, err := New(Options{BaseURL: serve(t, c.api), Token: c.token, Zone: "DK-DK2", Now: func() time.Time { return at("2026-01-01T00:00:00Z") }})
			if err != nil {
				t.Fatal(err)
			}
			from, to := at("2024-03-18T02:00:00Z"), at("2024-03-18T03:00:00Z")
			if c.name == "no data in window" {
				from, to = at("2024-03-18T07:00:00Z"), at("2024-03-18T08:00:00Z")
			}
			_, err = cl.Intensity(context.Background(), from, to)
			if err == nil {
				t.Fatal("no error")
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("err = %v, want %v", err, c.want)
			}
			if !strings.Contains(err.Error(), c.mention) {
				t.Errorf("err = %q, want it to mention %q", err, c.mention)
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("the error shows the token: %q", err)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	cl := newClient(t, base, "DE", at("2026-01-01T00:00:00Z"), "")
	_, err := cl.Intensity(context.Background(), at("2024-01-01T00:00:00Z"), at("2024-01-01T01:00:00Z"))
	if err == nil || strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "zone DE") {
		t.Errorf("err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := &fakeAPI{bodies: map[string]string{pastRangePath: "past-range.json"}}
	cl = newClient(t, serve(t, f), "DK-DK2", at("2026-01-01T00:00:00Z"), "")
	if _, err := cl.Intensity(ctx, at("2024-03-18T02:00:00Z"), at("2024-03-18T03:00:00Z")); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: err = %v", err)
	}
}

func TestOptions(t *testing.T) {
	cases := []struct {
		name    string
		o       Options
		mention string
	}{
		{"no token", Options{Zone: "DE"}, "no API token"},
		{"no zone", Options{Token: token}, "no zone"},
		{"bad factor", Options{Token: token, Zone: "DE", EmissionFactorType: "marginal"}, `"marginal"`},
		{"bad URL", Options{Token: token, Zone: "DE", BaseURL: "api.electricitymap.org"}, "want http(s)://host"},
	}
	for _, c := range cases {
		_, err := New(c.o)
		if err == nil || !strings.Contains(err.Error(), c.mention) || (c.o.Token != "" && strings.Contains(err.Error(), c.o.Token)) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.mention)
		}
	}
	c, err := New(Options{Token: token, Zone: " DE "})
	if err != nil || c.base.String() != DefaultBaseURL || c.Zone() != "DE" {
		t.Errorf("defaults: %v, %v", c, err)
	}
	cl := newClient(t, "http://127.0.0.1:1", "DE", time.Now(), "")
	if _, err := cl.Intensity(context.Background(), at("2024-01-02T00:00:00Z"), at("2024-01-01T00:00:00Z")); err == nil || !strings.Contains(err.Error(), "before it starts") {
		t.Errorf("reversed window: %v", err)
	}
}

// An explicit direct request is passed on, and the answer's factor type
// is what the source names.
func TestDirectEmissionFactors(t *testing.T) {
	f := &fakeAPI{status: 0, bodies: map[string]string{pastRangePath: "past-range.json"}}
	cl := newClient(t, serve(t, f), "DK-DK2", at("2026-01-01T00:00:00Z"), Direct)
	r, err := cl.Intensity(context.Background(), at("2024-03-18T02:00:00Z"), at("2024-03-18T03:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.queries()[0].Query().Get("emissionFactorType"); got != Direct {
		t.Errorf("emissionFactorType=%q", got)
	}
	// The fixture says lifecycle: the source reports what the API said.
	if r.EmissionFactorType != Lifecycle {
		t.Errorf("factor %q", r.EmissionFactorType)
	}
}
