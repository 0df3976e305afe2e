package testenv

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Influxd is a real InfluxDB 1.x (Debian package influxdb) started by a
// test on loopback ports, with authentication on and one admin user, as a
// secured SmartWatts store or results database would be.
type Influxd struct {
	URL, User, Password string
	Log                 string // its log file, shown when it fails to start
}

// StartInfluxd runs influxd with its data in a temp dir, waits until it
// answers /ping, creates the admin user, and stops it when the test ends.
func StartInfluxd(t testing.TB, user, password string) *Influxd {
	t.Helper()
	bin := Binary(t, "influxd", "influxdb")
	dir := t.TempDir()
	httpPort, rpcPort := FreePort(t), FreePort(t)
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
	s := &Influxd{URL: fmt.Sprintf("http://127.0.0.1:%d", httpPort), User: user, Password: password, Log: filepath.Join(dir, "influxd.log")}
	logFile, err := os.Create(s.Log)
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
	WaitHTTP(t, "influxd", s.URL+"/ping", http.StatusNoContent, "", s.Log)
	// With authentication on and no user, the one statement allowed is
	// creating the first admin.
	form := url.Values{"q": {fmt.Sprintf("CREATE USER %s WITH PASSWORD '%s' WITH ALL PRIVILEGES", user, password)}}
	resp, err := http.PostForm(s.URL+"/query", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("influxd: creating the admin user: %s", resp.Status)
	}
	return s
}

// WaitHTTP polls url until it answers status (and, when given, body), for
// at most 60 s (Prometheus takes ~7 s on a quiet machine), then fails with
// the server's log.
func WaitHTTP(t testing.TB, name, url string, status int, body, logPath string) {
	t.Helper()
	start := time.Now()
	for {
		resp, err := http.Get(url)
		if err == nil {
			buf := make([]byte, 512)
			n, _ := resp.Body.Read(buf)
			resp.Body.Close()
			if resp.StatusCode == status && (body == "" || strings.TrimSpace(string(buf[:n])) == body) {
				t.Logf("%s ready after %v", name, time.Since(start).Round(time.Millisecond))
				return
			}
		}
		if time.Since(start) > 60*time.Second {
			logText, _ := os.ReadFile(logPath)
			t.Fatalf("%s not ready after 60 s (last error %v); its log:\n%s", name, err, logText)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
