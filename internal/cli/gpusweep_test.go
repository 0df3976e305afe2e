package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/config"
	"github.com/aienergy/aienergy/gpuctl"
	"github.com/aienergy/aienergy/runner"
	"github.com/aienergy/aienergy/sim"
)

func TestGPUPoints(t *testing.T) {
	c1, c8 := runner.Variant{Concurrency: 1}, runner.Variant{Concurrency: 8}
	tests := []struct {
		name   string
		sweep  config.Sweep
		points []runner.Variant
		want   []runner.Variant
	}{
		{"no GPU sweep", config.Sweep{}, []runner.Variant{c1, c8}, []runner.Variant{c1, c8}},
		{"limits outermost", config.Sweep{PowerLimitsW: []float64{300, 250}}, []runner.Variant{c1, c8}, []runner.Variant{
			{PowerLimitW: 300, Concurrency: 1}, {PowerLimitW: 300, Concurrency: 8},
			{PowerLimitW: 250, Concurrency: 1}, {PowerLimitW: 250, Concurrency: 8},
		}},
		{"limits × clocks of the plain load", config.Sweep{PowerLimitsW: []float64{300, 250}, GPUClocksMHz: []int{1980, 1410}}, []runner.Variant{{}}, []runner.Variant{
			{PowerLimitW: 300, ClockMHz: 1980}, {PowerLimitW: 300, ClockMHz: 1410},
			{PowerLimitW: 250, ClockMHz: 1980}, {PowerLimitW: 250, ClockMHz: 1410},
		}},
		{"clocks alone", config.Sweep{GPUClocksMHz: []int{1410}}, []runner.Variant{c8}, []runner.Variant{{ClockMHz: 1410, Concurrency: 8}}},
	}
	for _, tt := range tests {
		cfg := &config.Config{Sweep: tt.sweep}
		if got := gpuPoints(cfg, tt.points); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// parseConfig loads a config written inline, as a file would give it.
func parseConfig(t *testing.T, yaml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("x.yaml", []byte(yaml), nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The GPUs are reached and every point checked before anything runs;
// a value outside a GPU's range is an error at its sweep key.
func TestOpenGPUControl(t *testing.T) {
	s, url := serveSim(t, sim.Config{})
	external := "backend: {type: openai, model: sim-model, endpoint: '" + url + "/v1'}\ngpu_control:\n  type: sim\n  url: '" + url + "'\n"
	embedded := "backend: {type: sim, model: sim-model}\n"
	tests := []struct {
		name, yaml string
		baseURL    string // where startSim pointed the plan
		err        string
	}{
		{"external simulator", external + "sweep: {power_limits_w: [300, 200]}\n", "", ""},
		{"built-in simulator", embedded + "sweep: {gpu_clocks_mhz: [1410]}\n", url + "/v1", ""},
		{"out of range", external + "sweep:\n  power_limits_w: [300, 100]\n  gpu_clocks_mhz: [2500]\n", "", strings.Join([]string{
			"x.yaml:6: sweep.power_limits_w: GPU 0 (NVIDIA H100 80GB HBM3 (simulated)): power limit 100 W is outside its range, 145 to 400 W (default 400 W)",
			"x.yaml:7: sweep.gpu_clocks_mhz: GPU 0 (NVIDIA H100 80GB HBM3 (simulated)): clock 2500 MHz is outside its range, 210 to 1980 MHz",
		}, "\n")},
		{"no such GPU", external + "  devices: [3]\nsweep: {power_limits_w: [300]}\n", "",
			"x.yaml:2: gpu_control: no GPU 3 here; there are 0 GPU-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := parseConfig(t, tt.yaml)
			p := runner.Plan{Variants: gpuPoints(cfg, []runner.Variant{{}}), Backend: backend.Options{BaseURL: tt.baseURL}}
			gpu, closeGPU, err := openGPUControl(cfg, p)
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("err:\n got %v\nwant %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer closeGPU()
			if gpu == nil || len(gpu.Controller.Devices()) != 1 || gpu.Controller.Devices()[0].Info().UUID != s.GPUs().GPUs[0].UUID {
				t.Errorf("controller %+v does not reach the simulator", gpu)
			}
		})
	}
	if gpu, closeGPU, err := openGPUControl(parseConfig(t, embedded), runner.Plan{}); gpu != nil || err != nil {
		t.Errorf("no GPU sweep: %+v, %v", gpu, err)
	} else {
		closeGPU()
	}
	// A dry run has no simulator to ask: it leaves the check to the run.
	if err := checkGPUControl(parseConfig(t, embedded+"sweep: {power_limits_w: [300]}\n"), runner.Plan{}); err != nil {
		t.Errorf("dry run of the built-in simulator: %v", err)
	}
}

// A process without the privilege is told how to get it, or to drop the
// sweep, at the sweep's key.
func TestCheckErrors(t *testing.T) {
	cfg := parseConfig(t, "backend: {type: sim, model: m}\nsweep:\n  power_limits_w: [300]\n  gpu_clocks_mhz: [1410]\n")
	noRoot := fmt.Errorf("GPU 0 (H100): changing its settings needs root: %s (NVML: ERROR_NO_PERMISSION: %w)", gpuctl.FixPermission, gpuctl.ErrPermission)
	clock := &gpuctl.RangeError{GPU: gpuctl.Info{Name: "H100"}, Clock: true, Value: 2500, Max: 1980}
	got := checkErrors(cfg, errors.Join(noRoot, clock)).Error()
	want := "x.yaml:3: sweep.power_limits_w: " + noRoot.Error() + "; or leave out sweep.power_limits_w and sweep.gpu_clocks_mhz\n" +
		"x.yaml:4: sweep.gpu_clocks_mhz: GPU 0 (H100): clock 2500 MHz is above its maximum, 1980 MHz"
	if got != want {
		t.Errorf("errors:\n got %s\nwant %s", got, want)
	}
}

// restore-gpu puts back what a killed run left changed, from the file it
// saved before its first change.
func TestRestoreGPUCommand(t *testing.T) {
	s, url := serveSim(t, sim.Config{GPUs: 2})
	dir := t.TempDir()
	c, err := gpuctl.Sim(url, []string{"1"})
	if err != nil {
		t.Fatal(err)
	}
	points := []gpuctl.Setting{{PowerLimitW: 200, ClockMHz: 1200}}
	session, err := gpuctl.Begin(c, filepath.Join(dir, gpuctl.SavedFile), points)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := session.Apply(points[0]); err != nil {
		t.Fatal(err)
	}
	// The run is killed here. Later:
	out, err := restoreGPUCmd(dir)
	if err != nil {
		t.Fatal(err)
	}
	uuid := s.GPUs().GPUs[1].UUID
	if want := "GPU 1 (NVIDIA H100 80GB HBM3 (simulated)) " + uuid + ": power limit 400 W, clocks unlocked\n"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
	if g := s.GPUs().GPUs[1]; g.PowerLimitW != 400 || g.LockedClockMHz != 0 {
		t.Errorf("GPU 1 after restore-gpu: %+v", g)
	}
	if out, err := restoreGPUCmd(dir); err != nil || !strings.HasPrefix(out, "note: the run restored these settings itself at") {
		t.Errorf("again: %q, %v", out, err)
	}

	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, gpuctl.SavedFile), []byte(`{"controller": {"type": "dcgm"}}`), 0o666)
	gone := t.TempDir()
	os.WriteFile(filepath.Join(gone, gpuctl.SavedFile), []byte(`{"controller": {"type": "sim", "url": "http://127.0.0.1:1"}}`), 0o666)
	for _, tt := range []struct{ dir, err string }{
		{filepath.Join(dir, "nope"), "no such run directory"},
		{t.TempDir(), "has no gpu_settings.json: its run changed no GPU setting"},
		{bad, `saved GPU settings name an unknown controller "dcgm"`},
		{gone, "(a run of the built-in simulator leaves nothing to restore)"},
	} {
		if _, err := restoreGPUCmd(tt.dir); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: %v, want %q", tt.dir, err, tt.err)
		}
	}
}

func restoreGPUCmd(dir string) (string, error) {
	var out bytes.Buffer
	cmd := newRestoreGPUCmd()
	cmd.SetArgs([]string{dir})
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	return out.String(), err
}

// The plan crosses its load points with the GPU settings: variants
// calls gpuPoints. (The end-to-end tests below rest on it.)
func TestPlanSweepsGPUSettings(t *testing.T) {
	cfg := parseConfig(t, "backend: {type: sim, model: m}\nsweep: {power_limits_w: [300]}\n")
	if v := variants(cfg, nil); len(v) != 1 || v[0].PowerLimitW != 300 {
		t.Errorf("variants = %+v; want one point at a 300 W cap", v)
	}
}

// The Done-when of issue 12: a power-cap sweep of the built-in simulator,
// measured by aienergy through the simulator's dcgm-exporter metrics,
// draws the load line of the simulator's model. At 8 sequences (260 W at
// full speed) a 160 W cap runs the GPU at √((160 − 60) / 200) = 0.707 of
// its speed: ITL × 1.414, J/output token × (160 / 260) / 0.707 = 0.870.
// The measured phase includes the ramp between waves of requests, so
// J/token is held to 6 %, ITL (a mean over every gap) to 3 %.
func TestGPUCapSweepLoadLine(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "capsweep")
	stdout, stderr, code := runCLI(t, "run", "--output", dir, "sweep.power_limits_w=[400,160]",
		"backend.sim.max_num_seqs=8", "backend.sim.ttft=20ms", "backend.sim.itl=10ms",
		"load.concurrency=8", "load.requests=16", "scenario.generate_kwargs.max_new_tokens=50",
		"scenario.generate_kwargs.ignore_eos=true", "phases.warmup_requests=0",
		"phases.idle_before=0.3s", "phases.idle_after=0.3s", "sampling.interval=50ms")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	sum := readSummary(t, dir)
	if len(sum.Models) != 2 || sum.Models[0].Model != "sim-model [cap=400W]" || sum.Models[1].Model != "sim-model [cap=160W]" {
		t.Fatalf("models %+v", sum.Models)
	}
	full, capped := sum.Models[0], sum.Models[1]
	if full.JoulesPerOutputToken == nil || capped.JoulesPerOutputToken == nil {
		t.Fatal("no J/output token")
	}
	speed := math.Sqrt(0.5)
	checkWithin(t, "J/output token ratio", *capped.JoulesPerOutputToken / *full.JoulesPerOutputToken, (160.0/260)/speed, 0.06)
	checkWithin(t, "ITL ratio", capped.Latency.ITL.Mean/full.Latency.ITL.Mean, 1/speed, 0.03)

	var meta struct {
		GPUSettings []gpuctl.Applied `json:"gpu_settings"`
	}
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(dir, "run.json"))), &meta); err != nil {
		t.Fatal(err)
	}
	want := []gpuctl.Applied{
		{Model: "sim-model [cap=400W]", RequestedPowerLimitW: 400, PowerLimitW: 400, DefaultPowerLimitW: 400},
		{Model: "sim-model [cap=160W]", RequestedPowerLimitW: 160, PowerLimitW: 160, DefaultPowerLimitW: 400},
	}
	if len(meta.GPUSettings) != 2 {
		t.Fatalf("run.json gpu_settings %+v", meta.GPUSettings)
	}
	for i, a := range meta.GPUSettings {
		a.UUID, a.ClockMHz = "", 0
		if a != want[i] {
			t.Errorf("gpu_settings[%d] = %+v, want %+v", i, a, want[i])
		}
	}
	saved, err := gpuctl.ReadSaved(filepath.Join(dir, gpuctl.SavedFile))
	if err != nil || saved.RestoredAt.IsZero() {
		t.Errorf("%s: %+v, %v; want the restore recorded", gpuctl.SavedFile, saved, err)
	}
}

