package load

import (
	"context"
	"testing"
	"time"
)

// TestWaiterAbsolute: due times are absolute, so a pacer held up past
// several of them catches up at once instead of waiting a gap after each
// (drift). Held 250 ms past ten due times 20 ms apart, it takes about
// 250 ms in all; a relative sleeper would take 450 ms.
func TestWaiterAbsolute(t *testing.T) {
	var w waiter
	defer w.stop()
	start := time.Now()
	time.Sleep(250 * time.Millisecond)
	for k := 1; k <= 10; k++ {
		due := start.Add(time.Duration(k) * 20 * time.Millisecond)
		if !w.until(context.Background(), due) {
			t.Fatal("until gave up without a cancelled context")
		}
		if time.Now().Before(due) {
			t.Fatalf("returned before due time %d", k)
		}
	}
	if d := time.Since(start); d > 350*time.Millisecond {
		t.Errorf("took %v for due times already past; want about 250 ms", d)
	}
	// And one in the future is waited for, not returned early.
	due := time.Now().Add(30 * time.Millisecond)
	w.until(context.Background(), due)
	if time.Now().Before(due) {
		t.Error("returned before a future due time")
	}
}

func TestWaiterCancel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	var w waiter
	defer w.stop()
	start := time.Now()
	if w.until(ctx, start.Add(time.Hour)) {
		t.Error("until reported the due time reached after the context ended")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancel took %v to notice", d)
	}
}

func TestSpinFor(t *testing.T) {
	for _, tt := range []struct {
		rps  float64
		want time.Duration
	}{{1, spinWindow}, {1000, 50 * time.Microsecond}, {5000, 10 * time.Microsecond}, {10000, 5 * time.Microsecond}} {
		if got := spinFor(tt.rps); got != tt.want {
			t.Errorf("spinFor(%g) = %v, want %v", tt.rps, got, tt.want)
		}
	}
}

// TestFineTimer: the kernel timer never wakes early, and is used again
// and again; how late it wakes is BenchmarkRatePacing's to measure.
func TestFineTimer(t *testing.T) {
	ft := newFineTimer()
	defer ft.close()
	for _, d := range []time.Duration{0, time.Microsecond, 300 * time.Microsecond, 3 * time.Millisecond} {
		start := time.Now()
		ft.sleep(d)
		if took := time.Since(start); took < d {
			t.Errorf("sleep(%v) returned after %v", d, took)
		}
	}
}
