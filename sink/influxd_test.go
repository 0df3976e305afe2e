package sink

import (
	"encoding/json"
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

// influxd is a real InfluxDB 1.x (Debian package influxdb) started by a
// test on loopback ports, authentication on, with one admin user.
type influxd struct {
	url, user, password, log string
}

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
	s := &influxd{url: fmt.Sprintf("http://127.0.0.1:%d", httpPort), user: "aienergy", password: "s3cret", log: filepath.Join(dir, "influxd.log")}
	logFile, err := os.Create(s.log)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run", "-config", confPath)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	for _, kv := range os.Environ() { // INFLUXDB_* would override the file
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
	waitHTTP(t, "influxd", s.url+"/ping", http.StatusNoContent, "", s.log)
	// With auth on and no user yet, creating the first admin is allowed.
	s.query(t, "", fmt.Sprintf("CREATE USER %s WITH PASSWORD '%s' WITH ALL PRIVILEGES", s.user, s.password), false)
	return s
}

// waitHTTP polls url until it answers status (and, when given, body), for
// at most 30 s, then fails with the server's log.
func waitHTTP(t *testing.T, name, url string, status int, body, logPath string) {
	t.Helper()
	start := time.Now()
	for {
		resp, err := http.Get(url)
		if err == nil {
			var b strings.Builder
			buf := make([]byte, 512)
			n, _ := resp.Body.Read(buf)
			b.Write(buf[:n])
			resp.Body.Close()
			if resp.StatusCode == status && (body == "" || strings.TrimSpace(b.String()) == body) {
				t.Logf("%s ready after %v", name, time.Since(start).Round(time.Millisecond))
				return
			}
		}
		if time.Since(start) > 30*time.Second {
			logText, _ := os.ReadFile(logPath)
			t.Fatalf("%s not ready after 30 s (last error %v); its log:\n%s", name, err, logText)
		}
		time.Sleep(50 * time.Millisecond)
	}
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
