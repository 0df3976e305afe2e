package runner

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aienergy/aienergy/internal/logging"
	"github.com/aienergy/aienergy/load"
	"github.com/aienergy/aienergy/rundir"
)

// Shares split as evenly as possible, the first shards taking the
// remainder, and add up to the whole.
func TestShardShare(t *testing.T) {
	for _, c := range []struct {
		n, count int
		want     []int
	}{
		{10, 4, []int{3, 3, 2, 2}},
		{8, 4, []int{2, 2, 2, 2}},
		{3, 4, []int{1, 1, 1, 0}},
		{0, 3, []int{0, 0, 0}},
		{7, 1, []int{7}},
	} {
		var got []int
		for i := range c.count {
			got = append(got, shard{index: i, count: c.count}.share(c.n))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%d over %d shards: %v, want %v", c.n, c.count, got, c.want)
		}
	}
}

// indexes runs a load shape and returns the request indexes it sent, in
// order.
func indexes(l loadShape) []int {
	var mu sync.Mutex
	var got []int
	l.Run(context.Background(), func(_ context.Context, i int) {
		mu.Lock()
		got = append(got, i)
		mu.Unlock()
	})
	sort.Ints(got)
	return got
}

// shardRun is a run that is shard index of count.
func shardRun(index, count int) *run {
	r := &run{}
	r.meta.Shard = &rundir.Shard{Index: index, Count: count}
	return r
}

// The shards of a closed loop send, between them, exactly the requests
// of one process (indexes 0…R−1, each once), with the workers split.
func TestClosedLoopShards(t *testing.T) {
	const requests, count = 10, 4
	whole := load.Closed{Concurrency: 6, Requests: requests}
	var all []int
	for i := range count {
		l := shardRun(i, count).shardShape(whole)
		cs, ok := l.(closedShard)
		if !ok {
			t.Fatalf("shard %d: shape %T, want closedShard", i, l)
		}
		got := indexes(l)
		for _, k := range got {
			if k%count != i {
				t.Errorf("shard %d sent request %d, another shard's", i, k)
			}
		}
		if want := []int{3, 3, 2, 2}[i]; len(got) != want {
			t.Errorf("shard %d sent %d requests, want %d", i, len(got), want)
		}
		if w := max(cs.shard.share(whole.Concurrency), 1); w != []int{2, 2, 1, 1}[i] {
			t.Errorf("shard %d runs %d workers", i, w)
		}
		all = append(all, got...)
	}
	sort.Ints(all)
	if want := indexes(whole); !slices.Equal(all, want) {
		t.Errorf("shards sent %v between them; one process sends %v", all, want)
	}
	// Fewer requests than shards (a short warmup): the shards without one
	// send nothing, rather than run without a limit.
	if got := indexes(shardRun(3, count).shardShape(load.Closed{Concurrency: 1, Requests: 2})); len(got) != 0 {
		t.Errorf("shard 3 of a 2-request loop sent %v", got)
	}
	// Unsharded and one-shard runs send the load as it is.
	if _, ok := (&run{}).shardShape(whole).(load.Closed); !ok {
		t.Error("an unsharded run changed its load")
	}
	if _, ok := shardRun(0, 1).shardShape(whole).(load.Closed); !ok {
		t.Error("a single shard changed its load")
	}
}

// The shards of an open loop draw one schedule and send its arrivals
// k mod count = index: between them, the arrivals of one process, each
// once; each shard's statistics are its own arrivals' and its share of
// the rate.
func TestOpenLoopShards(t *testing.T) {
	const count = 3
	rate := load.Rate{RPS: 2000, Arrival: load.ArrivalPoisson, Seed: 7, Requests: 40, MaxConcurrency: 7}
	var stats []load.RateStats
	whole := openLoop{rate: rate, warn: t.Logf, stats: func(st load.RateStats) { stats = append(stats, st) }}
	var all []int
	for i := range count {
		l := shardRun(i, count).shardShape(whole)
		got := indexes(l)
		for _, k := range got {
			if k%count != i {
				t.Errorf("shard %d sent arrival %d, another shard's", i, k)
			}
		}
		all = append(all, got...)
		st := stats[len(stats)-1]
		if want := []int{14, 13, 13}[i]; len(got) != want || st.Requests != want || st.Unsent != 0 {
			t.Errorf("shard %d: sent %d, stats say %d sent and %d unsent; want %d and 0", i, len(got), st.Requests, st.Unsent, want)
		}
		if st.RequestedRPS != 2000.0/count || st.MaxConcurrency != []int{3, 2, 2}[i] {
			t.Errorf("shard %d: stats at %g req/s under a cap of %d, want %g and its share of 7", i, st.RequestedRPS, st.MaxConcurrency, 2000.0/count)
		}
	}
	sort.Ints(all)
	if want := indexes(whole); len(want) != 40 || !slices.Equal(all, want) {
		t.Errorf("shards sent %v between them; one process sends %v", all, want)
	}
}

