package analysis

import (
	"math"
	"reflect"
	"runtime"
	"slices"
	"testing"

	"github.com/aienergy/aienergy/quantile"
	"github.com/aienergy/aienergy/trace"
)

// synthRequests makes n measured records of model "m" on the fly, none
// stored, the same ones at every pass: what a day-long requests.csv read
// afresh gives Analyze. Request i starts at i × spacingS; its first
// content chunk comes shape(i, 0) s after the start and each of its
// chunks−1 further ones shape(i, k) s after the one before; it ends with
// its last chunk. Every failEvery-th request (0: none) times out after
// 1 s with no content. The chunk times of every record share one buffer,
// as a file reader's do.
type synthRequests struct {
	n, chunks int
	failEvery int
	shape     func(i, k int) float64
	// probe, when set, is called before every 2^16-th record.
	probe func(i int)
}

const spacingS = 0.01

func (s synthRequests) Len() int { return s.n }

func (s synthRequests) Each(fn func(trace.Request) error) error {
	buf := make([]float64, s.chunks)
	for i := range s.n {
		if s.probe != nil && i%(1<<16) == 0 {
			s.probe(i)
		}
		start := float64(i) * spacingS
		r := trace.Request{ID: i, Model: "m", Phase: trace.PhaseMeasured, Start: start, Streamed: true, InputTokens: 10}
		if s.failEvery > 0 && i%s.failEvery == 0 {
			r.FirstToken, r.End, r.ErrorClass = nan, start+1, "timeout"
		} else {
			at := 0.0
			for k := range buf {
				at += s.shape(i, k)
				buf[k] = at
			}
			r.Chunks, r.ChunkCount, r.OutputTokens = buf, s.chunks, s.chunks
			r.FirstToken, r.End = start+buf[0], start+buf[len(buf)-1]
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// phases is the measured phase that holds every record.
func (s synthRequests) phases() []trace.Phase {
	return []trace.Phase{{Model: "m", Name: trace.PhaseMeasured, Start: 0, End: float64(s.n)*spacingS + 10}}
}

// unit is a uniform value in [0, 1) fixed by (i, k): splitmix64.
func unit(i, k int) float64 {
	z := uint64(i)<<16 | uint64(k)
	z += 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11) / (1 << 53)
}

// Latency shapes, in seconds.
var (
	uniformShape = func(i, k int) float64 { return 0.005 + 0.2*unit(i, k) }
	// lognormalShape has a median of 30 ms and a long right tail.
	lognormalShape = func(i, k int) float64 {
		u1, u2 := unit(i, 2*k), unit(i, 2*k+1)
		z := math.Sqrt(-2*math.Log(1-u1)) * math.Cos(2*math.Pi*u2)
		return 0.03 * math.Exp(0.8*z)
	}
	// bimodalShape: 90 % fast (20–25 ms), 10 % stalled (2–3 s), so
	// p90 sits between the modes and p99 inside the slow one.
	bimodalShape = func(i, k int) float64 {
		if unit(i, k+1000) < 0.9 {
			return 0.02 + 0.005*unit(i, k)
		}
		return 2 + unit(i, k)
	}
)

// truth is what the test works out from a generator's definition alone,
// without Analyze: the values of each distribution, sorted, and the
// counts.
type truth struct {
	ttft, tpot, itl, e2e []float64 // ms, sorted
	completed, failed    int
	input, output        int
	busyS, windowSecs    float64
}

func groundTruth(s synthRequests) truth {
	var g truth
	for i := range s.n {
		if s.failEvery > 0 && i%s.failEvery == 0 {
			g.failed++
			g.busyS++
			continue
		}
		g.completed++
		g.input += 10
		g.output += s.chunks
		ttft, decode := s.shape(i, 0), 0.0
		g.ttft = append(g.ttft, 1000*ttft)
		for k := 1; k < s.chunks; k++ {
			gap := s.shape(i, k)
			decode += gap
			g.itl = append(g.itl, 1000*gap)
		}
		if s.chunks > 1 {
			g.tpot = append(g.tpot, 1000*decode/float64(s.chunks-1))
		}
		g.e2e = append(g.e2e, 1000*(ttft+decode))
		g.busyS += ttft + decode
	}
	for _, v := range [][]float64{g.ttft, g.tpot, g.itl, g.e2e} {
		slices.Sort(v)
	}
	g.windowSecs = float64(s.n)*spacingS + 10
	return g
}

// Analyze's one pass gives the figures worked out from the generator's
// definition: counts, tokens and throughput exactly; latency percentiles
// exactly below the exact limit and within the stated relative error of
// numpy's past it (300 000 requests: 296 907 successes, 890 721 gaps).
func TestAnalyzeStreamMatchesGroundTruth(t *testing.T) {
	tests := []struct {
		name string
		gen  synthRequests
		// relErr is the QuantileRelError each distribution must state.
		relErr [4]float64 // ttft, tpot, itl, e2e
	}{
		{"uniform, below the exact limit", synthRequests{n: 2000, chunks: 4, failEvery: 97, shape: uniformShape}, [4]float64{}},
		// 100 000 successes: TTFT, TPOT and E2E exact; 300 000 gaps sketched.
		{"uniform, gaps past the limit", synthRequests{n: 100_000, chunks: 4, failEvery: 0, shape: uniformShape}, [4]float64{0, 0, 0.001, 0}},
		{"uniform, past the limit", synthRequests{n: 300_000, chunks: 4, failEvery: 97, shape: uniformShape}, [4]float64{0.001, 0.001, 0.001, 0.001}},
		{"lognormal, past the limit", synthRequests{n: 300_000, chunks: 4, failEvery: 97, shape: lognormalShape}, [4]float64{0.001, 0.001, 0.001, 0.001}},
		{"bimodal, past the limit", synthRequests{n: 300_000, chunks: 4, failEvery: 97, shape: bimodalShape}, [4]float64{0.001, 0.001, 0.001, 0.001}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Analyze(nil, tt.gen, tt.gen.phases(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			m := modelOf(t, res, 0)
			g := groundTruth(tt.gen)
			if m.Completed != g.completed || m.Failed != g.failed || m.FailedByClass["timeout"] != g.failed ||
				m.InputTokens != g.input || m.OutputTokens != g.output || m.TokensEstimated {
				t.Errorf("counts %+v, want %d completed, %d failed (timeout), %d in, %d out, not estimated",
					m.RequestCounts, g.completed, g.failed, g.input, g.output)
			}
			checkNear(t, "requests/s", m.Throughput.RequestsPerS, float64(g.completed)/g.windowSecs)
			checkNear(t, "output tokens/s", m.Throughput.OutputTokensPerS, float64(g.output)/g.windowSecs)
			if c, want := m.Throughput.AchievedConcurrency, g.busyS/g.windowSecs; math.Abs(c-want) > 1e-9*want {
				t.Errorf("achieved concurrency %.12g, want %.12g", c, want)
			}
			for k, d := range []struct {
				name string
				got  Distribution
				want []float64
			}{{"ttft", m.Latency.TTFT, g.ttft}, {"tpot", m.Latency.TPOT, g.tpot}, {"itl", m.Latency.ITL, g.itl}, {"e2e", m.Latency.E2E, g.e2e}} {
				checkAgainstSorted(t, d.name, d.got, d.want, tt.relErr[k])
			}
		})
	}
}

// checkAgainstSorted checks a distribution against the sorted values it
// describes: count exact; mean, min and max within rounding; percentiles
// within rounding when relErr is 0, else within relErr of numpy's, which
// the distribution must state.
func checkAgainstSorted(t *testing.T, what string, got Distribution, sorted []float64, relErr float64) {
	t.Helper()
	if got.QuantileRelError != relErr {
		t.Errorf("%s: quantile relative error %v, want %v", what, got.QuantileRelError, relErr)
	}
	if got.Count != len(sorted) {
		t.Fatalf("%s: count %d, want %d", what, got.Count, len(sorted))
	}
	sum := 0.0
	for _, v := range sorted {
		sum += v
	}
	const rounding = 1e-9 // (start + t) − start in ms, sums in another order
	within := func(name string, got, want, rel float64) {
		if math.Abs(got-want) > (rel+rounding)*math.Abs(want) {
			t.Errorf("%s %s = %.9g, want %.9g within %g", what, name, got, want, rel)
		}
	}
	within("mean", got.Mean, sum/float64(len(sorted)), 0)
	within("min", got.Min, sorted[0], 0)
	within("max", got.Max, sorted[len(sorted)-1], 0)
	within("p50", got.P50, percentileSorted(sorted, 50), relErr)
	within("p90", got.P90, percentileSorted(sorted, 90), relErr)
	within("p99", got.P99, percentileSorted(sorted, 99), relErr)
}

// Analyze holds none of the records it goes through: the heap while 2
// million requests of 16 chunks (30 million gaps) pass stays under a
// bound that does not depend on their number — some megabytes of latency
// sketches — where holding them took 650 MB.
func TestAnalyzeStreamMemoryBounded(t *testing.T) {
	n := 2_000_000
	if testing.Short() {
		n = 300_000
	}
	var base runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&base)
	peak := base.HeapAlloc
	gen := synthRequests{n: n, chunks: 16, failEvery: 101, shape: uniformShape, probe: func(int) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
	}}
	res, err := Analyze(nil, gen, gen.phases(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	peak = max(peak, after.HeapAlloc)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(res)

	m := modelOf(t, res, 0)
	if want := n - (n+100)/101; m.Completed != want || m.Latency.ITL.Count != want*15 {
		t.Fatalf("%d completed, %d gaps; want %d and %d", m.Completed, m.Latency.ITL.Count, want, want*15)
	}
	grew := int64(peak) - int64(base.HeapAlloc)
	kept := int64(after.HeapAlloc) - int64(base.HeapAlloc)
	t.Logf("%d requests: heap grew by %.1f MiB at most, %.1f MiB kept after", n, float64(grew)/(1<<20), float64(kept)/(1<<20))
	// Four sketches of 2 MiB of exact values each while they fill, and
	// the garbage of growing them; then about 100 KiB of buckets each.
	const bound = 48 << 20
	if grew > bound {
		t.Errorf("heap grew by %d bytes while Analyze ran, want at most %d whatever the number of requests", grew, bound)
	}
	if kept > 1<<20 {
		t.Errorf("heap kept %d bytes after Analyze, want at most 1 MiB (the result)", kept)
	}
}

// onePass is records that are no trace.Slice: Analyze gets each as a
// copy, as from a file, so it can correct none of them in place.
type onePass []trace.Request

func (p onePass) Len() int { return len(p) }

func (p onePass) Each(fn func(trace.Request) error) error {
	for _, r := range p {
		r.Chunks = slices.Clone(r.Chunks)
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// The streamed pass checks usage as CheckUsage did: the same warnings
// (per model, in order of first appearance, every streamed record counted
// whatever its phase, the first contradicted one quoted as reported),
// while every figure — token totals, TPOT, per-model flags — comes from
// the corrected counts.
func TestAnalyzeStreamCorrectsUsage(t *testing.T) {
	five := []float64{0.1, 0.2, 0.3, 0.4, 0.5}
	req := func(id int, model, phase string, start float64, out int) trace.Request {
		return trace.Request{ID: id, Model: model, Phase: phase, Start: start, FirstToken: start + 0.1, End: start + 0.5,
			Streamed: true, Chunks: five, InputTokens: 7, OutputTokens: out}
	}
	reqs := onePass{
		req(1, "b", trace.PhaseWarmup, 1, 900), // b's first, in its warmup: counted by the check, not in the figures
		req(2, "a", trace.PhaseMeasured, 11, 5),
		req(3, "a", trace.PhaseMeasured, 12, 1_000_000), // a's first contradicted, quoted as 1000000
		req(4, "a", trace.PhaseMeasured, 13, 0),         // 0 with text
		req(5, "b", trace.PhaseMeasured, 31, 5),
		{ID: 6, Model: "a", Phase: trace.PhaseMeasured, Start: 14, FirstToken: nan, End: 15, InputTokens: 7, OutputTokens: 1_000_000}, // not streamed: kept
	}
	phases := append(threePhases("a"), trace.Phase{Model: "b", Name: trace.PhaseWarmup, Start: 0, End: 30},
		trace.Phase{Model: "b", Name: trace.PhaseMeasured, Start: 30, End: 40})
	before := slices.Clone(reqs)
	res, err := Analyze(nil, reqs, phases, Options{})
	if err != nil {
		t.Fatal(err)
	}
	held := slices.Clone([]trace.Request(reqs))
	wantWarnings := CheckUsage(held)
	if len(wantWarnings) != 2 {
		t.Fatalf("CheckUsage gave %q, want a warning for b and one for a", wantWarnings)
	}
	for _, w := range []string{
		"b: 1 of 2 streamed requests report output tokens their stream contradicts (request 1: 900 output tokens for 5 text chunks;",
		"a: 2 of 3 streamed requests report output tokens their stream contradicts (request 3: 1000000 output tokens for 5 text chunks;",
	} {
		if !containsWarning(res.Warnings, w) {
			t.Errorf("warnings %q lack %q", res.Warnings, w)
		}
	}
	if i, j := slices.Index(res.Warnings, wantWarnings[0]), slices.Index(res.Warnings, wantWarnings[1]); i < 0 || j != i+1 {
		t.Errorf("warnings %q, want CheckUsage's %q in its order", res.Warnings, wantWarnings)
	}
	for i := range reqs {
		if reqs[i].OutputTokens != before[i].OutputTokens || reqs[i].TokensEstimated {
			t.Errorf("record %d changed to %d output tokens (estimated %v)", reqs[i].ID, reqs[i].OutputTokens, reqs[i].TokensEstimated)
		}
	}

	a, b := modelOf(t, res, 0), modelOf(t, res, 1)
	// a: 5 + 5 (corrected) + 5 (corrected) + 1 000 000 (not streamed).
	if a.OutputTokens != 1_000_015 || !a.TokensEstimated || b.OutputTokens != 5 || b.TokensEstimated {
		t.Errorf("output tokens a %d (estimated %v), b %d (estimated %v); want 1000015 estimated, 5 as reported",
			a.OutputTokens, a.TokensEstimated, b.OutputTokens, b.TokensEstimated)
	}
	if !containsWarning(a.Warnings, "some token counts are estimated") {
		t.Errorf("model a warnings %q, want the estimated-tokens one", a.Warnings)
	}
	// TPOT = (end − first token) / (tokens − 1) = 400 ms / 4 with the
	// corrected 5 tokens, for each of a's three streamed requests; the
	// uncorrected counts gave 4e-4 ms and no TPOT for 0 tokens.
	checkDistribution(t, "a tpot", a.Latency.TPOT, Distribution{Count: 3, Mean: 100, P50: 100, P90: 100, P99: 100, Min: 100, Max: 100})
}

// Every figure of a model is the same whether its records come as a
// trace.Slice or one at a time from a generator, and whatever the pass
// does, Analyze never asks for Len (a filtered file would read itself
// once more to count).
func TestAnalyzeStreamSameAsSlice(t *testing.T) {
	gen := synthRequests{n: 5000, chunks: 6, failEvery: 13, shape: bimodalShape}
	held, err := trace.Collect(gen)
	if err != nil {
		t.Fatal(err)
	}
	phases := append(gen.phases(), trace.Phase{Model: "m", Name: trace.PhaseSteady, Start: 5, End: 40})
	for _, ph := range [][]trace.Phase{gen.phases(), phases} {
		fromGen, err := Analyze(nil, noLen{gen}, ph, Options{})
		if err != nil {
			t.Fatal(err)
		}
		fromSlice, err := Analyze(nil, trace.Slice(held), ph, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fromGen, fromSlice) {
			t.Errorf("with %d phases: from a generator\n%+v\nfrom a slice\n%+v", len(ph), *fromGen, *fromSlice)
		}
	}
}

type noLen struct{ trace.Requests }

func (noLen) Len() int { panic("Analyze called Len") }

// The sketch defaults are what Distribution's doc and docs/output.md
// state.
func TestQuantileDefaultsAsDocumented(t *testing.T) {
	if quantile.DefaultRelativeError != 0.001 || quantile.DefaultExactLimit != 262_144 {
		t.Errorf("quantile defaults: relative error %v, exact limit %d; docs/output.md says 0.001 and 262 144",
			quantile.DefaultRelativeError, quantile.DefaultExactLimit)
	}
}
