package influx

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
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

// startInfluxd runs influxd (Debian package influxdb) on loopback ports
// with its data in a temp dir, and stops it when the test ends.
func startInfluxd(t *testing.T) *influxd {
	t.Helper()
	bin := testenv.Binary(t, "influxd", "influxdb")
	dir := t.TempDir()
	httpPort, rpcPort := testenv.FreePort(t), testenv.FreePort(t)
	conf := fmt.Sprintf(`reporting-disabled = true
bind-address = "127.0.0.1:%d"
[meta]
  dir = %q
  logging-enabled = false
[data]
  dir = %q
  wal-dir = %q
  query-log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[http]
  bind-address = "127.0.0.1:%d"
  auth-enabled = true
  log-enabled = false
`, rpcPort, filepath.Join(dir, "meta"), filepath.Join(dir, "data"), filepath.Join(dir, "wal"), httpPort)
	confPath := filepath.Join(dir, "influxdb.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "influxd.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run", "-config", confPath)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// INFLUXDB_* variables override the config file; none may leak in.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "INFLUXDB_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = logFile.Close()
	})
	s := &influxd{url: fmt.Sprintf("http://127.0.0.1:%d", httpPort), user: adminUser, password: adminPassword, log: logPath}
	s.waitReady(t)
	// With authentication on and no user, the one statement allowed is
	// creating the first admin.
	s.query(t, "", fmt.Sprintf("CREATE USER %s WITH PASSWORD '%s' WITH ALL PRIVILEGES", adminUser, adminPassword), false)
	return s
}

// waitReady polls /ping until it answers 204, for at most 30 s.
func (s *influxd) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.url + "/ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusNoContent {
				return
			}
		}
		if time.Now().After(deadline) {
			logText, _ := os.ReadFile(s.log)
			t.Fatalf("influxd not ready after 30 s (last error %v); its log:\n%s", err, logText)
		}
		time.Sleep(100 * time.Millisecond)
	}
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
