package interchange

import (
	"bytes"
	"cmp"
	"math"
	"slices"
	"testing"
	"unsafe"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/internal/synthrun"
	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// syntheticSummary is the summary the interchange writers need of model m.
func syntheticSummary(n int) *report.Summary {
	return &report.Summary{Tool: "aienergy", RunID: "synthetic", Backend: rundir.Backend{Type: "vllm", API: "chat", Stream: true},
		Load:   rundir.Load{Mode: "concurrency", Concurrency: 400},
		Models: []analysis.ModelResult{{Model: "m", DurationS: float64(n) * 0.005}}}
}

// lowerExactLimit makes the metrics' sketches leave exact values at
// limit, so that a test sketches without making a quarter million values.
func lowerExactLimit(t *testing.T, limit int) {
	saved := sketchExactLimit
	sketchExactLimit = limit
	t.Cleanup(func() { sketchExactLimit = saved })
}

// The interchange files of a long run hold no request: each figure and
// list is a pass over requests.csv. 200 000 requests of 16 chunks, every
// per-request list written, keep the live heap within a bound that a
// sixth of the records collected would already fill.
func TestInterchangeHeapIsBounded(t *testing.T) {
	n, chunks := 200_000, 16
	if raceEnabled {
		n = 50_000
	}
	const bound = 8 << 20
	lowerExactLimit(t, 1<<12) // sketched well before n, as a day is
	saved := detailedLimits
	detailedLimits.requests, detailedLimits.gaps = math.MaxInt, math.MaxInt // every list, the most passes
	t.Cleanup(func() { detailedLimits = saved })

	base := synthrun.LiveHeap()
	peak := base
	raw := &rundir.Raw{Requests: synthrun.Stream{N: n, Chunks: chunks, Sample: func() { peak = max(peak, synthrun.LiveHeap()) }}}
	s := syntheticSummary(n)
	for _, k := range kinds {
		var out countingWriter
		if err := k.write(&out, s, raw, "m"); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d MiB written", k.name, out.n>>20)
	}
	held := n*int(sizeofRequest) + n*chunks*8
	t.Logf("live heap at most %d KiB above the start; the records collected would hold %d MiB", (peak-base)>>10, held>>20)
	if peak-base > bound {
		t.Errorf("live heap grew by %d MiB while writing, want under %d MiB", (peak-base)>>20, bound>>20)
	}
}

var sizeofRequest = unsafe.Sizeof(trace.Request{})

type countingWriter struct{ n int }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

// Past the sketches' exact limit the percentiles are within their relative
// error of the exact ones, which the files state; the peaks stay exact;
// past the detailed limits the per-request lists are left out, as vLLM
// leaves them out without --save-detailed, and the files say why.
func TestInterchangeLongRunFigures(t *testing.T) {
	const n = 20_000
	lowerExactLimit(t, 1000)
	saved := detailedLimits
	detailedLimits.requests = n / 2
	t.Cleanup(func() { detailedLimits = saved })
	gen := synthrun.Stream{N: n, Chunks: 3}
	raw := &rundir.Raw{Requests: gen}
	s := syntheticSummary(n)

	// The reference: every value held and sorted, as NumPy would.
	var e2el, ttfts []float64
	type event struct {
		t float64
		d int
	}
	var events []event
	buf := make([]float64, gen.Chunks)
	for i := range n {
		r := gen.Request(i, buf)
		if !r.OK() {
			continue
		}
		e2el = append(e2el, r.End-r.Start)
		ttfts = append(ttfts, r.FirstToken-r.Start)
		events = append(events, event{r.Start, 1}, event{r.End, -1})
	}
	slices.SortFunc(events, func(a, b event) int { return cmp.Or(cmp.Compare(a.t, b.t), a.d-b.d) })
	peak, cur := 0, 0
	for _, e := range events {
		cur += e.d
		peak = max(peak, cur)
	}
	exact := func(v []float64, p float64) float64 {
		slices.Sort(v)
		rank := p / 100 * float64(len(v)-1)
		lo := int(rank)
		return v[lo] + (v[min(lo+1, len(v)-1)]-v[lo])*(rank-float64(lo))
	}

	var buf2 bytes.Buffer
	if err := WriteModelVLLMBench(&buf2, s, raw, "m"); err != nil {
		t.Fatal(err)
	}
	v := decode(t, buf2.Bytes())
	for _, c := range []struct {
		key  string
		want float64
	}{
		{"median_e2el_ms", 1000 * exact(e2el, 50)}, {"p99_e2el_ms", 1000 * exact(e2el, 99)},
		{"p90_ttft_ms", 1000 * exact(ttfts, 90)}, {"median_ttft_ms", 1000 * exact(ttfts, 50)},
	} {
		got, _ := v[c.key].(float64)
		if math.Abs(got-c.want) > 0.001*c.want {
			t.Errorf("%s = %v, exact %v: off by more than 0.1 %%", c.key, got, c.want)
		}
	}
	if got := v["aienergy_percentile_relative_error"]; got != 0.001 {
		t.Errorf("aienergy_percentile_relative_error = %v, want 0.001", got)
	}
	if got := v["max_concurrent_requests"]; got != float64(peak) {
		t.Errorf("max_concurrent_requests = %v, want %d (a sort of every event)", got, peak)
	}
	if got := v["num_prompts"]; got != float64(n) {
		t.Errorf("num_prompts = %v, want %d", got, n)
	}
	// Past the detailed limit: serve.py's file without --save-detailed.
	for _, k := range vllmUndetailed {
		if _, ok := v[k]; ok {
			t.Errorf("%s written past the detailed limit", k)
		}
	}
	if l, _ := v["latencies"].([]any); len(l) != n {
		t.Errorf("latencies has %d entries, want %d (vLLM always writes it)", len(l), n)
	}
	if v["aienergy_per_request_lists"] == nil {
		t.Error("no aienergy_per_request_lists saying why the lists are left out")
	}

	var br bytes.Buffer
	if err := WriteModelBenchmarkReport(&br, s, raw, "m"); err != nil {
		t.Fatal(err)
	}
	b := decode(t, br.Bytes())
	if err := optimumLoad(map[string]any{"prefill": b["prefill"], "decode": b["decode"], "per_token": b["per_token"], "preprocess": b["preprocess"]}); err != nil {
		t.Errorf("optimum-benchmark cannot load the targets: %v", err)
	}
	if vals := at(t, b, "decode.latency.values").([]any); len(vals) != 0 {
		t.Errorf("decode.latency.values has %d entries past the detailed limit, want none", len(vals))
	}
	if got := at(t, b, "decode.latency.count"); got != float64(len(e2el)) {
		t.Errorf("decode.latency.count = %v, want %d: the figures count every request", got, len(e2el))
	}
	for _, k := range []string{"summary.aienergy_percentile_relative_error", "summary.aienergy_latency_values"} {
		if at(t, b, k) == nil {
			t.Errorf("%s missing", k)
		}
	}
}
