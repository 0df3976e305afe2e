package sink

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/internal/testenv"
)

// influxd is a real InfluxDB 1.x (Debian package influxdb) started by a
// test on loopback ports, authentication on, with one admin user.
type influxd struct {
	url, user, password, log string
}

func startInfluxd(t *testing.T) *influxd {
	t.Helper()
	d := testenv.StartInfluxd(t, "aienergy", "s3cret")
	return &influxd{url: d.URL, user: d.User, password: d.Password, log: d.Log}
}

// waitHTTP polls url until it answers status (and body).
func waitHTTP(t *testing.T, name, url string, status int, body, logPath string) {
	t.Helper()
	testenv.WaitHTTP(t, name, url, status, body, logPath)
}

// influxResult is /query's answer for one statement.
type influxResult struct {
	Series []struct {
		Name    string
		Columns []string
		Values  [][]any
	}
	Error string
}

// query runs InfluxQL (as the admin when auth) and returns its results.
func (s *influxd) query(t *testing.T, db, q string, auth bool) []influxResult {
	t.Helper()
	form := url.Values{"q": {q}, "epoch": {"ns"}}
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
	var out struct {
		Results []influxResult
		Error   string
	}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber() // timestamps in ns do not fit a float64
	if err := dec.Decode(&out); err != nil || resp.StatusCode != http.StatusOK || out.Error != "" {
		t.Fatalf("%s: HTTP %s, %v %s", q, resp.Status, err, out.Error)
	}
	for _, r := range out.Results {
		if r.Error != "" {
			t.Fatalf("%s: %s", q, r.Error)
		}
	}
	return out.Results
}
