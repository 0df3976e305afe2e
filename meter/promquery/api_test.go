package promquery

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/internal/testenv"
	"github.com/aienergy/aienergy/meter"
)

// These tests cover what a real Prometheus never answers: a server that
// is not Prometheus, and what the meter itself must send. Everything a
// Prometheus does answer is tested against the real one (prometheus_test.go).

func TestRequestHeaders(t *testing.T) {
	t.Setenv("PROMQUERY_TEST_TOKEN", " s3cret\n")
	got := make(chan http.Header, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[
			{"metric":{"__name__":"DCGM_FI_DEV_POWER_USAGE","gpu":"1"},"value":[1712345678.5,"301.25"]}]}}`)
	}))
	defer srv.Close()
	m, err := New(newSpec(map[string]any{
		"url": srv.URL + "/prefix/", "bearer_token_env": "PROMQUERY_TEST_TOKEN",
		"headers": map[string]any{"X-Scope-OrgID": "team-a"},
		"queries": []any{map[string]any{"query": "DCGM_FI_DEV_POWER_USAGE", "kind": "power", "component": "gpu", "channel_label": "gpu"}},
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	rs, err := m.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	h := <-got
	if h.Get("Authorization") != "Bearer s3cret" || h.Get("X-Scope-OrgID") != "team-a" {
		t.Errorf("request headers %v; want the bearer token and X-Scope-OrgID", h)
	}
	if len(rs) != 1 || rs[0].Channel != "gpu1" || rs[0].Watts != 301.25 || rs[0].Meter != "prom" {
		t.Errorf("readings %+v; want gpu1 at 301.25 W from meter prom", rs)
	}
}

func TestNotPrometheus(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"404 page", 404, "404 page not found", "no Prometheus API there"},
		{"html", 200, "<html><body>Grafana</body></html>", "not Prometheus API JSON"},
		{"other json", 200, `{"hello":"world"}`, "not Prometheus API JSON"},
		{"string result", 200, `{"status":"success","data":{"resultType":"string","result":[1,"x"]}}`, `result of type "string"`},
		{"proxy error", 502, "Bad Gateway", "502 Bad Gateway"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			}))
			defer srv.Close()
			m, err := New(newSpec(map[string]any{"url": srv.URL}))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			_, err = m.Read(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Read error %v; want one saying %q", err, tc.want)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	port := testenv.FreePort(t) // nothing listens there
	m, err := New(newSpec(map[string]any{"url": fmt.Sprintf("http://127.0.0.1:%d", port)}))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	_, err = m.Read(context.Background())
	if err == nil || !strings.Contains(err.Error(), "connection refused; is Prometheus running") {
		t.Errorf("Read error %v; want connection refused with advice", err)
	}
	_, err = m.(WindowMeter).EnergyOverWindow(context.Background(), time.Now().Add(-time.Minute), time.Now())
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("EnergyOverWindow error %v; want connection refused", err)
	}
}

func TestSlowServer(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	m, err := New(newSpec(map[string]any{"url": srv.URL, "timeout": "50ms"}))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	_, err = m.Read(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "within 50ms") {
		t.Errorf("Read error %v; want a deadline error naming the 50ms limit", err)
	}
}

func TestWindowArguments(t *testing.T) {
	m, err := New(newSpec(nil))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := m.(WindowMeter).EnergyOverWindow(context.Background(), now, now); err == nil {
		t.Error("an empty window gave no error")
	}
	wr := m.(meter.WindowReader) // the runner finds it by this assertion
	if _, err := wr.ReadWindow(context.Background(), now, now); err == nil {
		t.Error("ReadWindow: an empty window gave no error")
	}
	// Within one millisecond there is no instant a sample can have: no
	// data, without asking the server (there is none at this URL).
	ms := now.Truncate(time.Millisecond)
	_, err = wr.ReadWindow(context.Background(), ms.Add(300*time.Microsecond), ms.Add(700*time.Microsecond))
	if !errors.Is(err, ErrNoData) {
		t.Errorf("ReadWindow within a millisecond: %v; want ErrNoData", err)
	}
}

// TestOddValues covers values an exporter can publish that Prometheus
// passes on as they are: NaN (no figure now) and infinities.
func TestOddValues(t *testing.T) {
	for _, tc := range []struct{ value, want string }{
		{"NaN", `has the value NaN (no figure from the exporter), for example DCGM_FI_DEV_POWER_USAGE{gpu="0"}`},
		{"+Inf", `DCGM_FI_DEV_POWER_USAGE{gpu="0"} has the value +Inf`},
	} {
		t.Run(tc.value, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				fmt.Fprintf(w, `{"status":"success","data":{"resultType":"vector","result":[
					{"metric":{"__name__":"DCGM_FI_DEV_POWER_USAGE","gpu":"0"},"value":[1712345678.5,%q]}]}}`, tc.value)
			}))
			defer srv.Close()
			m, err := New(newSpec(map[string]any{"url": srv.URL}))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			_, err = m.Read(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Read error %v; want one saying %q", err, tc.want)
			}
		})
	}
}
