package analysis

import (
	"runtime"
	"testing"

	"github.com/aienergy/aienergy/trace"
)

// A server that streams tiny chunks until the timeout leaves 64 Ki chunk
// times per request. Their pooled gaps go into a sketch: the memory it
// allocates stops growing once it holds quantile.DefaultExactLimit
// values, so four times the gaps cost no more.
func TestLatencyMemoryPerGap(t *testing.T) {
	const chunks = 1 << 16
	alloc := func(requests int) uint64 {
		reqs := make([]trace.Request, requests)
		c := make([]float64, chunks)
		for j := range c {
			c[j] = 0.1 + float64(j)*1e-4
		}
		for i := range reqs {
			reqs[i] = trace.Request{ID: i, Model: "m", Phase: trace.PhaseMeasured, Start: 1, FirstToken: 1.1, End: 1.1 + chunks*1e-4,
				Chunks: c, ChunkCount: chunks, Streamed: true, OutputTokens: chunks}
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		l := measureLatency(reqs)
		runtime.ReadMemStats(&after)
		if gaps := requests * (chunks - 1); l.ITL.Count != gaps {
			t.Fatalf("ITL over %d gaps, want %d", l.ITL.Count, gaps)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	small, large := alloc(8), alloc(32) // 0.5 and 2 million gaps
	t.Logf("allocated %.1f MiB for 0.5 M gaps, %.1f MiB for 2 M", float64(small)/(1<<20), float64(large)/(1<<20))
	const bound = 16 << 20
	if small > bound || large > bound {
		t.Errorf("allocated %d and %d bytes, want at most %d each", small, large, bound)
	}
	if large > small+1<<20 {
		t.Errorf("4× the gaps allocated %d bytes more, want at most 1 MiB more", large-small)
	}
}
