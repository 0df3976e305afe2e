package analysis

import (
	"runtime"
	"testing"

	"github.com/aienergy/aienergy/trace"
)

// A server that streams tiny chunks until the timeout leaves 64 Ki chunk
// times per request. Their pooled gaps are gathered once, in a slice of
// the exact size that is sorted in place: 8 bytes a gap, where a growing
// slice and a sorted copy took 6 times that.
func TestLatencyMemoryPerGap(t *testing.T) {
	const requests, chunks = 8, 1 << 16
	reqs := make([]trace.Request, requests)
	for i := range reqs {
		c := make([]float64, chunks)
		for j := range c {
			c[j] = 0.1 + float64(j)*1e-4
		}
		reqs[i] = trace.Request{ID: i, Model: "m", Phase: trace.PhaseMeasured, Start: 1, FirstToken: 1.1, End: 1.1 + chunks*1e-4,
			Chunks: c, ChunkCount: chunks, Streamed: true, OutputTokens: chunks}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	l := measureLatency(reqs)
	runtime.ReadMemStats(&after)
	gaps := requests * (chunks - 1)
	if l.ITL.Count != gaps {
		t.Fatalf("ITL over %d gaps, want %d", l.ITL.Count, gaps)
	}
	if perGap := float64(after.TotalAlloc-before.TotalAlloc) / float64(gaps); perGap > 12 {
		t.Errorf("%.1f bytes allocated per gap, want at most 12", perGap)
	}
}
