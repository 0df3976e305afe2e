package load

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestClosedRunsEachIndexOnce(t *testing.T) {
	for _, conc := range []int{1, 3, 8, 50} {
		var mu sync.Mutex
		var seen []int
		var inFlight, peak atomic.Int64
		Closed{Concurrency: conc, Requests: 20}.Run(context.Background(), func(_ context.Context, i int) {
			n := inFlight.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			inFlight.Add(-1)
			mu.Lock()
			seen = append(seen, i)
			mu.Unlock()
		})
		sort.Ints(seen)
		if len(seen) != 20 {
			t.Fatalf("concurrency %d: %d requests, want 20", conc, len(seen))
		}
		for i, v := range seen {
			if v != i {
				t.Fatalf("concurrency %d: indexes %v, want 0..19 once each", conc, seen)
			}
		}
		if p := peak.Load(); p > int64(conc) {
			t.Errorf("concurrency %d: %d requests in flight at once", conc, p)
		}
	}
}

func TestClosedStopsOnDurationAndCancel(t *testing.T) {
	var n atomic.Int64
	Closed{Concurrency: 2, Duration: 30 * time.Millisecond}.Run(context.Background(), func(context.Context, int) {
		n.Add(1)
		time.Sleep(5 * time.Millisecond)
	})
	if n.Load() == 0 {
		t.Fatal("no request ran within the duration")
	}

	// Once cancel has returned, a worker may still start the one request
	// it had decided on before it could see the cancel, and no more. (How
	// many run while cancel itself is under way is up to the scheduler.)
	ctx, cancel := context.WithCancel(context.Background())
	var calls, late atomic.Int64
	var canceled atomic.Bool
	Closed{Concurrency: 4}.Run(ctx, func(context.Context, int) {
		if canceled.Load() {
			late.Add(1)
		}
		if calls.Add(1) == 10 {
			cancel()
			canceled.Store(true)
		}
	})
	if got := late.Load(); got > 3 {
		t.Errorf("%d requests started after cancel returned; want at most one per other worker (3)", got)
	}
	if got := calls.Load(); got < 10 {
		t.Errorf("%d requests ran, want at least the 10 before cancel", got)
	}
}
