package openai

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
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
//
// The open-loop runs (rate=1000 and rate=5000 unless -sse.rate says
// otherwise) also report how each tool kept to its schedule: achieved
// rate and send lag against an external server, side by side:
//
//	go test ./backend/openai -run '^$' -bench 'ClientSSE/rate' -benchtime 10000x -count 1
//
// -count repeats each sub-benchmark in a row; run the command in a loop
// instead to interleave the tools, so that both see the same machine.
var (
	benchConcurrency = flag.Int("sse.concurrency", 32, "requests in flight in the closed-loop BenchmarkClientSSE runs")
	benchRates       = flag.String("sse.rate", "1000,5000", "req/s of the open-loop BenchmarkClientSSE runs, comma-separated")
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
// completions URL and its process id; it stops with the benchmark.
func startSSEServer(b *testing.B) (url string, pid int) {
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
	return "http://" + addr[:len(addr)-1] + "/v1/chat/completions", cmd.Process.Pid
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
	url, server := startSSEServer(b)
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

	rates, err := parseRates(*benchRates)
	if err != nil {
		b.Fatal(err)
	}
	for _, rps := range rates {
		rate := fmt.Sprintf("rate=%g", rps)
		b.Run(rate+"/aienergy", func(b *testing.B) { benchRateAienergy(b, c, server, rps) })
		b.Run(rate+"/vegeta", func(b *testing.B) { benchRateVegeta(b, url, bodyFile, server, rps) })
	}
}

// benchRateAienergy sends b.N requests with load.Rate (constant
// arrivals) calling Client.Do, as aienergy run does in rate mode. Send lag
// is the pacer's own record: Started (when Do was called) − Scheduled
// (run start + i/rps), with no concurrency cap and so no queue time;
// KeepSends costs an append per request, which aienergy run does not.
// release_p99_ms is the part of it up to the pacer's hand-over
// (Released − Scheduled); the rest is the wait for a goroutine to run.
func benchRateAienergy(b *testing.B, c *Client, server int, rps float64) {
	b.ReportAllocs()
	host := markHost(server)
	cpu0, start := cpuTime(), time.Now()
	var failed atomic.Int64
	res, err := load.Rate{RPS: rps, Arrival: load.ArrivalConstant, Requests: b.N, KeepSends: true}.Run(context.Background(),
		func(ctx context.Context, _ int, _ time.Time) {
			if rec := c.Do(ctx, benchRequest); !rec.OK() {
				failed.Add(1)
			}
		})
	cpu, wall, hostEnd := cpuTime()-cpu0, time.Since(start), markHost(server)
	if err != nil || failed.Load() > 0 || len(res.Sends) != b.N {
		b.Fatalf("%v; %d requests failed, %d of %d sent", err, failed.Load(), len(res.Sends), b.N)
	}
	reportPerRequest(b, b.N, cpu, wall)
	reportHost(b, host, hostEnd, b.N)
	reportSends(b, res)
	// A RateResult made by hand is summarised from its Sends.
	released := load.RateResult{RequestedRPS: rps, Start: res.Start, Sends: slices.Clone(res.Sends)}
	for i := range released.Sends {
		released.Sends[i].Started = released.Sends[i].Released
	}
	b.ReportMetric(released.Stats().LagMs.P99, "release_p99_ms")
}

// benchRateVegeta runs vegeta attack -rate rps/s for about b.N requests
// and reads each request's send time from its results.
//
// vegeta's pacer (lib/attack.go and pacer.go, v12.13) sets began when
// the attack starts and lets hit k (0-based) go at began + (k+1)/rps; the
// worker that takes it stamps the result's Timestamp on entering hit,
// under the lock that numbers it Seq, so Timestamp is the send time, as
// Started is for load.Rate (both before the request is built). began is
// not in the results, so the schedule is anchored on the sends
// themselves: with t_k the Timestamp of Seq k, the estimated start is
// min over k of (t_k − k/rps) and request k is due at that start + k/rps.
// The lag so measured is the true lag less the smallest lag of the run
// (which is ≥ 0): it can understate vegeta's lag by that much, never
// overstate it, and no request shows as early.
func benchRateVegeta(b *testing.B, url, bodyFile string, server int, rps float64) {
	vegeta := lookTool(b, "vegeta")
	dir := b.TempDir()
	targets := fmt.Sprintf("POST %s\nContent-Type: application/json\nAccept: text/event-stream\n@%s\n", url, bodyFile)
	if err := os.WriteFile(filepath.Join(dir, "targets"), []byte(targets), 0o600); err != nil {
		b.Fatal(err)
	}
	// vegeta sends rate × duration requests; the duration is rounded
	// to its clock, so the count is read back from its results.
	duration := time.Duration(float64(max(b.N, 10)) / rps * float64(time.Second))
	results := filepath.Join(dir, "results.bin")
	host := markHost(server)
	_, cpu, wall := runTool(b, vegeta, "attack", "-rate", fmt.Sprintf("%g/s", rps), "-duration", duration.String(),
		"-targets", filepath.Join(dir, "targets"), "-output", results)
	hostEnd := markHost(server) // now: decoding the results is not the run
	sent := vegetaSendTimes(b, vegeta, results)
	reportPerRequest(b, len(sent), cpu, wall)
	reportHost(b, host, hostEnd, len(sent))

	origin := sent[0]
	for k, t := range sent {
		if s := t.Add(-offset(k, rps)); s.Before(origin) {
			origin = s
		}
	}
	res := load.RateResult{RequestedRPS: rps, Start: origin, Sends: make([]load.Send, len(sent))}
	for k, t := range sent {
		res.Sends[k] = load.Send{Index: k, Scheduled: origin.Add(offset(k, rps)), Released: t, Started: t}
	}
	reportSends(b, res)
}

// offset is when request k of a constant schedule at rps is due after
// its start, rounded as load.Rate rounds it.
func offset(k int, rps float64) time.Duration {
	return time.Duration(math.Round(float64(k) / rps * 1e9))
}

// vegetaSendTimes decodes vegeta's results (vegeta encode -to csv:
// timestamp in ns, status code, …, error, body, attack, seq, …) and
// returns the send times in Seq order, failing b unless every request
// got a 200 without error.
func vegetaSendTimes(b *testing.B, vegeta, results string) []time.Time {
	cmd := exec.Command(vegeta, "encode", "-to", "csv", results)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	r := csv.NewReader(bufio.NewReaderSize(out, 1<<20))
	r.ReuseRecord = true
	bySeq := map[int]time.Time{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil || len(rec) < 9 {
			b.Fatalf("vegeta encode: %v (%d fields)", err, len(rec))
		}
		if rec[1] != "200" || rec[5] != "" {
			b.Fatalf("vegeta result %s: code %s, error %q", rec[8], rec[1], rec[5])
		}
		ns, err1 := strconv.ParseInt(rec[0], 10, 64)
		seq, err2 := strconv.Atoi(rec[8])
		if err1 != nil || err2 != nil {
			b.Fatalf("vegeta result %q: %v %v", rec[:9], err1, err2)
		}
		bySeq[seq] = time.Unix(0, ns)
	}
	if err := cmd.Wait(); err != nil {
		b.Fatalf("vegeta encode: %v", err)
	}
	sent := make([]time.Time, len(bySeq))
	for seq, t := range bySeq {
		if seq >= len(sent) {
			b.Fatalf("vegeta's %d results skip a seq (%d)", len(sent), seq)
		}
		sent[seq] = t
	}
	if len(sent) == 0 {
		b.Fatal("vegeta sent nothing")
	}
	return sent
}

// reportSends reports how an open-loop run kept to its schedule, with
// load.RateStats' definitions for both tools: achieved_rps is (n−1) over
// the span from the first send to the last; the lag figures are
// nearest-rank percentiles of send − due in milliseconds. loadavg1, the
// 1-minute load average at the end, is there to read the tail by.
func reportSends(b *testing.B, res load.RateResult) {
	st := res.Stats()
	if st.AchievedRPS != nil {
		b.ReportMetric(*st.AchievedRPS, "achieved_rps")
	}
	b.ReportMetric(st.LagMs.P50, "lag_p50_ms")
	b.ReportMetric(st.LagMs.P99, "lag_p99_ms")
	b.ReportMetric(st.LagMs.Max, "lag_max_ms")
	if la, err := loadAverage(); err == nil {
		b.ReportMetric(la, "loadavg1")
	}
}

// A hostMark reads, at the start of a run, the idle time of the whole
// machine and the CPU of the server process, in clock ticks (USER_HZ,
// 100 a second on Linux), to tell a client that is slow from a machine
// that is full.
type hostMark struct {
	pid          int
	idle, server int64
	wall         time.Time
	err          error
}

func markHost(pid int) hostMark {
	m := hostMark{pid: pid, wall: time.Now()}
	var err error
	m.idle, m.err = idleTicks()
	if m.server, err = processTicks(pid); m.err == nil {
		m.err = err
	}
	return m
}

// reportHost reports, from mark m to the later mark end of the same
// server: host_busy_cores, the cores the whole machine kept busy (this
// process, the server, the comparison tool and any other tenant), and
// server_cpu_µs/req.
//
// Busy is the CPU count less idle time: the kernel measures idle time
// when a CPU leaves idle, while it counts user and system time by
// sampling at its tick, and a load paced at 1000 req/s, phase-locked
// with the tick, can be sampled idle every time (/proc/stat's user and
// system showed 0.1 cores for runs that took 0.7). A process's own times
// (server_cpu_µs/req, and the getrusage figures) are scaled to its
// measured run time and do not alias so.
func reportHost(b *testing.B, m, end hostMark, requests int) {
	wall := end.wall.Sub(m.wall).Seconds()
	if m.err != nil || end.err != nil || wall <= 0 || requests == 0 {
		return // not Linux, or no run to tell of
	}
	const hz = 100
	b.ReportMetric(float64(runtime.NumCPU())-float64(end.idle-m.idle)/hz/wall, "host_busy_cores")
	b.ReportMetric(float64(end.server-m.server)*1e6/hz/float64(requests), "server_cpu_µs/req")
}

// idleTicks reads the machine's idle and iowait time from the first
// line of /proc/stat.
func idleTicks() (int64, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait ...
	if len(f) < 6 || f[0] != "cpu" {
		return 0, fmt.Errorf("/proc/stat: %q", line)
	}
	idle, err1 := strconv.ParseInt(f[4], 10, 64)
	iowait, err2 := strconv.ParseInt(f[5], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/stat: %q", line)
	}
	return idle + iowait, nil
}

// processTicks reads a process's user + system time from
// /proc/PID/stat (fields 14 and 15, the 12th and 13th after the
// command name in parentheses, which may hold spaces).
func processTicks(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(data, ')') // the name may hold one; no field after it does
	f := strings.Fields(string(data[i+1:]))
	if i < 0 || len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, data)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, data)
	}
	return utime + stime, nil
}

// loadAverage is the 1-minute load average from /proc/loadavg.
func loadAverage() (float64, error) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, err
	}
	f, _, _ := strings.Cut(string(b), " ")
	return strconv.ParseFloat(f, 64)
}

// parseRates reads -sse.rate: req/s values separated by commas.
func parseRates(s string) ([]float64, error) {
	var rates []float64
	for f := range strings.SplitSeq(s, ",") {
		r, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || !(r > 0) || math.IsInf(r, 0) {
			return nil, fmt.Errorf("-sse.rate %q: %q is not a rate above 0", s, f)
		}
		rates = append(rates, r)
	}
	return rates, nil
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
