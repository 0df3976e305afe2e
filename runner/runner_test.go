package runner

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/internal/logging"
	"github.com/aienergy/aienergy/internal/redact"
	"github.com/aienergy/aienergy/meter"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/sim"
	"github.com/aienergy/aienergy/trace"
)

// smallPlan is a short plan against the built-in simulator, started here
// as the CLI starts it: an OpenAI-compatible server on loopback whose
// modeled energy is the run's truth.
func smallPlan(t *testing.T) Plan {
	s, err := sim.New(sim.Config{Models: []string{"m"}, TTFT: 5 * time.Millisecond, ITL: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return Plan{
		Models:         []string{"m"},
		Prompts:        []string{"hello there", "what is energy"},
		Concurrency:    2,
		Requests:       6,
		MaxTokens:      8,
		IdleBefore:     300 * time.Millisecond,
		WarmupRequests: 1,
		IdleAfter:      300 * time.Millisecond,
		SampleInterval: 50 * time.Millisecond,
		BackendType:    "openai",
		Backend:        backend.Options{BaseURL: url + "/v1", API: "chat", Stream: true, Timeout: 10 * time.Second, MaxConns: 2},
		Truth:          s,
		ConfigYAML:     []byte("name: test\n"),
		Output:         filepath.Join(t.TempDir(), "run"),
	}
}

// simGPU is the meter of the simulator that plan measures.
func simGPU(plan Plan) meter.Spec {
	url := strings.TrimSuffix(plan.Backend.BaseURL, "/v1") + "/metrics"
	return meter.Spec{Name: "sim-gpu", Type: "exporter", Options: map[string]any{"url": url, "preset": "dcgm"}}
}

// A meter that cannot be read is left out with its reason recorded and
// shown; the run completes with the meters that work.
func TestUnreadableMeterIsRecordedAndSkipped(t *testing.T) {
	plan := smallPlan(t)
	plan.Meters = []meter.Spec{
		simGPU(plan),
		{Name: "dead", Type: "exporter", Options: map[string]any{"url": "http://127.0.0.1:1/metrics", "preset": "dcgm"}},
	}
	var out bytes.Buffer
	progress := NewProgress(&out, false)
	plan.Log = logging.New(progress.Writer(), nil, slog.LevelInfo)
	dir, err := Run(context.Background(), plan, progress)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "warning: meter dead (exporter) is not used:") {
		t.Errorf("progress output does not explain the dead meter:\n%s", out.String())
	}
	raw, err := rundir.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw.Meta.Meters) != 2 || raw.Meta.Meters[1].Error == "" || raw.Meta.Meters[0].Error != "" || raw.Meta.Meters[0].Reads == 0 {
		t.Errorf("run.json meters = %+v; want sim-gpu read and dead with an error", raw.Meta.Meters)
	}
	for _, s := range collectSamples(t, raw) {
		if s.Meter == "dead" {
			t.Fatal("samples from the dead meter")
		}
	}
	phases := map[string]bool{}
	for _, p := range raw.Phases {
		phases[p.Name] = true
	}
	for _, want := range []string{trace.PhaseIdleBefore, trace.PhaseWarmup, trace.PhaseMeasured, trace.PhaseIdleAfter} {
		if !phases[want] {
			t.Errorf("phases.csv lacks %s", want)
		}
	}
	var warm, measured int
	for _, r := range collect(t, raw) {
		switch r.Phase {
		case trace.PhaseWarmup:
			warm++
		case trace.PhaseMeasured:
			measured++
		}
	}
	if warm != 1 || measured != 6 {
		t.Errorf("%d warmup and %d measured requests, want 1 and 6", warm, measured)
	}
	if len(raw.Meta.Truth) != 1 || raw.Meta.Truth[0].MeasuredJ <= 0 {
		t.Errorf("simulator truth = %+v", raw.Meta.Truth)
	}
}

// A model the server does not serve stops the run before anything is
// written, with the server's list in the error.
func TestUnservedModelFailsBeforeTheRun(t *testing.T) {
	plan := smallPlan(t)
	plan.Models = []string{"other"}
	dir, err := Run(context.Background(), plan, nil)
	if err == nil || dir != "" || !strings.Contains(err.Error(), `"other"`) {
		t.Fatalf("dir %q, err %v; want an error naming the model and no run directory", dir, err)
	}
}

func TestProgressLine(t *testing.T) {
	p := NewProgress(&bytes.Buffer{}, false)
	p.setModel("llama", 1, 3)
	p.setPhase(trace.PhaseMeasured, 40, 0)
	p.phaseStart = time.Now().Add(-10 * time.Second)
	for range 10 {
		p.requestDone(backend.Record{OutputTokens: 50})
	}
	p.requestDone(backend.Record{ErrorClass: backend.ErrorHTTP})
	line := p.lineLocked(p.phaseStart.Add(10 * time.Second))
	for _, want := range []string{"[2/3] llama measured", "11/40 req (1 failed)", "1.1 req/s", "50 tok/s", "ETA 26s"} {
		if !strings.Contains(line, want) {
			t.Errorf("progress line %q lacks %q", line, want)
		}
	}
}

