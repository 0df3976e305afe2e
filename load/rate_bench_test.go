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

var paceDuration = flag.Duration("pace.duration", 10*time.Second, "length of each BenchmarkRatePacing run")

// BenchmarkRatePacing measures how well the open-loop pacer keeps to its
// schedule at 200 req/s, sending real HTTP requests to a loopback server
// that holds each for 20 ms (about 4 in flight, as against a model server
// simulator), for several spin windows. It reports figures instead of
// asserting them, since timing on a shared machine is not a unit-test
// property:
//
//	go test ./load -run '^$' -bench RatePacing -benchtime 1x
//
// rate_err_% compares achieved with the drawn schedule's rate (a Poisson
// schedule of 2000 is itself ±2 % off the requested rate by chance);
// for constant arrivals the two are the same.
func BenchmarkRatePacing(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	get := func(ctx context.Context, _ int, _ time.Time) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		resp, err := client.Do(req)
		if err != nil {
			b.Error(err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}

	for _, arrival := range []Arrival{ArrivalConstant, ArrivalPoisson} {
		for _, spin := range []time.Duration{0, 250 * time.Microsecond, time.Millisecond} {
			b.Run(fmt.Sprintf("%s/spin=%v", arrival, spin), func(b *testing.B) {
				old := spinWindow
				spinWindow = spin
				defer func() { spinWindow = old }()
				var st RateStats
				csw := involuntarySwitches()
				for range b.N {
					res, err := Rate{RPS: 200, Arrival: arrival, Seed: 1, Duration: *paceDuration}.Run(context.Background(), get)
					if err != nil {
						b.Fatal(err)
					}
					st = res.Stats()
				}
				b.ReportMetric(*st.AchievedRPS, "achieved_rps")
				b.ReportMetric(*st.ScheduledRPS, "scheduled_rps")
				b.ReportMetric(100*(*st.AchievedRPS / *st.ScheduledRPS - 1), "rate_err_%")
				b.ReportMetric(100*(*st.AchievedRPS/200-1), "vs_requested_%")
				b.ReportMetric(st.LagMs.P50, "lag_p50_ms")
				b.ReportMetric(st.LagMs.P99, "lag_p99_ms")
				b.ReportMetric(st.LagMs.Max, "lag_max_ms")
				b.ReportMetric(float64(st.Requests), "requests")
				// The machine's state, to read the tail by: a lag tail with
				// many involuntary switches and a load above the core count
				// is other processes taking the CPU, not the pacer.
				b.ReportMetric(float64(involuntarySwitches()-csw), "invol_ctxsw")
				b.ReportMetric(loadAverage(), "loadavg1")
			})
		}
	}
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
