package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDryRunPrintsPlanAndSendsNothing(t *testing.T) {
	out := filepath.Join(t.TempDir(), "never")
	stdout, stderr, code := runCLI(t, "run", "--dry-run", "--output", out, "load.concurrency=8", "backend.models=[a,b]", "~backend.model")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"models:      a, b", "concurrency 8", "sim-gpu (exporter)", "dry run: no request sent", "run dir:     " + out} {
		if !strings.Contains(stdout, want) {
			t.Errorf("dry-run output lacks %q:\n%s", want, stdout)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("dry run created %s", out)
	}
}

// The POC's example config loads unchanged and resolves to what the POC
// meant. A dry run sends nothing, so its Hub dataset is only looked up in
// the cache (empty here) and named as downloaded when the run starts.
func TestSeedConfigDryRun(t *testing.T) {
	t.Setenv("HF_HUB_CACHE", t.TempDir())
	seed := "../../config/testdata/seed_gpt_oss_120b.yaml"
	stdout, stderr, code := runCLI(t, "run", seed, "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"vllm http://localhost:8000/v1", "openai/gpt-oss-120b", "10 requests per model",
		"max_tokens 100, min_tokens 50", "grid intensity of USA",
		"AIEnergyScore/text_generation (not cached yet: downloaded when the run starts)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("seed plan lacks %q:\n%s", want, stdout)
		}
	}
}

// Bad configs give one line on stderr naming file:line and the key, and
// exit with status 1 or 2, never a panic or a run.
func TestBadConfigsGiveOneLineErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown key", "backend:\n  type: sim\n  model: m\n  modle: x\n", `bad.yaml:4: backend.modle: unknown key (did you mean "model"?)`},
		{"wrong type", "backend: {type: sim, model: m}\nscenario:\n  num_samples: ten\n", `bad.yaml:3: scenario.num_samples: expected an integer, got "ten"`},
		{"bad value", "backend: {type: sim, model: m}\nload:\n  concurrency: 0\n", "bad.yaml:3: load.concurrency: must be at least 1, got 0"},
		{"bad enum", "backend:\n  model: m\n  type: vlm\n", `bad.yaml:3: backend.type: unknown backend type "vlm"`},
		{"bad duration", "backend: {type: sim, model: m}\nphases:\n  idle_before: 5 sec\n", `bad.yaml:3: phases.idle_before: invalid duration "5 sec"`},
		{"syntax", "backend:\n  type: [sim\n", "bad.yaml:"},
		{"cross-field", "backend:\n  type: vllm\n  model: m\n", "bad.yaml:1: backend.endpoint: required for backend type vllm"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, "bad.yaml")
			os.WriteFile(path, []byte(c.yaml), 0o644)
			stdout, stderr, code := runCLI(t, "run", path, "--dry-run")
			if code == 0 {
				t.Fatalf("exit 0; stdout %s", stdout)
			}
			msg := strings.TrimSpace(stderr)
			if strings.Count(msg, "\n") != 0 {
				t.Errorf("error is not one line:\n%s", msg)
			}
			if !strings.Contains(msg, c.want) {
				t.Errorf("stderr = %q, want it to contain %q", msg, c.want)
			}
		})
	}
}

// Ctrl-C (context cancellation) stops the run cleanly: the run directory is
// complete, its summary says interrupted, the exit status is 130.
func TestInterruptedRunIsFinalized(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "int")
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Cancel once some measured requests are on disk.
		for ctx.Err() == nil {
			if data, err := os.ReadFile(filepath.Join(dir, "requests.csv")); err == nil && bytes.Count(data, []byte(",measured,")) >= 8 {
				cancel()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	var stdout, stderr bytes.Buffer
	code := Execute(ctx, []string{"run", "--output", dir, "phases.idle_before=0.5s", "load.requests=100000"}, &stdout, &stderr)
	cancel()
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitInterrupted, stdout.String(), stderr.String())
	}
	s := readSummary(t, dir)
	if !s.Interrupted {
		t.Error("summary.json does not say interrupted")
	}
	if s.Completed == 0 || s.JoulesPerOutputToken == nil {
		t.Errorf("interrupted run kept %d completed requests and J/token %v; want the figures measured so far", s.Completed, s.JoulesPerOutputToken)
	}
	if !strings.Contains(stdout.String(), "INTERRUPTED") {
		t.Errorf("the summary table does not say the run was interrupted:\n%s", stdout.String())
	}
}

// load.profile expands into one stage per preset, each with its own
// concurrency and request count.
func TestLoadProfileDryRun(t *testing.T) {
	stdout, stderr, code := runCLI(t, "run", "--dry-run", "load.profile=all")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var stages []string
	for _, line := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(line, "  - stage=") {
			stages = append(stages, strings.TrimPrefix(line, "  - "))
		}
	}
	want := []string{"stage=light c=2: concurrency 2", "stage=moderate c=4: concurrency 4", "stage=heavy c=8: concurrency 8", "stage=stress c=24: concurrency 24"}
	ok := strings.Contains(stdout, "variants:    4 per model, in run order:") && len(stages) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = strings.HasPrefix(stages[i], want[i]+",")
	}
	if !ok {
		t.Errorf("dry run does not list the four stages:\n%s", stdout)
	}
	if _, stderr, code := runCLI(t, "run", "--dry-run", "load.profile=medium"); code == 0 || !strings.Contains(stderr, `did you mean "moderate"`) && !strings.Contains(stderr, "load.profile") {
		t.Errorf("unknown profile: exit %d, %q", code, stderr)
	}
}
