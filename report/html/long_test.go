package html

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// longRun is a run of the given length sampled at 10 Hz on four channels
// (a GPU with power and counter, a counter-only CPU, a wall meter), with
// one-second requests two at a time through one measured phase, and its
// summary as the analysis computes it.
func longRun(t testing.TB, hours float64) (*report.Summary, *rundir.Raw) {
	t.Helper()
	end := hours * 3600
	raw := &rundir.Raw{Phases: []trace.Phase{
		{Model: "m", Name: trace.PhaseIdleBefore, Start: 0, End: 60},
		{Model: "m", Name: trace.PhaseMeasured, Start: 60, End: end - 60},
		{Model: "m", Name: trace.PhaseIdleAfter, Start: end - 60, End: end},
	}}
	gpuJ, cpuJ := 0.0, 0.0
	var samples []trace.Sample
	for i := 0; float64(i)/10 <= end; i++ {
		ts := float64(i) / 10
		w := 80.0
		if ts >= 60 && ts < end-60 {
			w = 250 + 40*math.Sin(ts/30)
		}
		if i%5000 == 2500 {
			w = 700 // a short spike the display must keep
		}
		gpuJ += w / 10
		cpuJ += w / 10 / 5
		samples = append(samples,
			trace.Sample{Meter: "nvml", Channel: "gpu0", Component: "gpu", T: ts, Watts: w, Joules: gpuJ},
			trace.Sample{Meter: "nvml", Channel: "gpu1", Component: "gpu", T: ts, Watts: w * 0.9, Joules: gpuJ * 0.9},
			trace.Sample{Meter: "rapl", Channel: "package-0", Component: "cpu", T: ts, Watts: math.NaN(), Joules: cpuJ},
			trace.Sample{Meter: "pdu", Channel: "outlet", Component: "wall", T: ts, Watts: w*1.9 + 100, Joules: math.NaN()},
		)
	}
	id := 0
	var reqs trace.Slice
	for w := range 2 {
		for ts := 60.0 + 0.3*float64(w); ts+1 <= end-60; ts += 1.05 {
			reqs = append(reqs, trace.Request{ID: id, Model: "m", Phase: trace.PhaseMeasured,
				Start: ts, FirstToken: ts + 0.1, End: ts + 1, Chunks: []float64{0.1, 0.5, 1}, InputTokens: 10, OutputTokens: 3})
			id++
		}
	}
	raw.Requests = reqs
	raw.Samples = trace.SampleSlice(samples)
	res, err := analysis.Analyze(samples, raw.Requests, raw.Phases, analysis.Options{CountryISO: "FRA"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	s := &report.Summary{Name: fmt.Sprintf("%g hours", hours), StartedAt: start, EndedAt: start.Add(time.Duration(end) * time.Second),
		Models: res.Models, Totals: res.Totals, Carbon: res.Carbon, Channels: res.Channels, Warnings: res.Warnings}
	return s, raw
}

// Four hours at 10 Hz: every sample counts in the figures, but the page
// stays small because each line is reduced for display.
func TestRenderLongRunIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds four hours of samples")
	}
	s, raw := longRun(t, 4)
	page, pc := render(t, s, raw)
	if len(page) > 2<<20 {
		t.Errorf("page is %d bytes, want under 2 MiB", len(page))
	}
	const perChannel = 4*3600*10 + 1
	for _, sr := range pc.Charts[0].Series {
		if len(sr.T) > 2*displayBuckets+3 {
			t.Errorf("%s: %d points drawn, want at most %d", sr.Label, len(sr.T), 2*displayBuckets+3)
		}
		if !strings.Contains(sr.Label, "in flight") && sr.Points < perChannel-1 {
			t.Errorf("%s: %d points before reduction, want all %d samples", sr.Label, sr.Points, perChannel)
		}
		if strings.HasPrefix(sr.Label, "nvml/gpu0") {
			if peak := maxOf(values(sr.V)); peak != 700 {
				t.Errorf("gpu0 drawn peak %v W, want the 700 W spike", peak)
			}
		}
	}
	mustContain(t, page, "<td>"+headline(s.Models[0]).JPerToken+"</td>")
	t.Logf("%d samples, %d requests: page of %d KiB", len(raw.Samples.(trace.SampleSlice)), raw.Requests.Len(), len(page)>>10)
}

func maxOf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		if !math.IsNaN(x) {
			m = max(m, x)
		}
	}
	return m
}

func BenchmarkRenderFourHours(b *testing.B) {
	s, raw := longRun(b, 4)
	for b.Loop() {
		if _, err := Render(s, raw); err != nil {
			b.Fatal(err)
		}
	}
}
