// Package synthrun writes synthetic run directories of any size whose
// figures are known in advance: the ground truth for testing `aienergy
// report` on runs too long to record for real (a day at 200 req/s is 17
// million requests). The files are written by rundir's own Writer, so
// they are exactly what a run writes.
package synthrun

import (
	"container/heap"
	"fmt"
	"math"
	"path/filepath"
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/meter"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// Spec describes a run: one model, an idle phase, a measured phase of
// Requests arrivals at a constant rate, an idle phase; Channels GPU power
// channels (at least one) sampled every SampleInterval, each IdleWatts
// outside the measured phase and BusyWatts inside it.
type Spec struct {
	Model          string
	Requests       int
	Measured, Idle time.Duration
	Chunks         int // content chunks per request, one output token each
	InputTokens    int
	IdleWatts      float64
	BusyWatts      float64
	SampleInterval time.Duration
	Channels       int // 0 is 1
}

// Day is a 24 h run at about 200 req/s: 17 million requests.
var Day = Spec{
	Model: "synthetic-model", Requests: 17_000_000, Measured: 24 * time.Hour, Idle: time.Minute,
	Chunks: 16, InputTokens: 100, IdleWatts: 100, BusyWatts: 300, SampleInterval: time.Second,
}

// Truth is what the analysis must find.
type Truth struct {
	Completed    int
	InputTokens  int
	OutputTokens int
	// EnergyJ is the channels' energy over the measured phase; NetEnergyJ
	// less the idle draw over it.
	EnergyJ, NetEnergyJ float64
	// TTFTMs and E2EMs give each latency's exact p-th percentile (0–100)
	// for the whole population: TTFT is uniform over [20, 100) ms.
	TTFTMs, E2EMs func(p float64) float64
	ITLMs         float64 // every gap
}

// Timings: TTFT spreads evenly over [ttftMin, ttftMin+ttftSpread): the
// fractional parts of i·φ (φ the golden ratio) fill the interval more
// evenly than random draws, so the exact percentiles are the uniform
// distribution's to within a few parts in N.
const (
	ttftMin    = 20 * time.Millisecond
	ttftSpread = 80 * time.Millisecond
	itl        = 10 * time.Millisecond
	phi        = 0.6180339887498949
)

func ttftOf(i int) time.Duration {
	_, frac := math.Modf(float64(i) * phi)
	return ttftMin + time.Duration(frac*float64(ttftSpread))
}

// Write writes the run directory dir (which must not exist or be empty)
// and returns its truth. progress, if not nil, is called now and then
// with the requests written so far.
func Write(dir string, s Spec, progress func(done int)) (Truth, error) {
	if s.Requests < 1 || s.Measured <= 0 || s.Chunks < 2 || s.SampleInterval <= 0 {
		return Truth{}, fmt.Errorf("synthrun: %d requests over %s with %d chunks, samples every %s: want at least 1 request, a measured phase, 2 chunks and a sample interval", s.Requests, s.Measured, s.Chunks, s.SampleInterval)
	}
	origin := time.Now()
	w, err := rundir.Create(dir, origin)
	if err != nil {
		return Truth{}, err
	}
	measuredStart := origin.Add(s.Idle)
	measuredEnd := measuredStart.Add(s.Measured)
	runEnd := measuredEnd.Add(s.Idle)

	// Power first: one reading every interval from the origin to the end,
	// at the phases' edges too, so that each phase's energy is exact.
	readings := make([]meter.Reading, 0, 4096)
	watts := func(t time.Time) float64 {
		if !t.Before(measuredStart) && !t.After(measuredEnd) {
			return s.BusyWatts
		}
		return s.IdleWatts
	}
	channels := max(s.Channels, 1)
	names := make([]string, channels)
	for c := range names {
		names[c] = fmt.Sprintf("gpu%d", c)
	}
	n := 0
	for t := origin; !t.After(runEnd); t = t.Add(s.SampleInterval) {
		for _, name := range names {
			readings = append(readings, meter.Reading{Meter: "synthetic", Channel: name, Component: meter.GPU, Time: t, Watts: watts(t), Joules: math.NaN()})
		}
		n++
		if len(readings) >= cap(readings)-channels {
			w.Readings(readings)
			readings = readings[:0]
		}
	}
	w.Readings(readings)

	// Requests, recorded as a run records them: in the order they end.
	gap := s.Measured / time.Duration(s.Requests)
	pending := &byEnd{}
	chunks := make([]time.Duration, s.Chunks)
	record := func(p pendingRequest) {
		first := ttftOf(p.id)
		for k := range chunks {
			chunks[k] = first + time.Duration(k)*itl
		}
		w.Request(trace.PhaseMeasured, backend.Record{
			ID: p.id, Model: s.Model, Start: p.start, FirstToken: p.start.Add(first), End: p.end,
			Chunks: chunks, ChunkCount: s.Chunks, Streamed: true,
			InputTokens: s.InputTokens, OutputTokens: s.Chunks, FinishReason: "length",
		})
	}
	e2eOf := func(i int) time.Duration { return ttftOf(i) + time.Duration(s.Chunks-1)*itl }
	for i := range s.Requests {
		start := measuredStart.Add(time.Duration(i)*gap + gap/2)
		for pending.Len() > 0 && !(*pending)[0].end.After(start) {
			record(heap.Pop(pending).(pendingRequest))
		}
		heap.Push(pending, pendingRequest{id: i, start: start, end: start.Add(e2eOf(i))})
		if progress != nil && i%1_000_000 == 0 {
			progress(i)
		}
	}
	for pending.Len() > 0 {
		record(heap.Pop(pending).(pendingRequest))
	}
	w.Phase(s.Model, trace.PhaseIdleBefore, origin, measuredStart, 0)
	w.Phase(s.Model, trace.PhaseMeasured, measuredStart, measuredEnd, 0)
	w.Phase(s.Model, trace.PhaseIdleAfter, measuredEnd, runEnd, 0)
	if err := w.Close(); err != nil {
		return Truth{}, err
	}
	started := origin.Round(0).Truncate(time.Microsecond) // wall time, as run.json keeps it
	meta := rundir.Meta{
		Tool: "aienergy", Version: "synthetic", Name: "synthetic day", RunID: filepath.Base(dir),
		StartedAt: started, EndedAt: started.Add(runEnd.Sub(origin)),
		Models:  []string{s.Model},
		Backend: rundir.Backend{Type: "vllm", Endpoint: "http://synthetic.invalid/v1", API: "chat", Stream: true},
		Load: rundir.Load{Mode: "rate", Requests: s.Requests, DurationS: s.Measured.Seconds(), Dataset: "synthetic",
			RateRPS: float64(s.Requests) / s.Measured.Seconds(), Arrival: "constant"},
		Meters: []rundir.Meter{{Name: "synthetic", Type: "synthetic", Reads: n, AchievedHz: 1 / s.SampleInterval.Seconds(),
			MaxGapS: s.SampleInterval.Seconds(), UpdateIntervalS: s.SampleInterval.Seconds(), IntervalS: s.SampleInterval.Seconds()}},
		Carbon: rundir.Carbon{CountryISO: "FRA", PUE: 1},
	}
	if err := rundir.WriteJSON(dir, rundir.MetaFile, meta); err != nil {
		return Truth{}, err
	}
	ttftPct := func(p float64) float64 { return ms(ttftMin) + ms(ttftSpread)*p/100 }
	return Truth{
		Completed: s.Requests, InputTokens: s.Requests * s.InputTokens, OutputTokens: s.Requests * s.Chunks,
		EnergyJ:    float64(channels) * s.BusyWatts * s.Measured.Seconds(),
		NetEnergyJ: float64(channels) * (s.BusyWatts - s.IdleWatts) * s.Measured.Seconds(),
		TTFTMs:     ttftPct,
		E2EMs:      func(p float64) float64 { return ttftPct(p) + ms(time.Duration(s.Chunks-1)*itl) },
		ITLMs:      ms(itl),
	}, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

type pendingRequest struct {
	id         int
	start, end time.Time
}

// byEnd is a min-heap of requests by end time, then id.
type byEnd []pendingRequest

func (h byEnd) Len() int { return len(h) }
func (h byEnd) Less(i, j int) bool {
	if !h[i].end.Equal(h[j].end) {
		return h[i].end.Before(h[j].end)
	}
	return h[i].id < h[j].id
}
func (h byEnd) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *byEnd) Push(x any)   { *h = append(*h, x.(pendingRequest)) }
func (h *byEnd) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
