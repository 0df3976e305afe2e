package openai

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/load"
)

// The client's cost per request, side by side with hey and vegeta on the
// same loopback SSE endpoint (docs/benchmarks.md):
//
//	go test ./backend/openai -run '^$' -bench ClientSSE -benchtime 10000x -count 5
//
// The server runs in a process of its own (this test binary started
// again, see TestSSEServerProcess), so the CPU each figure counts is the
// client's alone: getrusage for aienergy's client, which runs in this
// process, and the child's rusage for hey and vegeta, which are found on
// PATH (go install github.com/rakyll/hey@latest and
// github.com/tsenart/vegeta/v12@latest) or skipped.
var (
	benchConcurrency = flag.Int("sse.concurrency", 32, "requests in flight in the closed-loop BenchmarkClientSSE runs")
	benchRate        = flag.Float64("sse.rate", 1000, "req/s of the open-loop BenchmarkClientSSE runs")
	benchChunks      = flag.Int("sse.chunks", 16, "token chunks per streamed answer of BenchmarkClientSSE's server")
)

// sseServerEnv makes TestSSEServerProcess serve instead of skipping.
const sseServerEnv = "AIENERGY_SSE_SERVER_CHUNKS"

// TestSSEServerProcess is not a test: BenchmarkClientSSE runs this test
// binary again with only it selected and sseServerEnv set, and it then
// serves a fixed vLLM-style stream on loopback, one flushed write per
// event as a model server sends tokens, printing its address and serving
// until its standard input closes.
func TestSSEServerProcess(t *testing.T) {
	chunks, err := strconv.Atoi(os.Getenv(sseServerEnv))
	if err != nil {
		t.Skip("the server process of BenchmarkClientSSE")
	}
	events := sseEvents(benchmarkStream(chunks))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "text/event-stream")
			for _, ev := range events {
				if _, err := w.Write(ev); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
		}))
	}()
	fmt.Println(ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

// startSSEServer starts the server process and returns its chat
// completions URL; it stops with the benchmark.
func startSSEServer(b *testing.B) string {
	cmd := exec.Command(os.Args[0], "-test.run", "^TestSSEServerProcess$")
	cmd.Env = append(os.Environ(), sseServerEnv+"="+strconv.Itoa(*benchChunks))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("server process: %v", err)
	}
	return "http://" + addr[:len(addr)-1] + "/v1/chat/completions"
}

// cpuTime is the CPU this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportPerRequest reports the figures every BenchmarkClientSSE run is
// compared by.
func reportPerRequest(b *testing.B, requests int, cpu, wall time.Duration) {
	b.ReportMetric(float64(cpu.Microseconds())/float64(requests), "cpu_µs/req")
	b.ReportMetric(float64(requests)/wall.Seconds(), "req/s")
}

var benchRequest = backend.Request{Model: "sim-model", Prompt: "Explain in one sentence why the sky is blue.", MaxTokens: 16}

