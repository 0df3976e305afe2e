package launch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/internal/testenv"
)

func healthURL(port int) string { return fmt.Sprintf("http://127.0.0.1:%d/health", port) }

// startServer starts the stand-in and registers a Stop and a leftover
// check, so no test leaves a process behind even when it fails.
func startServer(t *testing.T, ctx context.Context, o Options) (*Server, error) {
	t.Helper()
	o.Env = append(o.Env, helperEnv)
	s, err := Start(ctx, o)
	if s != nil {
		t.Cleanup(func() {
			if err := s.Stop(); err != nil {
				t.Error(err)
			}
			requireNoneLeft(t, s.Pid())
		})
	}
	return s, err
}

func TestStartBecomesReady(t *testing.T) {
	const delay = 300 * time.Millisecond
	port := testenv.FreePort(t)
	var log bytes.Buffer
	dir := t.TempDir()
	s, err := startServer(t, context.Background(), Options{
		Argv:      helperArgv(t, "serve", port, delay.Milliseconds()),
		Env:       []string{"LAUNCH_TEST_VALUE=from-options"},
		Dir:       dir,
		HealthURL: healthURL(port),
		Log:       &log,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The stand-in listens only after its delay, so readiness cannot be
	// seen earlier: the start-up window is at least that long.
	if got := s.Ready().Sub(s.Started()); got < delay {
		t.Errorf("Ready − Started = %v, want ≥ %v (the server's loading delay)", got, delay)
	}
	resp, err := http.Get(healthURL(port))
	if err != nil {
		t.Fatalf("server not answering after Start returned: %v", err)
	}
	resp.Body.Close()
	select {
	case <-s.Exited():
		t.Fatal("Exited closed while the server runs")
	default:
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Exited():
	default:
		t.Fatal("Exited still open after Stop returned")
	}
	if err := s.Err(); err != nil {
		t.Errorf("Err after Stop = %v, want nil: stopping is not dying", err)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	requireNoneLeft(t, s.Pid())
	out := log.String()
	wantDir, _ := filepath.EvalSymlinks(dir)
	for _, want := range []string{
		"loading model\n",
		"env LAUNCH_TEST_VALUE=from-options\n",
		"cwd " + wantDir + "\n",
		"aienergy: stopping the server: SIGTERM to process group " + strconv.Itoa(s.Pid()),
		"shutting down\n", // the server saw SIGTERM and its last words reached the log
	} {
		if !strings.Contains(out, want) {
			t.Errorf("server log lacks %q; log:\n%s", want, out)
		}
	}
	if strings.Contains(out, "SIGKILL") {
		t.Errorf("a server that exits on SIGTERM was sent SIGKILL; log:\n%s", out)
	}
}

func TestStartFallsBackToModels(t *testing.T) {
	port := testenv.FreePort(t)
	s, err := startServer(t, context.Background(), Options{
		Argv: helperArgv(t, "nohealth", port), HealthURL: healthURL(port),
	})
	if err != nil {
		t.Fatalf("a server with /v1/models but no /health should count as ready: %v", err)
	}
	if s.Ready().Before(s.Started()) {
		t.Errorf("Ready %v before Started %v", s.Ready(), s.Started())
	}
}

func TestStartFails(t *testing.T) {
	tests := []struct {
		name    string
		mode    []any // helper mode and arguments; PORT is filled in
		timeout time.Duration
		want    []string
		notWant []string
	}{{
		name:    "exits early",
		mode:    []any{"exit", 3},
		timeout: time.Minute, // must not be waited out
		want:    []string{"exited before it was ready", "exit status 3", "line 6\n", "line 29\n", "line 30"},
		notWant: []string{"line 5\n"}, // only the last 25 lines
	}, {
		name:    "never listens",
		mode:    []any{"hang"},
		timeout: time.Second,
		want:    []string{"was not ready within 1s", "connection refused", "raise the start timeout", "loading model"},
	}, {
		name:    "stays unhealthy",
		mode:    []any{"loading", "PORT"},
		timeout: time.Second,
		want:    []string{"was not ready within 1s", "503 Service Unavailable", "ready\n"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := testenv.FreePort(t)
			mode := tt.mode[0].(string)
			var args []any
			for _, a := range tt.mode[1:] {
				if a == "PORT" {
					a = port
				}
				args = append(args, a)
			}
			var log bytes.Buffer
			begin := time.Now()
			s, err := startServer(t, context.Background(), Options{
				Argv: helperArgv(t, mode, args...), HealthURL: healthURL(port),
				StartTimeout: tt.timeout, StopTimeout: 5 * time.Second, Log: &log,
			})
			if s != nil || err == nil {
				t.Fatalf("Start = %v, %v; want an error", s, err)
			}
			if took := time.Since(begin); took > 30*time.Second {
				t.Errorf("Start took %v to fail", took)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error()+"\n", w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(err.Error()+"\n", w) {
					t.Errorf("error has %q:\n%v", w, err)
				}
			}
			if !strings.Contains(log.String(), "loading model\n") {
				t.Errorf("the server's output did not reach Log:\n%s", log.String())
			}
			pgid := pidFromLog(t, log.String())
			if pgid != 0 {
				requireNoneLeft(t, pgid)
			}
		})
	}
}

// pidFromLog finds the group id in Stop's note; 0 when the server had
// exited by itself before Stop (then there was no group left to signal).
func pidFromLog(t *testing.T, log string) int {
	t.Helper()
	const marker = "SIGTERM to process group "
	i := strings.Index(log, marker)
	if i < 0 {
		return 0
	}
	var pid int
	fmt.Sscanf(log[i+len(marker):], "%d", &pid)
	return pid
}

func TestStopKillsWholeGroup(t *testing.T) {
	port := testenv.FreePort(t)
	pidFile := filepath.Join(t.TempDir(), "grandchild.pid")
	var log bytes.Buffer
	s, err := startServer(t, context.Background(), Options{
		Argv: helperArgv(t, "family", port, pidFile), HealthURL: healthURL(port),
		StopTimeout: time.Second, Log: &log,
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	grandchild, _ := strconv.Atoi(string(b))
	if !processLive(grandchild) {
		t.Fatalf("grandchild %d not running before Stop", grandchild)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	// The leader exits on SIGTERM, its worker ignores it: Stop must
	// notice the worker and SIGKILL the group.
	requireNoneLeft(t, s.Pid(), grandchild)
	for _, want := range []string{"shutting down\n", "worker started\n", "did not all exit within 1s of SIGTERM; sending SIGKILL"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
}

func TestStopKillsStubbornServer(t *testing.T) {
	port := testenv.FreePort(t)
	s, err := startServer(t, context.Background(), Options{
		Argv: helperArgv(t, "stubborn", port), HealthURL: healthURL(port), StopTimeout: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if got := s.exitStatus(); got != "signal: killed" {
		t.Errorf("exit status %q, want signal: killed", got)
	}
	requireNoneLeft(t, s.Pid())
}

func TestContextCancelStopsServer(t *testing.T) {
	port := testenv.FreePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var log bytes.Buffer
	s, err := startServer(t, ctx, Options{
		Argv: helperArgv(t, "serve", port, 0), HealthURL: healthURL(port), Log: &log,
	})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-s.Exited():
	case <-time.After(30 * time.Second):
		t.Fatal("server still running 30 s after its context was cancelled")
	}
	if err := s.Stop(); err != nil { // waits for the stop ctx began
		t.Fatal(err)
	}
	requireNoneLeft(t, s.Pid())
	if !strings.Contains(log.String(), "aienergy: stopping the server: context canceled") {
		t.Errorf("log does not say why the server was stopped:\n%s", log.String())
	}
}

func TestContextCancelDuringStartup(t *testing.T) {
	port := testenv.FreePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	var log bytes.Buffer
	s, err := startServer(t, ctx, Options{Argv: helperArgv(t, "hang"), HealthURL: healthURL(port), Log: &log})
	if s != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("Start = %v, %v; want a context.Canceled error", s, err)
	}
	pgid := pidFromLog(t, log.String())
	if pgid == 0 {
		t.Fatalf("no stop recorded in the log:\n%s", log.String())
	}
	requireNoneLeft(t, pgid)
}

func TestServerDiesDuringRun(t *testing.T) {
	port := testenv.FreePort(t)
	s, err := startServer(t, context.Background(), Options{
		Argv: helperArgv(t, "die", port, 500), HealthURL: healthURL(port),
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Err() != nil {
		t.Fatalf("Err while running = %v", s.Err())
	}
	select {
	case <-s.Exited():
	case <-time.After(30 * time.Second):
		t.Fatal("Exited not closed after the server died")
	}
	err = s.Err()
	for _, want := range []string{"exited during the run", "exit status 1", "CUDA out of memory"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Err = %v; want it to mention %q", err, want)
		}
	}
	if err := s.Stop(); err != nil {
		t.Errorf("Stop after death: %v", err)
	}
	if s.Err() == nil {
		t.Error("Stop after an unexpected death erased the reason")
	}
}

func TestStartRefusesBusyPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	_, err = startServer(t, context.Background(), Options{Argv: helperArgv(t, "serve", port, 0), HealthURL: healthURL(port)})
	if err == nil || !strings.Contains(err.Error(), "already accepts connections") {
		t.Fatalf("err = %v; want a refusal to launch onto a busy port", err)
	}
}

func TestStartCannotExec(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"aienergy-no-such-server-xyz", "serve"}, "on PATH"},
		{[]string{filepath.Join(t.TempDir(), "missing")}, "no such file"},
	}
	for _, tt := range tests {
		_, err := Start(context.Background(), Options{Argv: tt.argv, HealthURL: healthURL(testenv.FreePort(t))})
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "cannot start") {
			t.Errorf("Start(%q) err = %v; want %q", tt.argv, err, tt.want)
		}
	}
}
