package cli

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/sim"
	"github.com/aienergy/aienergy/trace"
)

// Hostile or mistaken input stops at the plan, with one line naming the
// key, before anything is measured or allocated for it.
func TestPlanRefusesWhatWouldBreakTheRun(t *testing.T) {
	dir := t.TempDir()
	deep := filepath.Join(dir, "deep.yaml")
	os.WriteFile(deep, []byte("backend:\n  type: sim\n  model: m\n  extra_body:\n    x: "+
		strings.Repeat("{a: ", 10000)+"1"+strings.Repeat("}", 10000)+"\n"), 0o644)
	typo := filepath.Join(dir, "typo.yaml")
	os.WriteFile(typo, []byte("backend: {type: sim, model: m}\nmeters:\n  - name: gpu\n    type: exporter\n    url: sim\n    timout: 2s\n"), 0o644)
	preset := filepath.Join(dir, "preset.yaml")
	os.WriteFile(preset, []byte("backend: {type: sim, model: m}\nmeters:\n  - name: gpu\n    type: exporter\n    url: sim\n    preset: dcgmm\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"load.mode=rate", "load.rate=1e308"}, `override "load.rate=1e308": load.rate: must be at most 10000 requests per second`},
		{[]string{"repetitions=10000000"}, `override "repetitions=10000000": repetitions: must be at most 1000`},
		{[]string{deep}, "deep.yaml:5: backend.extra_body.x.a.a.a.a.a.a.a.a.a.a.a.a.a: nested deeper than 16 levels"},
		// Meter options are checked like every other key.
		{[]string{typo}, `typo.yaml:6: meters[0].timout: unknown option for a meter of type "exporter"; did you mean "timeout"?`},
		{[]string{preset}, `preset.yaml:6: meters[0].preset: unknown preset "dcgmm"; did you mean "dcgm"?`},
		{[]string{"meters=[{type: nvml, devices: [0], powr: instant}]"}, `override "meters=[{type: nvml, devices: [0], powr: instant}]": meters[0].powr: unknown option`},
		{[]string{"meters=[{type: rapl, zone: [package]}]"}, `meters[0].zone: unknown option for a meter of type "rapl"; did you mean "zones"?`},
		// The analysis would have refused them after the whole run.
		{[]string{"metrics.country_iso_code=XYZ"}, `override "metrics.country_iso_code=XYZ": metrics.country_iso_code: no carbon intensity for region "XYZ"`},
	} {
		for _, dry := range []bool{true, false} {
			out := filepath.Join(t.TempDir(), "never")
			args := append([]string{"run", "--output", out}, c.args...)
			if dry {
				args = append(args, "--dry-run")
			}
			stdout, stderr, code := runCLI(t, args...)
			if code != exitError {
				t.Errorf("%q: exit %d, want %d\n%s", c.args, code, exitError, stdout)
			}
			msg := strings.TrimSpace(stderr)
			if !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
				t.Errorf("%q: stderr %q\nwant one line with %q", c.args, msg, c.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("%q: the refused run made %s", c.args, out)
			}
		}
	}
}

// An open loop is capped by default, and the plan says so.
func TestDryRunShowsTheRateCap(t *testing.T) {
	stdout, stderr, code := runCLI(t, "run", "--dry-run", "load.mode=rate", "load.rate=5")
	if code != 0 || !strings.Contains(stdout, "rate 5 req/s, poisson arrivals, at most 512 in flight") {
		t.Errorf("exit %d, stderr %q; the plan does not show the default cap:\n%s", code, stderr, stdout)
	}
}

// A meter that cannot work on this machine is still only skipped, with a
// warning: only configuration mistakes are fatal.
func TestUnavailableMeterIsSkipped(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	stdout, stderr, code := runCLI(t, "run", "--output", dir, "phases.idle_before=0", "phases.idle_after=0",
		"phases.warmup_requests=0", "load.requests=2", "+meters.1={type: rapl, sysfs: "+t.TempDir()+"}")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "warning: meter rapl (rapl) is not used") {
		t.Errorf("no warning about the unavailable meter on stderr:\n%s", stderr)
	}
}