// A shard's open loop waits for and sends only its own arrivals of the
// common schedule, with their whole-schedule indexes, and its requested
// rate is its share.
func TestShardOpenLoopKeepsItsArrivals(t *testing.T) {
	rate := load.Rate{RPS: 2000, Arrival: load.ArrivalConstant, Requests: 9, Seed: 1}
	var got []int
	var mu sync.Mutex
	var st load.RateStats
	o := openLoop{rate: rate, shard: shard{index: 1, count: 3}, warn: func(string, ...any) {},
		stats: func(s load.RateStats) { st = s }}
	o.Run(context.Background(), func(_ context.Context, i int) {
		mu.Lock()
		got = append(got, i)
		mu.Unlock()
	})
	slices.Sort(got)
	if !slices.Equal(got, []int{1, 4, 7}) || st.Requests != 3 || st.RequestedRPS != 2000.0/3 {
		t.Errorf("shard 1 of 3 sent %v (%d requests at %g req/s); want arrivals 1, 4, 7 at %g", got, st.Requests, st.RequestedRPS, 2000.0/3)
	}
}

// A shard waits for start_at before its first measured phase only, and
// records how late it began; one that arrives long after start_at fails
// rather than send a load shifted from the other shards'.
func TestAwaitShardStart(t *testing.T) {
	var log bytes.Buffer
	r := shardRun(2, 4)
	r.plan.Log = logging.New(&log, nil, slog.LevelInfo)
	start := time.Now().Add(30 * time.Millisecond)
	r.meta.Shard.StartAt = start
	given := r.meta.Shard
	if err := r.awaitShardStart(context.Background(), "m"); err != nil {
		t.Fatal(err)
	}
	if time.Now().Before(start) {
		t.Error("the measured phase would begin before start_at")
	}
	if r.meta.Shard.LateS == nil || *r.meta.Shard.LateS < 0 || given.LateS != nil {
		t.Errorf("late_s = %v (the plan's copy %v): want it recorded on the run's own copy", r.meta.Shard.LateS, given.LateS)
	}
	if !strings.Contains(log.String(), "shard 2 of 4 waits") {
		t.Errorf("the wait is not shown:\n%s", log.String())
	}
	// The next measured phase does not wait again.
	r.meta.Shard.StartAt = time.Now().Add(time.Hour)
	if err := r.awaitShardStart(context.Background(), "m2"); err != nil {
		t.Fatal(err)
	}

	late := shardRun(0, 2)
	late.plan.Log = logging.New(&log, nil, slog.LevelInfo)
	late.meta.Shard.StartAt = time.Now().Add(-5 * time.Second)
	err := late.awaitShardStart(context.Background(), "m")
	if err == nil || !strings.Contains(err.Error(), "after load.shard.start_at") {
		t.Errorf("a shard 5 s late: %v, want an error", err)
	}
	if err := (&run{}).awaitShardStart(context.Background(), "m"); err != nil {
		t.Errorf("unsharded run: %v", err)
	}
}

// Three shards of a closed loop, run through the runner, send between
// them the requests of one process, each once: warmup ids 0–2 and
// measured ids 3–12 (warmup_requests + k), each shard those with
// k mod 3 = its index, and each begins its measured phase at start_at.
func TestShardedRunsSplitAClosedLoop(t *testing.T) {
	const count = 3
	var warm, measured []int
	for i := range count {
		plan := smallPlan(t)
		plan.Concurrency, plan.Requests, plan.WarmupRequests = 3, 10, 3
		plan.IdleBefore, plan.IdleAfter = 0, 0
		plan.Log = logging.New(&bytes.Buffer{}, nil, slog.LevelInfo)
		start := time.Now().Add(50 * time.Millisecond)
		plan.Meta.Shard = &rundir.Shard{Index: i, Count: count, StartAt: start}
		dir, err := Run(context.Background(), plan, nil)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := rundir.Read(dir)
		if err != nil {
			t.Fatal(err)
		}
		if s := raw.Meta.Shard; s == nil || s.Index != i || s.LateS == nil {
			t.Fatalf("shard %d: run.json shard %+v, want its index and late_s", i, s)
		}
		for _, p := range raw.Phases {
			if p.Name == "measured" && raw.Meta.StartedAt.Add(time.Duration(p.Start*float64(time.Second))).Before(start.Add(-time.Millisecond)) {
				t.Errorf("shard %d: measured phase began before start_at", i)
			}
		}
		for _, r := range collect(t, raw) {
			k := r.ID
			if r.Phase == "measured" {
				k -= plan.WarmupRequests
				measured = append(measured, r.ID)
			} else {
				warm = append(warm, r.ID)
			}
			if k%count != i {
				t.Errorf("shard %d sent %s request %d, shard %d's", i, r.Phase, r.ID, k%count)
			}
		}
	}
	slices.Sort(warm)
	slices.Sort(measured)
	if !slices.Equal(warm, []int{0, 1, 2}) || !slices.Equal(measured, []int{3, 4, 5, 6, 7, 8, 9, 10, 11, 12}) {
		t.Errorf("the shards sent warmup %v and measured %v; one process sends 0–2 and 3–12", warm, measured)
	}
}