// A cap sweep stopped by SIGTERM puts the original limit back before
// aienergy exits; one killed outright (SIGKILL) cannot, and restore-gpu
// does it from the run directory. aienergy runs as a process of its own
// against a simulator served here, whose GPU outlives it.
func TestSignalledCapSweepRestores(t *testing.T) {
	for _, tt := range []struct {
		sig      syscall.Signal
		exit     int
		restored bool // by aienergy itself
	}{
		{syscall.SIGTERM, 143, true},
		{syscall.SIGKILL, -1, false},
	} {
		t.Run(tt.sig.String(), func(t *testing.T) {
			s, url := serveSim(t, sim.Config{})
			dir := filepath.Join(t.TempDir(), "run")
			cmd := exec.Command(os.Args[0], helperArg, "run", "--output", dir,
				"backend.endpoint="+url+"/v1", "+gpu_control.type=sim", "+gpu_control.url="+url,
				"sweep.power_limits_w=[300,200,160]", "phases.idle_before=30s", "phases.idle_after=0s")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			go func() { cmd.Wait(); close(exited) }()
			t.Cleanup(func() { cmd.Process.Kill(); <-exited })

			// The first point is applied before its 30 s idle phase.
			for deadline := time.Now().Add(time.Minute); s.GPUs().GPUs[0].PowerLimitW != 300; {
				select {
				case <-exited:
					t.Fatalf("aienergy exited before applying the first point:\n%s", stderr.String())
				case <-time.After(20 * time.Millisecond):
				}
				if time.Now().After(deadline) {
					t.Fatalf("the first point was not applied within a minute:\n%s", stderr.String())
				}
			}
			if err := cmd.Process.Signal(tt.sig); err != nil {
				t.Fatal(err)
			}
			<-exited
			if code := cmd.ProcessState.ExitCode(); code != tt.exit {
				t.Errorf("exit %d, want %d\n%s", code, tt.exit, stderr.String())
			}
			if got := s.GPUs().GPUs[0].PowerLimitW; (got == 400) != tt.restored {
				t.Fatalf("limit after %s: %g W", tt.sig, got)
			}
			if !tt.restored {
				if _, err := restoreGPUCmd(dir); err != nil {
					t.Fatal(err)
				}
				if got := s.GPUs().GPUs[0].PowerLimitW; got != 400 {
					t.Errorf("limit after restore-gpu: %g W", got)
				}
			}
		})
	}
}
