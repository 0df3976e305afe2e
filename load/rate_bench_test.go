package load

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var (
	paceDuration = flag.Duration("pace.duration", 10*time.Second, "length of each BenchmarkRatePacing run")
	paceRate     = flag.Float64("pace.rate", 1000, "req/s of the BenchmarkRatePacing runs")
)

// benchPacers are the ways of waiting BenchmarkRatePacing compares: the
// default, a Go timer alone, the kernel timer without a spin, and the
// pacer as it was before it had a kernel timer: a Go timer, then a 1 ms
// spin whatever the rate.
var benchPacers = []struct {
	name       string
	fine, spin time.Duration
	share      float64
}{
	{"default", fineWindow, spinWindow, spinShare},
	{"timer", 0, 0, 0},
	{"kernel-timer", fineWindow, 0, 0},
	{"timer+spin1ms", time.Millisecond, time.Millisecond, 1e3}, // a share that bounds nothing
}

// BenchmarkRatePacing measures how well the open-loop pacer keeps to its
// schedule (1000 req/s unless -pace.rate says otherwise) and the CPU it
// takes, for each of benchPacers. Each request is either a real HTTP
// request to a loopback server that holds it for 20 ms (20 in flight at
// 1000 req/s, as against a model server simulator), or nothing at all
// (noop), whose CPU is the pacer's own. It reports figures instead of
// asserting them, since timing on a shared machine is not a unit-test
// property:
//
//	go test ./load -run '^$' -bench RatePacing -benchtime 1x
//
// rate_err_% compares achieved with the drawn schedule's rate (a Poisson
// schedule of 10 000 is itself about ±1 % off the requested rate by
// chance); for constant arrivals the two are the same. cpu_cores counts
// the whole process: with http, the loopback server's share too, which
// costs more when sends are spread over the millisecond than when a
// coarse timer bunches them; BenchmarkClientSSE in backend/openai
// measures the client against a server in a process of its own.
func BenchmarkRatePacing(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()
	// At most 256 connections, so that a stall at 5000 req/s queues in
	// the transport instead of running out of file descriptors.
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}
	requests := []struct {
		name string
		do   func(ctx context.Context, _ int, _ time.Time)
	}{
		{"http", func(ctx context.Context, _ int, _ time.Time) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}},
		{"noop", func(context.Context, int, time.Time) {}},
	}

	for _, arrival := range []Arrival{ArrivalConstant, ArrivalPoisson} {
		for _, pacer := range benchPacers {
			for _, req := range requests {
				b.Run(fmt.Sprintf("%s/%s/%s", arrival, pacer.name, req.name), func(b *testing.B) {
					oldFine, oldSpin, oldShare := fineWindow, spinWindow, spinShare
					fineWindow, spinWindow, spinShare = pacer.fine, pacer.spin, pacer.share
					defer func() { fineWindow, spinWindow, spinShare = oldFine, oldSpin, oldShare }()
					benchmarkPacing(b, arrival, req.do)
				})
			}
		}
	}
}

func benchmarkPacing(b *testing.B, arrival Arrival, do func(context.Context, int, time.Time)) {
	var st RateStats
	var cpu *ClientCPU
	csw := involuntarySwitches()
	for range b.N {
		mark := MarkCPU()
		res, err := Rate{RPS: *paceRate, Arrival: arrival, Seed: 1, Duration: *paceDuration}.Run(context.Background(), do)
		if err != nil {
			b.Fatal(err)
		}
		st = res.Stats()
		cpu = mark.Since(st.Requests)
	}
	b.ReportMetric(cpu.Cores, "cpu_cores")
	b.ReportMetric(*cpu.PerRequestUs, "cpu_µs/req")
	b.ReportMetric(*st.AchievedRPS, "achieved_rps")
	b.ReportMetric(*st.ScheduledRPS, "scheduled_rps")
	b.ReportMetric(100*(*st.AchievedRPS / *st.ScheduledRPS - 1), "rate_err_%")
	b.ReportMetric(100*(*st.AchievedRPS / *paceRate - 1), "vs_requested_%")
	b.ReportMetric(st.LagMs.P50, "lag_p50_ms")
	b.ReportMetric(st.LagMs.P99, "lag_p99_ms")
	b.ReportMetric(st.LagMs.Max, "lag_max_ms")
	b.ReportMetric(float64(st.Requests), "requests")
	// The machine's state, to read the tail by: a lag tail with many
	// involuntary switches and a load above the core count is other
	// processes taking the CPU, not the pacer.
	b.ReportMetric(float64(involuntarySwitches()-csw), "invol_ctxsw")
	b.ReportMetric(loadAverage(), "loadavg1")
}

// involuntarySwitches counts the times the kernel took the CPU from this
// process's threads (getrusage ru_nivcsw).
func involuntarySwitches() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Nivcsw
}

// loadAverage is the 1-minute load average, or -1 where /proc has none.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f, err := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	if err != nil {
		return -1
	}
	return f
}
