package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/sim"
)

// The first command a user types with their own server measures that
// server: the embedded default's simulator gives way to the endpoint,
// the simulator's meter is left out, and both are said on stderr. The
// summary alone goes to stdout with --json.
func TestEndpointOnTheDefaultMeasuresThatServer(t *testing.T) {
	_, url := serveSim(t, sim.Config{Models: []string{"their-model"}, TTFT: 5 * time.Millisecond, ITL: 2 * time.Millisecond})

	dir := filepath.Join(t.TempDir(), "run")
	stdout, stderr, code := runCLI(t, "run", "--json", "--output", dir,
		"backend.endpoint="+url+"/v1", "backend.model=their-model",
		"phases.idle_before=0", "phases.idle_after=0", "phases.warmup_requests=0", "load.requests=4")
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"note: backend.endpoint is set: measuring the OpenAI-compatible server at " + url + "/v1",
		"meter sim-gpu reads the simulator and is left out",
		"warning: no power meter is available",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}

	// stdout is summary.json, byte for byte, and nothing else.
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if stdout != string(data) {
		t.Errorf("stdout is not summary.json:\n%s", stdout)
	}
	var sum struct {
		Completed int `json:"completed"`
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil || sum.Completed != 4 {
		t.Errorf("stdout summary: completed %d, err %v; want the 4 requests sent to the named server", sum.Completed, err)
	}

	var meta struct {
		Backend struct{ Type, Endpoint string } `json:"backend"`
		Meters  []struct{ Name string }         `json:"meters"`
	}
	data, err = os.ReadFile(filepath.Join(dir, "run.json"))
	if err == nil {
		err = json.Unmarshal(data, &meta)
	}
	if err != nil {
		t.Fatal(err)
	}
	if meta.Backend.Type != "openai" || meta.Backend.Endpoint != url+"/v1" || len(meta.Meters) != 0 {
		t.Errorf("run.json backend %+v, meters %+v; want openai at %s/v1 and no meter", meta.Backend, meta.Meters, url)
	}
	// The named server did the work: its own counter says so.
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	metrics, _ := io.ReadAll(resp.Body)
	var served float64
	for _, line := range strings.Split(string(metrics), "\n") {
		if strings.HasPrefix(line, "vllm:request_success_total{") {
			v, _ := strconv.ParseFloat(line[strings.LastIndex(line, " ")+1:], 64)
			served += v
		}
	}
	if served != 4 {
		t.Errorf("the named server counts %g successful requests, want 4", served)
	}
}

// --version names the build; run.json records the same.
func TestVersion(t *testing.T) {
	stdout, _, code := runCLI(t, "--version")
	if code != 0 || !strings.Contains(stdout, "aienergy version "+version()) {
		t.Errorf("exit %d, %q; want the build's version %q", code, stdout, version())
	}
}

// A backend's options are checked when the plan is made, so --dry-run
// finds what the run would, and sends nothing.
func TestDryRunChecksTheBackend(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"backend.type=ollama", "backend.endpoint=http://127.0.0.1:9/v1"}, "points at Ollama's OpenAI-compatible API"},
		{[]string{"backend.type=kserve", "backend.endpoint=http://127.0.0.1:9", "backend.images=" + t.TempDir() + "/none"}, "images folder"},
	}
	for _, tc := range tests {
		_, stderr, code := runCLI(t, append([]string{"run", "--dry-run", "backend.model=m"}, tc.args...)...)
		if code != exitError || !strings.Contains(stderr, "backend: ") || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 naming backend and %q", tc.args, code, stderr, tc.want)
		}
	}
}
