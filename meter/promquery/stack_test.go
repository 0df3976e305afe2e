package promquery

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/internal/testenv"
)

// A stack is a real Prometheus (Debian package prometheus) scraping a
// real node_exporter (prometheus-node-exporter) every second; the
// node_exporter serves, through its textfile collector, whatever the test
// writes with set.
type stack struct {
	url     string // Prometheus base URL with the test's credentials
	bareURL string // the same without credentials
	textDir string
}

const (
	promUser     = "aienergy"
	promPassword = "s3cret" // testdata/web.yml holds its bcrypt hash
)

// startStack starts node_exporter and Prometheus on free loopback ports
// serving body, and waits until Prometheus has scraped it once.
func startStack(t *testing.T, body string) *stack {
	t.Helper()
	promBin := testenv.Binary(t, "prometheus", "prometheus")
	neBin := testenv.Binary(t, "prometheus-node-exporter", "prometheus-node-exporter")
	dir := t.TempDir()
	s := &stack{textDir: filepath.Join(dir, "textfile")}
	if err := os.Mkdir(s.textDir, 0o755); err != nil {
		t.Fatal(err)
	}
	s.set(t, body)

	nePort, promPort := testenv.FreePort(t), testenv.FreePort(t)
	s.start(t, dir, "node_exporter", neBin,
		"--collector.disable-defaults", "--collector.textfile",
		"--collector.textfile.directory="+s.textDir,
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", nePort))

	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:%d']
`, nePort)
	configPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configPath, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	webConfig, err := filepath.Abs(filepath.Join("testdata", "web.yml"))
	if err != nil {
		t.Fatal(err)
	}
	s.start(t, dir, "prometheus", promBin,
		"--config.file="+configPath,
		"--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.config.file="+webConfig,
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", promPort))
	s.bareURL = fmt.Sprintf("http://127.0.0.1:%d", promPort)
	s.url = fmt.Sprintf("http://%s:%s@127.0.0.1:%d", promUser, promPassword, promPort)

	s.waitReady(t)
	return s
}

// set replaces what node_exporter serves. The textfile collector reads
// every *.prom file at each scrape, so the file is written under another
// name and renamed: a scrape never sees half of it.
func (s *stack) set(t *testing.T, body string) {
	t.Helper()
	if err := s.write(body); err != nil {
		t.Fatal(err)
	}
}

func (s *stack) write(body string) error {
	tmp := filepath.Join(s.textDir, "dcgm.prom.tmp")
	if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(s.textDir, "dcgm.prom"))
}

func (s *stack) start(t *testing.T, dir, name, bin string, args ...string) {
	t.Helper()
	testenv.StartProcess(t, dir, name, bin, args...)
}

// waitReady waits for Prometheus to answer /-/ready and then to hold a
// first sample of the served energy counter.
func (s *stack) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, s.bareURL+"/-/ready", nil)
		req.SetBasicAuth(promUser, promPassword)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus not ready at %s within 30s (last: %v)", s.bareURL, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	c := newClient(s.url, s.bareURL, nil)
	defer c.close()
	for {
		got, err := c.instant(context.Background(), "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", time.Second)
		if err == nil && len(got) > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus scraped no DCGM series within 30s (last: %d series, %v)", len(got), err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// raw returns the raw samples of a bare selector over the last d.
func (s *stack) raw(t *testing.T, selector string, d time.Duration) []point {
	t.Helper()
	c := newClient(s.url, s.bareURL, nil)
	defer c.close()
	got, err := c.instantAt(context.Background(), fmt.Sprintf("%s[%dms]", selector, d.Milliseconds()), time.Now(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		var names []string
		for _, g := range got {
			names = append(names, describeSeries(g.labels))
		}
		t.Fatalf("%s gave %d series (%s); want 1", selector, len(got), strings.Join(names, ", "))
	}
	return got[0].points
}
