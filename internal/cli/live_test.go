package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aienergy/aienergy/internal/testenv"
)

// --metrics-addr serves the run as it goes: a scrape during the measured
// phase sees the simulator's power, requests and tokens.
func TestRunServesLiveMetrics(t *testing.T) {
	port := testenv.FreePort(t)
	url := fmt.Sprintf("http://127.0.0.1:%d/metrics", port)
	var seen atomic.Value
	done := make(chan struct{})
	go func() {
		defer close(done)
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if resp, err := http.Get(url); err == nil {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				text := string(body)
				if strings.Contains(text, `aienergy_requests_total{model="sim-model",outcome="ok",phase="measured"}`) &&
					strings.Contains(text, "aienergy_power_watts{") {
					seen.Store(text)
					return
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	dir := filepath.Join(t.TempDir(), "live")
	stdout, stderr, code := runCLI(t, "run", "--output", dir, "--metrics-addr", fmt.Sprintf("127.0.0.1:%d", port),
		"phases.idle_before=0.5s", "phases.idle_after=0.5s", "load.requests=60")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	<-done
	if seen.Load() == nil {
		t.Fatalf("no scrape of %s during the run showed measured requests and power", url)
	}
	if !strings.Contains(stderr, "live metrics at http://127.0.0.1:") {
		t.Errorf("the run does not say on stderr where its live metrics are:\n%s", stderr)
	}
}

// --metrics-linger keeps the endpoint up after the run: a scrape once the
// run's figures are written sees its final counts.
func TestLiveMetricsLinger(t *testing.T) {
	port := testenv.FreePort(t)
	url := fmt.Sprintf("http://127.0.0.1:%d/metrics", port)
	dir := filepath.Join(t.TempDir(), "live")
	exited := make(chan int, 1)
	ctx, cancel := context.WithCancel(context.Background())
	// The run must be over before the test's temp dir goes: Ctrl-C ends
	// its linger, and the test waits for it to exit.
	defer func() { cancel(); <-exited }()
	go func() {
		code := Execute(ctx, []string{"run", "--output", dir, "--metrics-addr", fmt.Sprintf("127.0.0.1:%d", port), "--metrics-linger", "20s",
			"phases.idle_before=0", "phases.idle_after=0", "phases.warmup_requests=0", "load.requests=8"}, io.Discard, io.Discard)
		exited <- code
	}()
	const final = `aienergy_requests_total{model="sim-model",outcome="ok",phase="measured"} 8`
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "summary.json")); err == nil {
			break // the run is over and reported
		}
		select {
		case code := <-exited:
			exited <- code // for the deferred wait
			t.Fatalf("the run ended (exit %d) without lingering", code)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the run did not finish")
		}
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("after the run: %v; want the endpoint still up", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), final) {
		t.Errorf("after the run the endpoint lacks %q:\n%s", final, body)
	}
	select {
	case code := <-exited:
		exited <- code // for the deferred wait
		t.Errorf("the run exited (%d) while it should linger", code)
	default:
	}
}
