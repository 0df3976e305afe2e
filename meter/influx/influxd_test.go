package influx

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/internal/testenv"
)

// influxd is a real InfluxDB 1.x started by a test, with authentication on
// and one admin user, as a secured SmartWatts store would be.
type influxd struct {
	url            string
	user, password string
	log            string
}

const (
	adminUser     = "aienergy"
	adminPassword = "s3cret-pa55"
)

// startInfluxd runs a real influxd (internal/testenv) for the test.
func startInfluxd(t *testing.T) *influxd {
	t.Helper()
	d := testenv.StartInfluxd(t, adminUser, adminPassword)
	return &influxd{url: d.URL, user: d.User, password: d.Password, log: d.Log}
}

// query runs InfluxQL as the admin (or as nobody, when auth is false).
func (s *influxd) query(t *testing.T, db, q string, auth bool) {
	t.Helper()
	form := url.Values{"q": {q}}
	if db != "" {
		form.Set("db", db)
	}
	req, _ := http.NewRequest(http.MethodPost, s.url+"/query", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if auth {
		req.SetBasicAuth(s.user, s.password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	_, _ = body.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK || strings.Contains(body.String(), `"error"`) {
		t.Fatalf("%s: %s %s", q, resp.Status, body.String())
	}
}

// write stores line protocol with nanosecond timestamps, as SmartWatts'
// InfluxDB pusher does.
func (s *influxd) write(t *testing.T, db string, lines ...string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.url+"/write?db="+url.QueryEscape(db)+"&precision=ns", strings.NewReader(strings.Join(lines, "\n")))
	req.SetBasicAuth(s.user, s.password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		var body bytes.Buffer
		_, _ = body.ReadFrom(resp.Body)
		t.Fatalf("write: %s %s", resp.Status, body.String())
	}
}

// swPoint is one SmartWatts power point in line protocol.
type swPoint struct {
	target, socket, scope, formula, sensor string
	watts                                  float64
	t                                      time.Time
}

func (p swPoint) line(measurement, field string) string {
	tags := "sensor=" + or(p.sensor, "sensor0") + ",target=" + escapeTag(p.target)
	if p.socket != "" {
		tags += ",socket=" + p.socket
	}
	if p.scope != "" {
		tags += ",scope=" + p.scope
	}
	tags += ",formula=" + or(p.formula, "f0")
	return fmt.Sprintf("%s,%s %s=%v %d", measurement, tags, field, p.watts, p.t.UnixNano())
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func escapeTag(v string) string {
	return strings.NewReplacer(",", `\,`, "=", `\=`, " ", `\ `).Replace(v)
}

// ctx is a test's context with a deadline that no healthy call comes near.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}
