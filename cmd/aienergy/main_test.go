package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aienergy/aienergy/internal/testenv"
)

// These tests run aienergy as the user does — the binary built from this
// package, a process of its own — and signal it or kill it outright.

var aienergy string // the binary under test, built by TestMain

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "aienergy-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	aienergy = filepath.Join(dir, "aienergy")
	code := 1
	if err := build(aienergy); err != nil {
		fmt.Fprintln(os.Stderr, "building aienergy:", err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func build(out string) error {
	// go test puts its own go first on the PATH of the tests.
	cmd := exec.Command("go", "build", "-o", out, ".")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%v\n%s", err, stderr.String())
	}
	return nil
}

// process is a running aienergy.
type process struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	exited         chan struct{}
}

// start runs aienergy with args; it is killed when the test ends.
func start(t *testing.T, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(aienergy, args...), exited: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("aienergy %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), p.stdout.String(), p.stderr.String())
		}
	})
	return p
}

// waitFor waits, generously, for cond; it fails at once if aienergy exits.
func (p *process) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		select {
		case <-p.exited:
			t.Fatalf("aienergy exited (%v) before %s", p.cmd.ProcessState, what)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 2 minutes", what)
		}
	}
}

// exitCode waits for aienergy to exit and returns its status.
func (p *process) exitCode(t *testing.T) int {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(2 * time.Minute):
		t.Fatal("aienergy did not exit within 2 minutes")
	}
	return p.cmd.ProcessState.ExitCode()
}

func read(dir, name string) string {
	b, _ := os.ReadFile(filepath.Join(dir, name))
	return string(b)
}

// inPhase reports whether phases.csv shows the run in phase (its row
// without an end).
func inPhase(dir, phase string) bool {
	return regexp.MustCompile(`(?m)^[^,]+,` + phase + `,[0-9.]+,,`).MatchString(read(dir, "phases.csv"))
}

func measuredRequests(dir string) int {
	return strings.Count(read(dir, "requests.csv"), ",measured,")
}

// short are overrides that make the embedded default quick, and its
// measured phase last until the test stops it.
var short = []string{"phases.idle_before=1s", "phases.idle_after=1s", "load.requests=1000000"}

// SIGHUP (the terminal closed), SIGTERM and Ctrl-C all stop a run
// cleanly: the run directory is finalised and marked interrupted, and
// aienergy exits with 128 + the signal's number, as a shell reports a
// process that signal ended.
func TestStopSignalsFinaliseTheRun(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			p := start(t, append([]string{"run", "--output", dir}, short...)...)
			p.waitFor(t, "measured requests", func() bool { return measuredRequests(dir) >= 5 })
			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if code := p.exitCode(t); code != 128+int(sig) {
				t.Errorf("exit status %d, want %d", code, 128+int(sig))
			}
			var sum struct {
				Interrupted          bool     `json:"interrupted"`
				JoulesPerOutputToken *float64 `json:"joules_per_output_token"`
			}
			if err := json.Unmarshal([]byte(read(dir, "summary.json")), &sum); err != nil {
				t.Fatalf("summary.json: %v", err)
			}
			if !sum.Interrupted || sum.JoulesPerOutputToken == nil {
				t.Errorf("summary.json: interrupted %v, J/output token %v; want the figures measured so far, marked interrupted", sum.Interrupted, sum.JoulesPerOutputToken)
			}
			if inPhase(dir, "measured") || !strings.Contains(read(dir, "run.json"), `"ended_at"`) {
				t.Errorf("the run was not finalised:\nphases.csv:\n%s", read(dir, "phases.csv"))
			}
		})
	}
}