func BenchmarkClientSSE(b *testing.B) {
	url := startSSEServer(b)
	c, err := New(Options{BaseURL: url[:len(url)-len("/chat/completions")], Stream: true, MaxConns: 2 * *benchConcurrency})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	body, err := c.requestBody(benchRequest)
	if err != nil {
		b.Fatal(err)
	}
	bodyFile := filepath.Join(b.TempDir(), "body.json")
	if err := os.WriteFile(bodyFile, body, 0o600); err != nil {
		b.Fatal(err)
	}
	// Warm the connection pool, so that no run pays for dialling.
	runClosed(b, c, 2**benchConcurrency)

	b.Run(fmt.Sprintf("closed=%d/aienergy", *benchConcurrency), func(b *testing.B) {
		b.ReportAllocs()
		cpu0, start := cpuTime(), time.Now()
		runClosed(b, c, b.N)
		reportPerRequest(b, b.N, cpuTime()-cpu0, time.Since(start))
	})
	b.Run(fmt.Sprintf("closed=%d/hey", *benchConcurrency), func(b *testing.B) {
		hey := lookTool(b, "hey")
		// hey gives each worker n/c requests and wants at least one each.
		n := max(b.N / *benchConcurrency, 1) * *benchConcurrency
		out, cpu, wall := runTool(b, hey, "-n", strconv.Itoa(n), "-c", strconv.Itoa(*benchConcurrency),
			"-m", "POST", "-T", "application/json", "-A", "text/event-stream", "-D", bodyFile, url)
		if m := regexp.MustCompile(`\[200\]\s+(\d+) responses`).FindSubmatch(out); m == nil || string(m[1]) != strconv.Itoa(n) {
			b.Fatalf("hey did not get %d answers 200:\n%s", n, out)
		}
		reportPerRequest(b, n, cpu, wall)
	})

	rate := fmt.Sprintf("rate=%g", *benchRate)
	b.Run(rate+"/aienergy", func(b *testing.B) {
		b.ReportAllocs()
		cpu0, start := cpuTime(), time.Now()
		var failed atomic.Int64
		_, err := load.Rate{RPS: *benchRate, Arrival: load.ArrivalConstant, Requests: b.N}.Run(context.Background(),
			func(ctx context.Context, _ int, _ time.Time) {
				if rec := c.Do(ctx, benchRequest); !rec.OK() {
					failed.Add(1)
				}
			})
		if err != nil || failed.Load() > 0 {
			b.Fatalf("%v; %d requests failed", err, failed.Load())
		}
		reportPerRequest(b, b.N, cpuTime()-cpu0, time.Since(start))
	})
	b.Run(rate+"/vegeta", func(b *testing.B) {
		vegeta := lookTool(b, "vegeta")
		dir := b.TempDir()
		targets := fmt.Sprintf("POST %s\nContent-Type: application/json\nAccept: text/event-stream\n@%s\n", url, bodyFile)
		if err := os.WriteFile(filepath.Join(dir, "targets"), []byte(targets), 0o600); err != nil {
			b.Fatal(err)
		}
		// vegeta sends rate × duration requests; the duration is rounded
		// to its clock, so the count is read back from its results.
		duration := time.Duration(float64(max(b.N, 10)) / *benchRate * float64(time.Second))
		results := filepath.Join(dir, "results.bin")
		_, cpu, wall := runTool(b, vegeta, "attack", "-rate", fmt.Sprintf("%g/s", *benchRate), "-duration", duration.String(),
			"-targets", filepath.Join(dir, "targets"), "-output", results)
		report, _, _ := runTool(b, vegeta, "report", "-type", "json", results)
		var r struct {
			Requests int            `json:"requests"`
			Status   map[string]int `json:"status_codes"`
		}
		if err := json.Unmarshal(report, &r); err != nil || r.Requests == 0 || r.Status["200"] != r.Requests {
			b.Fatalf("vegeta's results (%v): %s", err, report)
		}
		reportPerRequest(b, r.Requests, cpu, wall)
	})
}

// runClosed sends n requests from benchConcurrency workers and fails b
// on any failed one or a wrong token count: the benchmark measures a
// client that still reads every chunk.
func runClosed(b *testing.B, c *Client, n int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range *benchConcurrency {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				rec := c.Do(context.Background(), benchRequest)
				if !rec.OK() || rec.ChunkCount != *benchChunks || rec.OutputTokens != *benchChunks || rec.FinishReason != "length" {
					b.Errorf("record %+v", rec)
					return
				}
			}
		})
	}
	wg.Wait()
}

// lookTool finds a comparison tool on PATH or skips the benchmark.
func lookTool(b *testing.B, name string) string {
	path, err := exec.LookPath(name)
	if err != nil {
		b.Skipf("%s is not on PATH (go install it, see docs/benchmarks.md)", name)
	}
	return path
}

// runTool runs a comparison tool and returns its output and the CPU it
// used, from its rusage.
func runTool(b *testing.B, path string, args ...string) (out []byte, cpu, wall time.Duration) {
	cmd := exec.Command(path, args...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall = time.Since(start)
	if err != nil {
		b.Fatalf("%s: %v\n%s", filepath.Base(path), err, out)
	}
	return out, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), wall
}
