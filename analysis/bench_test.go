package analysis

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/aienergy/aienergy/trace"
)

// benchRun is an hour of 10 Hz samples on four channels — two GPUs with
// counter and power, a RAPL package counter that wraps, a wall meter with
// power only — and 10,000 streamed requests of 20 chunks each.
func benchRun() ([]trace.Sample, []trace.Request, []trace.Phase) {
	const (
		hz       = 10
		seconds  = 3600
		requests = 10000
		chunks   = 20
		raplWrap = 262143.328850 // a typical max_energy_range_uj, in J
	)
	rng := rand.New(rand.NewPCG(1, 2))
	var samples []trace.Sample
	gpuJ := [2]float64{}
	cpuJ := 0.0
	for k := 0; k <= seconds*hz; k++ {
		t := float64(k)/hz + rng.Float64()*0.004 // sampler jitter
		for g := range gpuJ {
			w := 250 + 100*math.Sin(t/30+float64(g))
			gpuJ[g] += w / hz
			samples = append(samples, trace.Sample{Meter: "nvml", Channel: []string{"gpu0", "gpu1"}[g], Component: "gpu", T: t, Watts: w, Joules: gpuJ[g]})
		}
		cpuJ = math.Mod(cpuJ+80.0/hz, raplWrap)
		samples = append(samples, trace.Sample{Meter: "rapl", Channel: "package-0", Component: "cpu", T: t, Watts: nan, Joules: cpuJ})
		samples = append(samples, trace.Sample{Meter: "pdu", Channel: "outlet", Component: "wall", T: t, Watts: 900 + 50*rng.Float64(), Joules: nan})
	}
	reqs := make([]trace.Request, requests)
	for i := range reqs {
		start := 60 + float64(i)*0.345
		c := make([]float64, chunks)
		for j := range c {
			c[j] = 0.2 + float64(j)*0.03
		}
		reqs[i] = trace.Request{ID: i, Model: "m", Phase: trace.PhaseMeasured, Start: start, FirstToken: start + 0.2,
			End: start + c[chunks-1], Chunks: c, InputTokens: 200, OutputTokens: chunks}
	}
	phases := []trace.Phase{
		{Model: "m", Name: trace.PhaseIdleBefore, Start: 0, End: 60},
		{Model: "m", Name: trace.PhaseMeasured, Start: 60, End: 3540},
		{Model: "m", Name: trace.PhaseIdleAfter, Start: 3540, End: 3600},
	}
	return samples, reqs, phases
}

func BenchmarkAnalyze(b *testing.B) {
	samples, reqs, phases := benchRun()
	opts := Options{CountryISO: "FRA", MaxRange: map[string]float64{"rapl/package-0": 262143.328850}}
	for b.Loop() {
		res, err := Analyze(samples, trace.Slice(reqs), phases, opts)
		if err != nil {
			b.Fatal(err)
		}
		m := res.Models[0]
		if m.EnergyJ == nil || m.Channels[3].Key != "rapl/package-0" || m.Channels[3].Wraps != 1 {
			b.Fatal("benchmark run lost its energy or its counter wrap")
		}
	}
}

// BenchmarkAnalyzeStream is Analyze's pass over requests made on the fly
// (none held), 16 chunks each, one failure in 101: the cost per record of
// a day-long run. "generate" is the generator alone, to subtract.
func BenchmarkAnalyzeStream(b *testing.B) {
	const n = 500_000
	gen := synthRequests{n: n, chunks: 16, failEvery: 101, shape: uniformShape}
	phases := gen.phases()
	b.Run("analyze", func(b *testing.B) {
		b.ReportAllocs()
		runs := 0
		for b.Loop() {
			res, err := Analyze(nil, gen, phases, Options{})
			if err != nil {
				b.Fatal(err)
			}
			if res.Models[0].Latency.ITL.QuantileRelError == 0 {
				b.Fatal("inter-token gaps not sketched")
			}
			runs++
		}
		b.ReportMetric(float64(runs*n)/b.Elapsed().Seconds(), "requests/s")
	})
	b.Run("generate", func(b *testing.B) {
		runs := 0
		for b.Loop() {
			_ = gen.Each(func(trace.Request) error { return nil })
			runs++
		}
		b.ReportMetric(float64(runs*n)/b.Elapsed().Seconds(), "requests/s")
	})
}