// kill -9 at a moment of a run loses at most a second of readings, and
// `aienergy report` recovers figures from what the run left, marked
// interrupted in run.json, summary.json, the terminal and report.html.
func TestKilledRunCanBeReported(t *testing.T) {
	moments := []struct {
		name string
		args []string
		at   func(dir string) bool
	}{
		{"early in the measured phase", short, covered},
		{"later in the measured phase", short, func(dir string) bool { return measuredRequests(dir) >= 60 }},
		{"in idle_after", []string{"phases.idle_before=1s", "load.requests=30", "phases.idle_after=1h"}, func(dir string) bool { return inPhase(dir, "idle_after") }},
	}
	for _, m := range moments {
		t.Run(m.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			p := start(t, append([]string{"run", "--output", dir}, m.args...)...)
			p.waitFor(t, m.name, func() bool { return m.at(dir) })
			time.Sleep(rand.N(500 * time.Millisecond)) // any moment, not just after a write
			killed := time.Now()
			if err := p.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			p.exitCode(t)

			// README: raw files are flushed at least every 0.5 s; with
			// 0.1 s sampling the newest reading on disk is under a second old.
			lost := killed.Sub(lastReading(t, dir))
			t.Logf("the newest reading on disk was taken %v before the kill", lost.Round(time.Millisecond))
			if lost > time.Second {
				t.Errorf("the newest reading on disk was taken %v before the kill; want under 1 s", lost.Round(time.Millisecond))
			}

			rep := exec.Command(aienergy, "report", dir)
			out, err := rep.CombinedOutput()
			if err != nil {
				t.Fatalf("aienergy report: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), "INTERRUPTED") || !strings.Contains(string(out), "cut off") {
				t.Errorf("the report does not say the run was interrupted:\n%s", out)
			}
			var sum struct {
				Interrupted bool     `json:"interrupted"`
				Warnings    []string `json:"warnings"`
				Models      []struct {
					Completed            int      `json:"completed"`
					JoulesPerOutputToken *float64 `json:"joules_per_output_token"`
				} `json:"models"`
			}
			if err := json.Unmarshal([]byte(read(dir, "summary.json")), &sum); err != nil {
				t.Fatal(err)
			}
			if !sum.Interrupted || len(sum.Models) != 1 || sum.Models[0].Completed == 0 || sum.Models[0].JoulesPerOutputToken == nil {
				t.Errorf("summary.json: %+v; want figures over the requests recorded, marked interrupted", sum)
			}
			var meta struct {
				Interrupted bool `json:"interrupted"`
			}
			if err := json.Unmarshal([]byte(read(dir, "run.json")), &meta); err != nil || !meta.Interrupted {
				t.Errorf("run.json does not say interrupted (%v)", err)
			}
			if !strings.Contains(read(dir, "report.html"), "The run was interrupted") {
				t.Error("report.html does not say the run was interrupted")
			}
		})
	}
}

// covered reports whether a measured request on disk ended before the
// newest reading on disk: from then on, whenever the run is killed, the
// recovered figures cover some work. (Requests and readings are flushed
// on timers of their own, so the first requests on disk may still lack
// the readings that cover them.)
func covered(dir string) bool {
	rows := func(name string) [][]string {
		data := read(dir, name)
		r := csv.NewReader(strings.NewReader(data[:strings.LastIndexByte(data, '\n')+1]))
		r.FieldsPerRecord = -1
		all, _ := r.ReadAll()
		return all
	}
	power := rows("power.csv")
	if len(power) < 2 {
		return false
	}
	newest, _ := strconv.ParseFloat(power[len(power)-1][0], 64)
	for _, req := range rows("requests.csv") {
		if len(req) > 5 && req[2] == "measured" {
			if end, err := strconv.ParseFloat(req[5], 64); err == nil && end < newest {
				return true
			}
		}
	}
	return false
}

// lastReading is the wall-clock time of the last complete power.csv row.
func lastReading(t *testing.T, dir string) time.Time {
	t.Helper()
	data := read(dir, "power.csv")
	lines := strings.Split(data[:strings.LastIndexByte(data, '\n')+1], "\n")
	if len(lines) < 3 {
		t.Fatalf("power.csv has no readings:\n%s", data)
	}
	last := strings.Split(lines[len(lines)-2], ",")
	unix, err := strconv.ParseFloat(last[1], 64)
	if err != nil {
		t.Fatalf("power.csv's last row %q: %v", lines[len(lines)-2], err)
	}
	return time.Unix(0, int64(unix*1e9))
}

// A launched server whose real process is a grandchild under "sh -c"
// does not outlive aienergy killed outright: the port is freed.
func TestKilledRunEndsLaunchedServer(t *testing.T) {
	port := testenv.FreePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	server := fmt.Sprintf(`sh -c "'%s' sim --addr %s --ttft 5ms --itl 2ms & wait"`, aienergy, addr)
	cfg := filepath.Join(t.TempDir(), "launch.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`name: launched
backend:
  type: vllm
  model: sim-model
  endpoint: http://%s/v1
  launch: %q
scenario: {num_samples: 6}
load: {requests: 1000000}
phases: {idle_before: 0.3s, warmup_requests: 0, idle_after: 0.3s}
meters:
  - {name: gpu, type: exporter, url: http://%s/metrics, preset: dcgm}
`, addr, server, addr)), 0o644)
	dir := filepath.Join(t.TempDir(), "run")
	p := start(t, "run", cfg, "--output", dir)
	p.waitFor(t, "measured requests", func() bool { return measuredRequests(dir) >= 5 })
	t.Cleanup(func() { killServing(addr) })
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	p.exitCode(t)
	deadline := time.Now().Add(time.Minute)
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("the launched server still answers on %s a minute after aienergy was killed", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// killServing kills what a failed test left serving on addr: any process
// whose command line names it.
func killServing(addr string) {
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range cmdlines {
		b, err := os.ReadFile(f)
		if err != nil || !bytes.Contains(b, []byte(addr)) {
			continue
		}
		if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(f))); err == nil && pid != os.Getpid() {
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
				fmt.Fprintln(os.Stderr, err)
			}
		}
	}
}
