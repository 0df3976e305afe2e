package analysis

import (
	"math"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/trace"
)

var nan = math.NaN()

// powerSamples builds power-only samples of one channel.
func powerSamples(meter, channel, component string, t, w []float64) []trace.Sample {
	out := make([]trace.Sample, len(t))
	for i := range t {
		out[i] = trace.Sample{Meter: meter, Channel: channel, Component: component, T: t[i], Watts: w[i], Joules: nan}
	}
	return out
}

// counterSamples builds counter-only samples of one channel.
func counterSamples(meter, channel, component string, t, j []float64) []trace.Sample {
	out := make([]trace.Sample, len(t))
	for i := range t {
		out[i] = trace.Sample{Meter: meter, Channel: channel, Component: component, T: t[i], Watts: nan, Joules: j[i]}
	}
	return out
}

// profile samples a power profile hz times a second over [from, to];
// sample k is at k/hz, so times like 2.5 are exact.
func profile(meter, channel, component string, from, to float64, hz int, watts func(t float64) float64) []trace.Sample {
	var out []trace.Sample
	for k := int(math.Ceil(from*float64(hz) - 1e-6)); float64(k)/float64(hz) <= to+1e-9; k++ {
		t := float64(k) / float64(hz)
		out = append(out, trace.Sample{Meter: meter, Channel: channel, Component: component, T: t, Watts: watts(t), Joules: nan})
	}
	return out
}

func constant(w float64) func(float64) float64 { return func(float64) float64 { return w } }

// oneSeries groups samples that must form exactly one channel.
func oneSeries(t *testing.T, samples []trace.Sample, maxRange map[string]float64) *Series {
	t.Helper()
	ss, err := GroupSeries(samples, Declared{MaxRangeJ: maxRange})
	if err != nil {
		t.Fatalf("GroupSeries: %v", err)
	}
	if len(ss) != 1 {
		t.Fatalf("GroupSeries gave %d channels, want 1", len(ss))
	}
	return ss[0]
}

// near reports whether got is within 1e-9 (relative, or absolute near 0)
// of want.
func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

func checkNear(t *testing.T, what string, got, want float64) {
	t.Helper()
	if !near(got, want) {
		t.Errorf("%s = %.12g, want %.12g", what, got, want)
	}
}

// checkPtr checks an optional figure: want nil means the figure must be
// absent.
func checkPtr(t *testing.T, what string, got, want *float64) {
	t.Helper()
	switch {
	case want == nil && got != nil:
		t.Errorf("%s = %.12g, want absent", what, *got)
	case want != nil && got == nil:
		t.Errorf("%s absent, want %.12g", what, *want)
	case want != nil && !near(*got, *want):
		t.Errorf("%s = %.12g, want %.12g", what, *got, *want)
	}
}

func ptr(v float64) *float64 { return &v }

func containsWarning(ws []string, part string) bool {
	for _, w := range ws {
		if strings.Contains(w, part) {
			return true
		}
	}
	return false
}

// The slice forms of requestTally that the tests of counting, apportioning
// and latency use: each feeds the records through a tally, as Analyze does.

// countRequests tallies measured requests whole.
func countRequests(reqs []trace.Request) RequestCounts {
	t := newRequestTally(math.Inf(-1), math.Inf(1), false)
	for _, r := range reqs {
		t.count(r)
	}
	return t.counts()
}

// steadyRequests apportions reqs to the steady-state window [from, to].
func steadyRequests(reqs []trace.Request, from, to float64) RequestCounts {
	t := newRequestTally(from, to, true)
	for _, r := range reqs {
		t.add(r)
	}
	return t.counts()
}

// measureLatency describes the successful requests among reqs.
func measureLatency(reqs []trace.Request) Latency {
	var l latencyTally
	for _, r := range reqs {
		if r.OK() {
			l.add(r)
		}
	}
	return l.result()
}

// measureThroughput relates n and the busy time of reqs to [from, to].
func measureThroughput(reqs []trace.Request, n RequestCounts, from, to float64, requested int) Throughput {
	t := newRequestTally(from, to, false)
	for _, r := range reqs {
		t.add(r)
	}
	return throughput(n, t.busy, from, to, requested)
}
