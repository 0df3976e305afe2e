package load

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRateFollowsSchedule: every index once, at its Offsets time, with
// loose lag bounds that hold on a loaded machine and under -race; tight
// figures come from BenchmarkRatePacing.
func TestRateFollowsSchedule(t *testing.T) {
	for _, r := range []Rate{
		{RPS: 200, Arrival: ArrivalConstant, Requests: 60, KeepSends: true},
		{RPS: 200, Arrival: ArrivalGamma, Burstiness: 0.5, Seed: 3, Requests: 60, KeepSends: true},
		{RPS: 200, Seed: 9, Requests: 60, MaxConcurrency: 50, KeepSends: true},
	} {
		want, err := r.Offsets(r.Requests)
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		got := map[int]time.Time{}
		res, err := r.Run(context.Background(), func(_ context.Context, i int, scheduled time.Time) {
			mu.Lock()
			defer mu.Unlock()
			if _, dup := got[i]; dup {
				t.Errorf("%s: index %d sent twice", r.arrival(), i)
			}
			got[i] = scheduled
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != r.Requests || len(res.Sends) != r.Requests || res.Unsent != 0 {
			t.Fatalf("%s: %d calls, %d sends, %d unsent; want %d, %d, 0", r.arrival(), len(got), len(res.Sends), res.Unsent, r.Requests, r.Requests)
		}
		for i, s := range res.Sends {
			if s.Index != i || !got[i].Equal(s.Scheduled) || s.Scheduled.Sub(res.Start) != want[i] {
				t.Fatalf("%s: send %d is index %d due %v (do saw %v); want due %v after start",
					r.arrival(), i, s.Index, s.Scheduled.Sub(res.Start), got[i].Sub(res.Start), want[i])
			}
			if s.Started.Before(s.Scheduled) || s.Done.Before(s.Started) {
				t.Fatalf("%s: send %d due %v, started %v, done %v", r.arrival(), i, s.Scheduled, s.Started, s.Done)
			}
		}
		// The median only: a busy 2-core machine can stall a process for
		// 100 ms, which in 60 requests is the p99 and can bend the
		// achieved rate; the tail is BenchmarkRatePacing's to measure.
		st := res.Stats()
		t.Logf("%s: lag %+v ms, achieved %.2f of %.2f req/s scheduled", r.arrival(), st.LagMs, *st.AchievedRPS, *st.ScheduledRPS)
		if st.LagMs.P50 > 10 {
			t.Errorf("%s: median send lag %.2f ms, want under 10 (loose bound)", r.arrival(), st.LagMs.P50)
		}
		if st.Queued != 0 {
			t.Errorf("%s: %d requests queued with no cap reached", r.arrival(), st.Queued)
		}
	}
}

// TestRateMaxConcurrency: with a cap of 2 and requests lasting 50 ms, due
// every 10 ms, requests wait in the queue, never more than 2 run at once,
// and the wait is reported as queue time, not lag.
func TestRateMaxConcurrency(t *testing.T) {
	var inFlight, peak atomic.Int64
	r := Rate{RPS: 100, Arrival: ArrivalConstant, Requests: 10, MaxConcurrency: 2, KeepSends: true}
	res, err := r.Run(context.Background(), func(context.Context, int, time.Time) {
		n := inFlight.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(50 * time.Millisecond)
		inFlight.Add(-1)
	})
	if err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p != 2 {
		t.Errorf("peak %d in flight, want the cap of 2", p)
	}
	if len(res.Sends) != 10 {
		t.Fatalf("%d sends, want 10", len(res.Sends))
	}
	// Two at a time for ≥ 50 ms each: request 9 starts no earlier than
	// 4×50 ms after the start, though due at 90 ms.
	last := res.Sends[9]
	if d := last.Started.Sub(last.Scheduled); d < 110*time.Millisecond {
		t.Errorf("request 9 started %v after its due time, want at least 110 ms", d)
	}
	st := res.Stats()
	if st.Queued < 1 || st.QueueMs.Max < 20 {
		t.Errorf("%d queued, longest queue %.1f ms; want queueing of at least 20 ms", st.Queued, st.QueueMs.Max)
	}
	// Requests wait up to 120 ms here; a median lag near that would mean
	// queue time leaked into send lag.
	if st.LagMs.P50 > 10 {
		t.Errorf("median lag %.1f ms: queue time leaked into send lag", st.LagMs.P50)
	}
	for _, s := range res.Sends {
		if got := s.Queue() + s.Lag(); got != s.Started.Sub(s.Scheduled) {
			t.Fatalf("request %d: queue %v + lag %v ≠ start − due %v", s.Index, s.Queue(), s.Lag(), s.Started.Sub(s.Scheduled))
		}
	}
}

// TestRateCancel: once ctx ends nothing more starts, queued requests are
// counted unsent, and the request in flight is waited for.
func TestRateCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var finished atomic.Bool
	r := Rate{RPS: 1000, Arrival: ArrivalConstant, Requests: 1000, MaxConcurrency: 1, KeepSends: true}
	res, err := r.Run(ctx, func(ctx context.Context, i int, _ time.Time) {
		time.Sleep(20 * time.Millisecond) // let the pacer queue some behind it
		cancel()
		time.Sleep(10 * time.Millisecond)
		finished.Store(true)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !finished.Load() {
		t.Error("Run returned before the request in flight finished")
	}
	if len(res.Sends) != 1 || res.Sends[0].Index != 0 {
		t.Fatalf("sends %+v, want only request 0", res.Sends)
	}
	if res.Unsent < 1 || res.Unsent > 999 {
		t.Errorf("%d unsent, want the queued requests (1 to 999)", res.Unsent)
	}
}

func TestRateDuration(t *testing.T) {
	var n atomic.Int64
	res, err := Rate{RPS: 100, Arrival: ArrivalConstant, Duration: 100 * time.Millisecond, KeepSends: true}.Run(context.Background(),
		func(context.Context, int, time.Time) { n.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	if n.Load() != 10 || len(res.Sends) != 10 { // due at 0, 10, …, 90 ms
		t.Errorf("%d calls, %d sends; want 10 in 100 ms at 100 req/s", n.Load(), len(res.Sends))
	}
}

func TestRateRunRejectsBadSettings(t *testing.T) {
	called := false
	_, err := Rate{RPS: 10, Arrival: "bursty"}.Run(context.Background(), func(context.Context, int, time.Time) { called = true })
	if err == nil || called {
		t.Errorf("error %v, called %v; want an error and no request", err, called)
	}
}

// TestRateStats checks the summary against hand-computed figures.
func TestRateStats(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms float64) time.Time { return t0.Add(time.Duration(ms * float64(time.Millisecond))) }
	res := RateResult{RequestedRPS: 100, Start: t0, Unsent: 2, Sends: []Send{
		// due, released, started: lag 1 ms, no queue
		{Index: 0, Scheduled: at(0), Released: at(0.5), Started: at(1)},
		// lag 0.5 ms (released), queued 30 ms
		{Index: 1, Scheduled: at(10), Released: at(10.5), Started: at(40.5), Queued: true},
		// lag 2 ms
		{Index: 2, Scheduled: at(20), Released: at(21), Started: at(22)},
		// lag 0.25 ms, queued 19.75 ms; starts before request 1 would not
		// happen in FIFO, but the achieved span must not assume order
		{Index: 3, Scheduled: at(30), Released: at(30.25), Started: at(50), Queued: true},
	}}
	st := res.Stats()
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	// Lags sorted: 0.25, 0.5, 1, 2. Nearest rank: p50 = 2nd, p90 = p99 = 4th.
	if !near(st.LagMs.P50, 0.5) || !near(st.LagMs.P90, 2) || !near(st.LagMs.P99, 2) || !near(st.LagMs.Max, 2) || !near(st.LagMs.Mean, 0.9375) {
		t.Errorf("lag %+v, want p50 0.5 p90 2 p99 2 max 2 mean 0.9375", st.LagMs)
	}
	// Queues sorted: 0, 0, 19.75, 30.
	if !near(st.QueueMs.P50, 0) || !near(st.QueueMs.P99, 30) || !near(st.QueueMs.Mean, 12.4375) {
		t.Errorf("queue %+v, want p50 0 p99 30 mean 12.4375", st.QueueMs)
	}
	// 3 gaps over 30 ms scheduled; over 1 → 50 ms = 49 ms actual.
	if st.Requests != 4 || st.Unsent != 2 || st.Queued != 2 || !near(*st.ScheduledRPS, 100) || !near(*st.AchievedRPS, 3/0.049) {
		t.Errorf("stats %+v (rates %v, %v), want 4 requests, 2 unsent, 2 queued, 100 scheduled req/s, %.4f achieved", st, *st.ScheduledRPS, *st.AchievedRPS, 3/0.049)
	}
	one := (RateResult{Sends: res.Sends[:1]}).Stats()
	if one.AchievedRPS != nil || one.ScheduledRPS != nil {
		t.Errorf("one send: rates %v, %v; want nil", one.AchievedRPS, one.ScheduledRPS)
	}
	if b, err := json.Marshal(one); err != nil || !strings.Contains(string(b), `"achieved_rps":null`) {
		t.Errorf("one send as JSON: %s, %v; want achieved_rps null", b, err)
	}
}

// Sends due (or started) at one instant measure no rate: nil, never +Inf,
// which JSON cannot hold (load.rate=1e308 used to lose run.json). The cap
// is recorded with the figures.
func TestRateStatsZeroSpan(t *testing.T) {
	t0 := time.Unix(1000, 0)
	res := RateResult{RequestedRPS: 1e4, MaxConcurrency: 512, Sends: []Send{
		{Index: 0, Scheduled: t0, Started: t0}, {Index: 1, Scheduled: t0, Started: t0},
	}}
	st := res.Stats()
	if st.ScheduledRPS != nil || st.AchievedRPS != nil {
		t.Errorf("rates %v, %v over a zero span; want nil", st.ScheduledRPS, st.AchievedRPS)
	}
	if b, err := json.Marshal(st); err != nil || !strings.Contains(string(b), `"max_concurrency":512`) {
		t.Errorf("as JSON: %s, %v; want it to marshal with max_concurrency 512", b, err)
	}
	r := Rate{RPS: 100, Arrival: ArrivalConstant, Requests: 2, MaxConcurrency: 3}
	got, err := r.Run(context.Background(), func(context.Context, int, time.Time) {})
	if err != nil || got.MaxConcurrency != 3 {
		t.Errorf("Run: cap %d, %v; want the cap 3 recorded", got.MaxConcurrency, err)
	}
}

// Keep sends only the arrivals it keeps, with the whole schedule's
// indexes and due times: the same schedule, one generator's share.
func TestRateKeep(t *testing.T) {
	whole := Rate{RPS: 1000, Arrival: ArrivalPoisson, Requests: 12, Seed: 7, KeepSends: true}
	all, err := whole.Run(context.Background(), func(context.Context, int, time.Time) {})
	if err != nil {
		t.Fatal(err)
	}
	share := whole
	share.Keep = func(i int) bool { return i%3 == 2 }
	got, err := share.Run(context.Background(), func(context.Context, int, time.Time) {})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Sends) != 4 {
		t.Fatalf("%d sends, want arrivals 2, 5, 8, 11", len(got.Sends))
	}
	for j, s := range got.Sends {
		want := all.Sends[3*j+2]
		if s.Index != want.Index || s.Scheduled.Sub(got.Start) != want.Scheduled.Sub(all.Start) {
			t.Errorf("send %d: index %d due +%v; want index %d due +%v", j, s.Index, s.Scheduled.Sub(got.Start), want.Index, want.Scheduled.Sub(all.Start))
		}
	}
}

// A run keeps nothing per request unless asked: its statistics are tallied
// as requests finish, and they are the ones the kept sends give.
func TestRateKeepsNoSends(t *testing.T) {
	r := Rate{RPS: 2000, Arrival: ArrivalPoisson, Seed: 5, Requests: 400, MaxConcurrency: 3}
	do := func(context.Context, int, time.Time) { time.Sleep(time.Millisecond) } // some wait for a slot
	res, err := r.Run(context.Background(), do)
	if err != nil {
		t.Fatal(err)
	}
	if res.Sends != nil {
		t.Errorf("%d sends kept without KeepSends", len(res.Sends))
	}
	st := res.Stats()
	if st.Requests != 400 || st.Unsent != 0 || st.Queued == 0 || st.AchievedRPS == nil || st.LagMs.Max < st.LagMs.P99 || st.LagMs.Mean <= 0 {
		t.Errorf("stats %+v: want 400 requests, some queued, a rate and a lag", st)
	}
	// The tally and the kept sends of one run agree.
	r.KeepSends = true
	res, err = r.Run(context.Background(), do)
	if err != nil {
		t.Fatal(err)
	}
	fromTally, fromSends := res.Stats(), (RateResult{RequestedRPS: res.RequestedRPS, MaxConcurrency: res.MaxConcurrency, Sends: res.Sends}).Stats()
	// Means summed in another order differ in the last bits.
	for _, m := range [][2]*float64{{&fromTally.LagMs.Mean, &fromSends.LagMs.Mean}, {&fromTally.QueueMs.Mean, &fromSends.QueueMs.Mean}} {
		if math.Abs(*m[0]-*m[1]) > 1e-9**m[1] {
			t.Errorf("means %v and %v", *m[0], *m[1])
		}
		*m[0] = *m[1]
	}
	if !reflect.DeepEqual(fromTally, fromSends) {
		t.Errorf("tallied %+v, from the sends %+v", fromTally, fromSends)
	}
}

// What a run holds afterwards is its tally: two latency sketches of 8
// bytes a value (fewer past their exact limit), where keeping each Send
// held over 100.
func TestRateHoldsLittlePerRequest(t *testing.T) {
	const n = 50_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	// Four workers: the runtime keeps the descriptor of every goroutine
	// that ever ran (for reuse), which would count here.
	res, err := Rate{RPS: 1e6, Arrival: ArrivalConstant, Requests: n, MaxConcurrency: 4}.Run(context.Background(), func(context.Context, int, time.Time) {})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if st := res.Stats(); st.Requests != n {
		t.Fatalf("%d requests, want %d", st.Requests, n)
	}
	if perRequest := float64(held) / n; perRequest > 24 {
		t.Errorf("the result holds %.0f bytes a request, want at most 24 (two sketches' 16 and slack)", perRequest)
	}
	runtime.KeepAlive(res)
}