// A model id of 300 characters used to fail finalisation (file name too
// long): no report.html. Per-model files get a short name with a hash,
// distinct even for ids that differ only at the end.
func TestRunLongModelNames(t *testing.T) {
	long := "org/" + strings.Repeat("very-long-model-name-", 14) // 298 characters
	dir := filepath.Join(t.TempDir(), "run")
	stdout, stderr, code := runCLI(t, "run", "--output", dir, "~backend.model", "backend.models=["+long+"a, "+long+"b]",
		"phases.idle_before=0.2s", "phases.idle_after=0.2s", "phases.warmup_requests=0", "load.requests=4")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "report.html")); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range entries {
		if len(e.Name()) > 160 {
			t.Errorf("file name of %d bytes: %s", len(e.Name()), e.Name())
		}
		for _, suffix := range []string{"_power.csv", "_stats.csv", ".json"} {
			if strings.HasSuffix(e.Name(), suffix) && strings.HasPrefix(strings.TrimPrefix(e.Name(), "benchmark_report_"), "org_very-long") {
				count[suffix]++
			}
		}
	}
	if count["_power.csv"] != 2 || count["_stats.csv"] != 2 || count[".json"] != 2 {
		t.Errorf("per-model files %v, want two of each kind:\n%v", count, entries)
	}
}

// front is a model server in front of the simulator whose chat requests
// go through handle first: it answers them itself (fail, stall) or
// returns false to let the simulator answer.
func front(t *testing.T, handle func(n int64, w http.ResponseWriter, r *http.Request) bool) (endpoint, simURL string) {
	t.Helper()
	s, err := sim.New(sim.Config{Models: []string{"m"}, TTFT: 5e6, ITL: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	simURL, err = s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	target, _ := url.Parse(simURL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ErrorLog = log.New(io.Discard, "", 0)
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/chat/completions") && handle(n.Add(1), w, r) {
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/v1", simURL
}

type guardSummary struct {
	Warnings []string `json:"warnings"`
	Load     struct {
		MaxFailureRatio *float64 `json:"max_failure_ratio"`
	} `json:"load"`
	Models []struct {
		Completed int      `json:"completed"`
		Failed    int      `json:"failed"`
		EnergyJ   *float64 `json:"energy_j"`
	} `json:"models"`
	RateStats []struct {
		Requests       int `json:"requests"`
		Queued         int `json:"queued"`
		MaxConcurrency int `json:"max_concurrency"`
	} `json:"rate_stats"`
}

func readGuardSummary(t *testing.T, dir string) guardSummary {
	t.Helper()
	var s guardSummary
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "summary.json"))), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func hasWarning(s guardSummary, parts ...string) bool {
	for _, w := range s.Warnings {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(w, p)
		}
		if ok {
			return true
		}
	}
	return false
}