// A secret that a meter's error happens to quote (here the meter's own
// name, standing in for any configured value) is masked in run.json and
// in the warnings, whatever the meter says.
func TestMeterErrorsAreRedacted(t *testing.T) {
	const secret = "hunter2-s3cr3t"
	plan := smallPlan(t)
	plan.Redact = redact.New(secret)
	plan.Meters = []meter.Spec{
		simGPU(plan),
		{Name: "dead", Type: "exporter", Options: map[string]any{"url": "http://127.0.0.1:1/" + secret, "preset": "dcgm"}},
	}
	var out bytes.Buffer
	progress := NewProgress(&out, false)
	plan.Log = logging.New(progress.Writer(), nil, slog.LevelInfo)
	dir, err := Run(context.Background(), plan, progress)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := rundir.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw.Meta.Meters) != 2 || raw.Meta.Meters[1].Error == "" {
		t.Fatalf("run.json meters = %+v; want the dead meter with its error", raw.Meta.Meters)
	}
	if e := raw.Meta.Meters[1].Error; strings.Contains(e, secret) || !strings.Contains(e, redact.Mask) {
		t.Errorf("run.json meter error %q: want the secret masked", e)
	}
	if strings.Contains(out.String(), secret) {
		t.Errorf("warnings show the secret:\n%s", out.String())
	}
}

func init() {
	// A kind whose options parse but which the device refuses at open, as
	// nvml does for a GPU index past the last GPU.
	meter.Register("test-refuses-option", func(spec meter.Spec) (meter.Opener, error) {
		return func(context.Context) (meter.Meter, error) {
			return nil, spec.Errorf("gpu_index", "no GPU 5 on this machine (0 to 0)")
		}, nil
	})
}

// An option the device refuses is the config's mistake: the run stops
// before anything is written, naming the option, instead of running for
// an hour without that meter.
func TestOptionRefusedAtOpenStopsTheRun(t *testing.T) {
	plan := smallPlan(t)
	plan.Meters = []meter.Spec{simGPU(plan), {Name: "gpu", Type: "test-refuses-option", Options: map[string]any{"gpu_index": 5}}}
	dir, err := Run(context.Background(), plan, nil)
	if err == nil || dir != "" || !strings.Contains(err.Error(), "meters[gpu].gpu_index") {
		t.Fatalf("dir %q, err %v; want the option's error and no run directory", dir, err)
	}
}

// On a terminal the progress line never wraps (a wrapped line scrolls
// instead of redrawing) and output that shares the terminal clears it
// first and keeps its own unfinished line.
func TestProgressFitsAndGivesWay(t *testing.T) {
	if got := fit(strings.Repeat("x", 100), 80); len([]rune(got)) != 79 || !strings.HasSuffix(got, "…") {
		t.Errorf("fit to 80 columns: %d characters %q", len([]rune(got)), got)
	}
	if got := fit("short", 80); got != "short" {
		t.Errorf("fit changed a short line: %q", got)
	}
	var term, child bytes.Buffer
	p := NewProgress(&term, true)
	p.setModel("m", 0, 1)
	p.setPhase(trace.PhaseMeasured, 10, 0)
	p.draw()
	out := p.Around(&child)
	fmt.Fprint(out, "loading")
	if !strings.HasSuffix(term.String(), "\r\033[K") {
		t.Errorf("the progress line was not cleared before the command's output: %q", term.String())
	}
	p.draw()
	if !strings.Contains(term.String(), "\r\033[K\n\r\033[K") {
		t.Errorf("the next line was drawn over the command's unfinished line: %q", term.String())
	}
}

// run.json records the client's own CPU over each measured phase, and
// says when the in-process simulator's CPU is in it.
func TestClientCPURecorded(t *testing.T) {
	plan := smallPlan(t)
	dir, err := Run(context.Background(), plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := rundir.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := raw.Meta.ClientCPU
	if len(c) != 1 || c[0].Model != "m" || c[0].Requests != plan.Requests || !c[0].IncludesServer || c[0].UserS+c[0].SystemS <= 0 {
		t.Errorf("client_cpu = %+v; want one measured phase of %d requests, CPU > 0, marked as including the server", c, plan.Requests)
	}
}

// collectSamples is a pass over raw's samples, kept.
func collectSamples(t *testing.T, raw *rundir.Raw) []trace.Sample {
	t.Helper()
	samples, err := trace.CollectSamples(raw.Samples)
	if err != nil {
		t.Fatal(err)
	}
	return samples
}
