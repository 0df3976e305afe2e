package testenv

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// StartProcess runs bin with args, its output going to dir/name.log, and
// kills it when the test ends, showing the log's tail if the test failed.
// It returns the log's path.
func StartProcess(t testing.TB, dir, name, bin string, args ...string) string {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = log.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			if len(b) > 3000 {
				b = append([]byte("…"), b[len(b)-3000:]...)
			}
			t.Logf("%s log (tail):\n%s", name, b)
		}
	})
	return logPath
}

// StartPrometheus runs a real Prometheus (Debian package prometheus) with
// config on a free loopback port, its TSDB in tsdb (a fresh temp dir when
// ""), extra flags appended; it waits until Prometheus is ready and returns
// its base URL.
func StartPrometheus(t testing.TB, config, tsdb string, extra ...string) string {
	t.Helper()
	bin := Binary(t, "prometheus", "prometheus")
	dir := t.TempDir()
	if tsdb == "" {
		tsdb = filepath.Join(dir, "tsdb")
	}
	configPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	args := append([]string{"--config.file=" + configPath, "--storage.tsdb.path=" + tsdb, "--web.listen-address=" + addr}, extra...)
	logPath := StartProcess(t, dir, "prometheus", bin, args...)
	base := "http://" + addr
	WaitHTTP(t, "prometheus", base+"/-/ready", http.StatusOK, "", logPath)
	return base
}