// 27 of 30 requests fail: the figures are still written, the summary
// warns, and the run exits 3; load.max_failure_ratio lets the user accept
// it. (J/token is then far too high: the phase's energy over 3 requests.)
func TestRunWithManyFailedRequests(t *testing.T) {
	endpoint, simURL := front(t, func(n int64, w http.ResponseWriter, _ *http.Request) bool {
		if n%10 == 0 {
			return false
		}
		http.Error(w, `{"error": {"message": "overloaded"}}`, http.StatusServiceUnavailable)
		return true
	})
	args := []string{"backend.type=vllm", "backend.model=m", "backend.endpoint=" + endpoint,
		"meters.0.url=" + simURL + "/metrics", "phases.idle_before=0.3s", "phases.idle_after=0.3s",
		"phases.warmup_requests=0", "load.requests=30"}
	dir := filepath.Join(t.TempDir(), "run")
	stdout, stderr, code := runCLI(t, append([]string{"run", "--output", dir}, args...)...)
	if code != exitTooManyFailures || exitTooManyFailures != 3 {
		t.Fatalf("exit %d, want 3\n%s\n%s", code, stdout, stderr)
	}
	s := readGuardSummary(t, dir)
	// 27, or more when a proxied request breaks off on a loaded machine.
	if len(s.Models) != 1 || s.Models[0].Failed < 27 || s.Models[0].EnergyJ == nil {
		t.Fatalf("models %+v: want the run's figures, at least 27 failed", s.Models)
	}
	failed := fmt.Sprintf("%d of 30 measured requests failed", s.Models[0].Failed)
	if !strings.Contains(stderr, failed) {
		t.Errorf("stderr %q does not say %q", stderr, failed)
	}
	if !hasWarning(s, failed, "load.max_failure_ratio 0.1") {
		t.Errorf("no failure-ratio warning in %q", s.Warnings)
	}
	if s.Load.MaxFailureRatio == nil || *s.Load.MaxFailureRatio != 0.1 {
		t.Errorf("summary load.max_failure_ratio %v, want 0.1 recorded", s.Load.MaxFailureRatio)
	}
	if _, err := os.Stat(filepath.Join(dir, "report.html")); err != nil {
		t.Error(err)
	}

	dir = filepath.Join(t.TempDir(), "accepted")
	if stdout, stderr, code := runCLI(t, append([]string{"run", "--output", dir, "load.max_failure_ratio=1"}, args...)...); code != 0 {
		t.Errorf("with max_failure_ratio 1: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// A stalled server in rate mode: no more than the default 512 requests
// in flight however long it stalls; arrivals beyond wait in the client's
// queue, counted and warned about.
func TestRateModeStalledServerIsCapped(t *testing.T) {
	var mu sync.Mutex
	var inFlight, peak int
	endpoint, _ := front(t, func(_ int64, _ http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		mu.Unlock()
		io.Copy(io.Discard, r.Body) // then the server sees the client hang up
		<-r.Context().Done()        // stalled until the client gives up
		mu.Lock()
		inFlight--
		mu.Unlock()
		return true
	})
	dir := filepath.Join(t.TempDir(), "run")
	stdout, stderr, code := runCLI(t, "run", "--output", dir, "backend.type=vllm", "backend.endpoint="+endpoint,
		"backend.model=m", "meters=[]", "backend.timeout=2s", "phases.idle_before=0", "phases.idle_after=0",
		"phases.warmup_requests=0", "load.mode=rate", "load.rate=5000", "load.requests=600")
	if code != exitTooManyFailures {
		t.Errorf("exit %d, want %d (every request timed out)\n%s\n%s", code, exitTooManyFailures, stdout, stderr)
	}
	// The server hears of a timed-out request only once its connection
	// closes, after the client has freed the slot and sent the next: its
	// count runs ahead (513 seen in CI). The client's own records say
	// how many it had in flight.
	mu.Lock()
	t.Logf("the server saw at most %d at once", peak)
	mu.Unlock()
	if p := peakInFlight(t, dir); p > 512 {
		t.Errorf("%d requests in flight at once; the default cap is 512", p)
	}
	s := readGuardSummary(t, dir)
	if len(s.RateStats) != 1 || s.RateStats[0].MaxConcurrency != 512 || s.RateStats[0].Queued == 0 ||
		s.RateStats[0].Requests != 600 {
		t.Fatalf("rate stats %+v: want 600 requests, some queued under max_concurrency 512", s.RateStats)
	}
	if !hasWarning(s, fmt.Sprintf("%d of 600 requests waited", s.RateStats[0].Queued), "load.max_concurrency 512") {
		t.Errorf("no warning about the queued requests in %q", s.Warnings)
	}
	if !strings.Contains(stdout, "load.max_concurrency 512") {
		t.Errorf("the run did not warn while it ran:\n%s", stdout)
	}
}

// peakInFlight is the most requests the run in dir recorded in flight at
// once: the most intervals [start, end] of requests.csv that overlap, one
// that ends as another starts not counted twice.
func peakInFlight(t *testing.T, dir string) int {
	t.Helper()
	raw, err := rundir.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	type event struct {
		t     float64
		delta int
	}
	var events []event
	if err := raw.Requests.Each(func(r trace.Request) error {
		events = append(events, event{r.Start, 1}, event{r.End, -1})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(events, func(a, b event) int {
		if c := cmp.Compare(a.t, b.t); c != 0 {
			return c
		}
		return cmp.Compare(a.delta, b.delta) // ends first
	})
	n, peak := 0, 0
	for _, e := range events {
		n += e.delta
		peak = max(peak, n)
	}
	return peak
}
