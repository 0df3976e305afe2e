package meter

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeMeter is a scriptable meter. Its readings carry the call number (or,
// with changeEvery, the call number divided by it) as Watts, so a test can
// tie each reading back to the Read call that produced it.
type fakeMeter struct {
	name        string
	channels    int
	delay       time.Duration // each Read blocks this long, honouring ctx
	failEvery   int           // every failEvery-th call fails
	changeEvery int           // the value changes every changeEvery-th call
	empty       bool          // return no readings

	calls atomic.Int64
	mu    sync.Mutex
	spans map[float64]span // value → when the Read that returned it ran
}

type span struct{ enter, exit time.Time }

func (m *fakeMeter) Name() string { return m.name }
func (m *fakeMeter) Close() error { return nil }

func (m *fakeMeter) Read(ctx context.Context) ([]Reading, error) {
	enter := time.Now()
	n := m.calls.Add(1)
	if m.delay > 0 {
		t := time.NewTimer(m.delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if m.failEvery > 0 && n%int64(m.failEvery) == 0 {
		return nil, fmt.Errorf("sensor hiccup on call %d", n)
	}
	if m.empty {
		return nil, nil
	}
	value := float64(n)
	if m.changeEvery > 0 {
		value = float64(n / int64(m.changeEvery))
	}
	readings := make([]Reading, m.channels)
	for i := range readings {
		readings[i] = Reading{Channel: fmt.Sprintf("ch%d", i), Component: CPU, Watts: value, Joules: NoValue}
	}
	m.mu.Lock()
	if m.spans == nil {
		m.spans = map[float64]span{}
	}
	m.spans[value] = span{enter, time.Now()}
	m.mu.Unlock()
	return readings, nil
}

// recorder is a sink that keeps every batch.
type recorder struct {
	mu      sync.Mutex
	batches [][]Reading
}

func (r *recorder) sink(b []Reading) {
	r.mu.Lock()
	r.batches = append(r.batches, b)
	r.mu.Unlock()
}

// byMeter returns every reading of one meter, in delivery order.
func (r *recorder) byMeter(name string) []Reading {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Reading
	for _, b := range r.batches {
		for _, rd := range b {
			if rd.Meter == name {
				out = append(out, rd)
			}
		}
	}
	return out
}

// run samples meters for d and returns the stats.
func run(meters []Meter, interval, d time.Duration, sink func([]Reading)) []Stats {
	s := NewSampler(meters, interval, sink)
	s.Start(context.Background())
	time.Sleep(d)
	return s.Stop()
}

func TestSlowMeterDoesNotDelayOthers(t *testing.T) {
	const interval = 20 * time.Millisecond
	const runFor = 1100 * time.Millisecond
	fast := &fakeMeter{name: "fast", channels: 2}
	slow := &fakeMeter{name: "slow", channels: 1, delay: 500 * time.Millisecond}
	var rec recorder
	stats := run([]Meter{fast, slow}, interval, runFor, rec.sink)
	fs, ss := stats[0], stats[1]
	if fs.Meter != "fast" || ss.Meter != "slow" {
		t.Fatalf("stats order %s, %s; want the meters' order", fs.Meter, ss.Meter)
	}

	// The fast meter keeps its pace while the slow one is stuck: at least
	// half the ticks, a generous margin for a loaded machine.
	expected := int(runFor / interval)
	if fs.Reads < expected/2 {
		t.Errorf("fast meter read %d times, want ≥ %d of %d ticks", fs.Reads, expected/2, expected)
	}
	if fs.Errors != 0 {
		t.Errorf("fast meter errors %d: %s", fs.Errors, fs.LastError)
	}
	// The slow meter reads at 0 and ~520 ms; a third read is cut by Stop.
	if ss.Reads < 1 || ss.Reads > 3 {
		t.Errorf("slow meter read %d times, want 1 to 3", ss.Reads)
	}
	if ss.Errors != 0 {
		t.Errorf("slow meter errors %d (%s); reads cancelled by Stop must not count", ss.Errors, ss.LastError)
	}
	// Ticks pass during each 500 ms read and are skipped, not queued.
	if ss.Skipped < 10 {
		t.Errorf("slow meter skipped %d ticks, want ≥ 10", ss.Skipped)
	}
	if int(slow.calls.Load()) > ss.Reads+1 {
		t.Errorf("slow meter was called %d times for %d reads: ticks piled up", slow.calls.Load(), ss.Reads)
	}
	if ss.Reads >= 2 && (ss.Gaps < 1 || ss.MaxGap < 400*time.Millisecond) {
		t.Errorf("slow meter gaps %d, max gap %v; want its 500 ms spacing counted", ss.Gaps, ss.MaxGap)
	}
	if ss.MeanReadLatency < 500*time.Millisecond {
		t.Errorf("slow meter mean latency %v, want ≥ 500ms", ss.MeanReadLatency)
	}

	for _, name := range []string{"fast", "slow"} {
		readings := rec.byMeter(name)
		if len(readings) == 0 {
			t.Fatalf("sink got no readings from %s", name)
		}
		var prev time.Time
		for _, r := range readings {
			if !strings.Contains(r.Time.String(), "m=") {
				t.Fatalf("%s reading time %v lost its monotonic clock reading", name, r.Time)
			}
			if r.Time.Before(prev) {
				t.Errorf("%s reading times go backwards: %v then %v", name, prev, r.Time)
			}
			prev = r.Time
		}
	}
	// The stamp is the midpoint of the Read call, so for a read that takes
	// 500 ms it lies well inside the meter's own [enter, exit].
	for _, r := range rec.byMeter("slow") {
		sp := slow.spans[r.Watts]
		if r.Time.Before(sp.enter) || r.Time.After(sp.exit) {
			t.Errorf("slow reading stamped %v, outside its read [%v, %v]", r.Time, sp.enter, sp.exit)
		}
	}
}

func TestFailingMeterIsCountedAndOthersContinue(t *testing.T) {
	flaky := &fakeMeter{name: "flaky", channels: 1, failEvery: 2}
	healthy := &fakeMeter{name: "healthy", channels: 3}
	stats := run([]Meter{flaky, healthy}, 10*time.Millisecond, 300*time.Millisecond, nil)
	f, h := stats[0], stats[1]
	if f.Errors < 3 || f.Reads < 3 {
		t.Errorf("flaky: %d reads, %d errors; want ≥ 3 of each", f.Reads, f.Errors)
	}
	if d := f.Reads - f.Errors; d < -1 || d > 1 {
		t.Errorf("flaky fails every other read, yet %d reads vs %d errors", f.Reads, f.Errors)
	}
	if !strings.HasPrefix(f.LastError, "sensor hiccup on call ") {
		t.Errorf("flaky LastError = %q", f.LastError)
	}
	if h.Errors != 0 || h.Reads < 10 || h.LastError != "" {
		t.Errorf("healthy: %d reads, %d errors (%q)", h.Reads, h.Errors, h.LastError)
	}
	if h.AchievedHz <= 0 || h.FirstRead.IsZero() || !h.LastRead.After(h.FirstRead) {
		t.Errorf("healthy: rate %v, first %v, last %v", h.AchievedHz, h.FirstRead, h.LastRead)
	}
}

func TestHungReadIsCancelled(t *testing.T) {
	hung := &fakeMeter{name: "hung", channels: 1, delay: time.Hour}
	stats := run([]Meter{hung}, 10*time.Millisecond, MinReadTimeout+300*time.Millisecond, nil)
	h := stats[0]
	if h.Errors < 1 || h.Reads != 0 {
		t.Fatalf("hung meter: %d reads, %d errors; want its read cancelled and counted", h.Reads, h.Errors)
	}
	if !strings.HasPrefix(h.LastError, "read cancelled after 1s without an answer: context deadline exceeded") {
		t.Errorf("LastError = %q", h.LastError)
	}
}

type panickyMeter struct{ fakeMeter }

func (m *panickyMeter) Read(context.Context) ([]Reading, error) { panic("index out of range") }

func TestPanickingMeterIsAnError(t *testing.T) {
	ok := &fakeMeter{name: "ok", channels: 1}
	stats := run([]Meter{&panickyMeter{fakeMeter{name: "bad"}}, ok}, 10*time.Millisecond, 50*time.Millisecond, nil)
	if stats[0].Errors < 1 || stats[0].LastError != "meter panicked: index out of range" {
		t.Errorf("panicking meter stats %+v", stats[0])
	}
	if stats[1].Reads < 1 || stats[1].Errors != 0 {
		t.Errorf("healthy meter stats %+v", stats[1])
	}
}

func TestEmptyReadIsAnError(t *testing.T) {
	stats := run([]Meter{&fakeMeter{name: "empty", empty: true}}, 10*time.Millisecond, 50*time.Millisecond, nil)
	if stats[0].Reads != 0 || stats[0].Errors < 1 || stats[0].LastError != errNoReadings.Error() {
		t.Errorf("stats %+v", stats[0])
	}
}

func TestUpdateIntervalDetectedFromSlowRefreshingMeter(t *testing.T) {
	const interval = 20 * time.Millisecond
	refreshing := &fakeMeter{name: "nvml-like", channels: 2, changeEvery: 3}
	constant := &fakeMeter{name: "constant", channels: 1, changeEvery: 1 << 30}
	stats := run([]Meter{refreshing, constant}, interval, 800*time.Millisecond, nil)
	got := stats[0].UpdateInterval
	if got < 2*interval || got > 9*interval/2 {
		t.Errorf("UpdateInterval %v for a value changing every 3rd read at %v, want about %v", got, interval, 3*interval)
	}
	if stats[1].UpdateInterval != 0 {
		t.Errorf("a value that never changes gave UpdateInterval %v, want 0", stats[1].UpdateInterval)
	}
}

func TestSinkIsSerializedAndFlushedByStop(t *testing.T) {
	var meters []Meter
	for i := 0; i < 4; i++ {
		meters = append(meters, &fakeMeter{name: fmt.Sprintf("m%d", i), channels: 2})
	}
	var inFlight, overlaps, delivered atomic.Int64
	last := map[string]Reading{}
	sink := func(b []Reading) {
		if inFlight.Add(1) > 1 {
			overlaps.Add(1)
		}
		time.Sleep(2 * time.Millisecond) // a slow disk
		for _, r := range b {
			last[r.Meter+"/"+r.Channel] = r // unguarded on purpose: -race checks serialization
		}
		delivered.Add(int64(len(b)))
		inFlight.Add(-1)
	}
	s := NewSampler(meters, 5*time.Millisecond, sink)
	s.Start(context.Background())
	time.Sleep(150 * time.Millisecond)
	stats := s.Stop()

	if overlaps.Load() != 0 {
		t.Errorf("sink ran concurrently %d times", overlaps.Load())
	}
	want := 0
	for _, st := range stats {
		want += st.Reads * 2
	}
	if got := delivered.Load(); got != int64(want) || want == 0 {
		t.Errorf("sink got %d readings by the time Stop returned, stats count %d", got, want)
	}
	latest := s.Latest()
	if len(latest) != 8 {
		t.Errorf("Latest has %d channels, want 8: %v", len(latest), latest)
	}
	for k, r := range latest {
		if last[k].Watts != r.Watts || !last[k].Time.Equal(r.Time) {
			t.Errorf("Latest[%s] = %v, last delivered %v", k, r, last[k])
		}
	}
}

func TestSamplerLifecycle(t *testing.T) {
	m := &fakeMeter{name: "m", channels: 1}
	s := NewSampler([]Meter{m}, 0, nil)
	if s.interval != DefaultInterval {
		t.Errorf("interval %v, want DefaultInterval", s.interval)
	}
	if st := s.Stop(); len(st) != 1 || st[0].Meter != "m" || st[0].Reads != 0 {
		t.Errorf("Stop before Start = %+v", st)
	}
	s.Start(context.Background()) // after Stop: no effect
	time.Sleep(20 * time.Millisecond)
	if m.calls.Load() != 0 {
		t.Error("Start after Stop polled the meter")
	}

	ctx, cancel := context.WithCancel(context.Background())
	s = NewSampler([]Meter{m}, 5*time.Millisecond, nil)
	s.Start(ctx)
	s.Start(ctx) // second Start: no effect
	time.Sleep(30 * time.Millisecond)
	cancel() // stops polling; Stop still collects
	first := s.Stop()
	if first[0].Reads == 0 {
		t.Error("no reads")
	}
	if again := s.Stop(); again[0] != first[0] {
		t.Errorf("second Stop = %+v, want %+v", again[0], first[0])
	}
}

func TestStampTimeIsMidpointWithMonotonicClock(t *testing.T) {
	call := time.Now()
	ret := call.Add(10 * time.Millisecond)
	got := stampTime(call, ret)
	if d := got.Sub(call); d != 5*time.Millisecond {
		t.Errorf("stamp is %v after the call, want 5ms", d)
	}
	if !strings.Contains(got.String(), "m=") {
		t.Errorf("stamp %v has no monotonic clock reading", got)
	}
}

// BenchmarkSampler drives 8 meters × 4 channels at a 100 µs interval; one
// op is one reading delivered to the sink.
func BenchmarkSampler(b *testing.B) {
	var meters []Meter
	for i := 0; i < 8; i++ {
		meters = append(meters, &benchMeter{name: fmt.Sprintf("m%d", i), channels: 4})
	}
	var delivered atomic.Int64
	done := make(chan struct{})
	var once sync.Once
	target := int64(b.N)
	sink := func(batch []Reading) {
		if delivered.Add(int64(len(batch))) >= target {
			once.Do(func() { close(done) })
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	s := NewSampler(meters, 100*time.Microsecond, sink)
	s.Start(context.Background())
	<-done
	elapsed := time.Since(start)
	stats := s.Stop()
	b.StopTimer()
	b.ReportMetric(float64(delivered.Load())/elapsed.Seconds(), "readings/s")
	var hz float64
	for _, st := range stats {
		if st.Errors > 0 {
			b.Fatalf("%s: %s", st.Meter, st.LastError)
		}
		hz += st.AchievedHz
	}
	b.ReportMetric(hz/float64(len(stats)), "Hz/meter")
}

// benchMeter returns fixed readings with one allocation per read, so the
// benchmark measures the sampler rather than the meter.
type benchMeter struct {
	name     string
	channels int
	n        float64
}

func (m *benchMeter) Name() string { return m.name }
func (m *benchMeter) Close() error { return nil }
func (m *benchMeter) Read(context.Context) ([]Reading, error) {
	m.n++
	readings := make([]Reading, m.channels)
	for i := range readings {
		readings[i] = Reading{Channel: benchChannels[i], Component: GPU, Watts: m.n, Joules: NoValue}
	}
	return readings, nil
}

var benchChannels = []string{"gpu0", "gpu1", "gpu2", "gpu3"}
