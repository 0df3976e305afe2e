package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/sim"
)

// The first seed's CNN comparison, reproduced with `aienergy measure`: a
// command marks two phases with their item counts, while the simulator's
// modeled GPU (measured through its dcgm-exporter endpoint) carries a
// steady load. J per item per phase must match the simulator's exact
// energy over each phase divided by the items, within 3 %.
func TestMeasureCommandPhasesJoulesPerItem(t *testing.T) {
	s, err := sim.New(sim.Config{Models: []string{"m"}, TTFT: time.Millisecond, ITL: 2 * time.Millisecond, WattsPerSeq: 40})
	if err != nil {
		t.Fatal(err)
	}
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// A steady load of 3 streams for the whole test.
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	client, err := backend.New(ctx, "openai", backend.Options{BaseURL: url + "/v1", API: "completions", Stream: true, Timeout: time.Minute, MaxConns: 3})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				client.Do(ctx, backend.Request{Model: "m", Prompt: "x", MaxTokens: 50, IgnoreEOS: true})
			}
		}()
	}
	defer func() { stop(); wg.Wait() }()

	cfgPath := filepath.Join(t.TempDir(), "lab.yaml")
	cfg := "name: cnn\nbackend: {type: sim, model: m}\nphases: {idle_before: 1s, idle_after: 0s}\n" +
		"meters:\n  - name: gpu\n    type: exporter\n    url: " + url + "/metrics\n    preset: dcgm\n" +
		"metrics: {carbon_intensity: 300}\n"
	os.WriteFile(cfgPath, []byte(cfg), 0o644)
	dir := filepath.Join(t.TempDir(), "m")
	script := `echo "aienergy: phase=resnet50 items=1000"; sleep 1.5; echo "aienergy: phase=vgg16"; sleep 1; echo "aienergy: items=250"; echo "aienergy: end"; sleep 0.3; echo bye`

	var stdout, stderr bytes.Buffer
	code := Execute(context.Background(), []string{"measure", cfgPath, "--output", dir, "--", "sh", "-c", script}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	// The command's output, whole, then the summary.
	if out, _, _ := strings.Cut(stdout.String(), "\nmodel "); !strings.HasPrefix(out, "aienergy: phase=resnet50") || !strings.HasSuffix(out, "bye\n") {
		t.Errorf("the command's output was not passed through:\n%s", stdout.String())
	}
	if log, _ := os.ReadFile(filepath.Join(dir, "command.log")); !bytes.Contains(log, []byte("bye")) {
		t.Errorf("command.log = %q", log)
	}

	var sum struct {
		StartedAt time.Time `json:"started_at"`
		Models    []struct {
			Model  string
			Items  int
			Window struct {
				StartS float64 `json:"start_s"`
				EndS   float64 `json:"end_s"`
			} `json:"window"`
			EnergyJ       *float64 `json:"energy_j"`
			JoulesPerItem *float64 `json:"joules_per_item"`
		}
	}
	data, _ := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.Models) != 2 || sum.Models[0].Model != "resnet50" || sum.Models[1].Model != "vgg16" {
		t.Fatalf("phases = %+v, want resnet50 then vgg16", sum.Models)
	}
	for i, want := range []int{1000, 250} {
		m := sum.Models[i]
		if m.Items != want || m.JoulesPerItem == nil {
			t.Fatalf("%s: %d items, J/item %v; want %d items and a figure", m.Model, m.Items, m.JoulesPerItem, want)
		}
		// The run's clock origin is started_at; the simulator integrates
		// its own exact power over the same wall-clock window.
		from := sum.StartedAt.Add(time.Duration(m.Window.StartS * float64(time.Second)))
		to := sum.StartedAt.Add(time.Duration(m.Window.EndS * float64(time.Second)))
		truth := s.Energy(from, to) / float64(want)
		checkWithin(t, m.Model+" J/item", *m.JoulesPerItem, truth, 0.03)
	}
}

// A failing command's status becomes aienergy's, and the run directory is
// still complete.
func TestMeasureKeepsTheCommandsExitStatus(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fail")
	var stdout, stderr bytes.Buffer
	code := Execute(context.Background(), []string{"measure", "--output", dir, "--idle-before", "0s", "--idle-after", "0s", "--", "sh", "-c", "exit 3"}, &stdout, &stderr)
	if code != 3 {
		t.Fatalf("exit %d, want 3\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "exited with status 3") {
		t.Errorf("stderr does not say the command failed:\n%s", stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "summary.json")); err != nil {
		t.Errorf("no summary after a failed command: %v", err)
	}
}

func TestMeasureNeedsACommand(t *testing.T) {
	_, stderr, code := runCLI(t, "measure")
	if code != exitUsage || !strings.Contains(stderr, "needs a command after --") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// A measured command needs no backend, so its config may have none; a
// command that cannot run fails before the idle phases, not after them.
func TestMeasureConfigWithoutBackend(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "m.yaml")
	if err := os.WriteFile(cfg, []byte("meters:\n  - {name: cpu, type: cpu-estimate, tdp_watts: 50}\nphases: {idle_before: 1m, idle_after: 1m}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	if _, stderr, code := runCLI(t, "measure", cfg, "--idle-before", "0.2s", "--idle-after", "0.2s", "--output", dir, "--", "true"); code != 0 {
		t.Fatalf("a config without backend: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "summary.json")); err != nil {
		t.Errorf("no figures: %v", err)
	}

	missing := filepath.Join(t.TempDir(), "missing")
	_, stderr, code := runCLI(t, "measure", cfg, "--output", missing, "--", "/nonexistent/workload")
	if code != exitUsage || !strings.Contains(stderr, "cannot run /nonexistent/workload") {
		t.Errorf("a missing command: exit %d, %q; want exit 2 at once", code, stderr)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("a missing command left a run directory (err %v): the idle phases ran", err)
	}
}

// As for run, measure's summary goes to stdout after the command's own
// output, and --json puts summary.json alone after it.
func TestMeasureSummaryOnStdout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "m")
	stdout, stderr, code := runCLI(t, "measure", "--idle-before", "0.2s", "--idle-after", "0.2s", "--output", dir, "--", "sh", "-c", "echo workload-says-hi")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	i, j := strings.Index(stdout, "workload-says-hi"), strings.Index(stdout, "run directory: "+dir)
	if i < 0 || j < i {
		t.Errorf("stdout does not hold the command's output then the summary:\n%s", stdout)
	}

	dir = filepath.Join(t.TempDir(), "j")
	stdout, stderr, code = runCLI(t, "measure", "--json", "--idle-before", "0.2s", "--idle-after", "0.2s", "--output", dir, "--", "true")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil || stdout != string(data) {
		t.Errorf("--json: stdout is not summary.json (err %v):\n%s", err, stdout)
	}
	if !strings.Contains(stderr, "run directory: "+dir) {
		t.Errorf("--json: the table and run directory belong on stderr:\n%s", stderr)
	}
}
