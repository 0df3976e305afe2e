package trace

import (
	"math"
	"testing"
)

// TTFT and TPOT give only what was observed: nothing for an answer that
// came whole, no TPOT from a single chunk however many tokens it held.
func TestRequestLatencies(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name             string
		r                Request
		ttft, tpot       float64
		hasTTFT, hasTPOT bool
		chunks           int
	}{
		// TTFT 0.1 s; TPOT (1.5 − 1.1)/(5 − 1) = 0.1 s.
		{"stream", Request{Start: 1, FirstToken: 1.1, End: 1.5, OutputTokens: 5, Chunks: []float64{0.1, 0.2, 0.5}, ChunkCount: 3}, 0.1, 0.1, true, true, 3},
		{"one chunk of many tokens", Request{Start: 1, FirstToken: 1.1, End: 1.5, OutputTokens: 5, Chunks: []float64{0.1}}, 0.1, 0, true, false, 1},
		{"one token", Request{Start: 1, FirstToken: 1.1, End: 1.5, OutputTokens: 1, Chunks: []float64{0.1, 0.2}}, 0.1, 0, true, false, 2},
		{"answer that came whole", Request{Start: 1, FirstToken: nan, End: 1.5, OutputTokens: 5}, 0, 0, false, false, 0},
		// Only the first chunk times are kept of a long stream.
		{"long stream", Request{Start: 1, FirstToken: 1.1, End: 2.1, OutputTokens: 11, Chunks: []float64{0.1, 0.2}, ChunkCount: 100_000}, 0.1, 0.1, true, true, 100_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ttft, hasTTFT := tt.r.TTFT()
			tpot, hasTPOT := tt.r.TPOT()
			if hasTTFT != tt.hasTTFT || hasTPOT != tt.hasTPOT || math.Abs(ttft-tt.ttft) > 1e-12 || math.Abs(tpot-tt.tpot) > 1e-12 {
				t.Errorf("TTFT %v %v, TPOT %v %v; want %v %v, %v %v", ttft, hasTTFT, tpot, hasTPOT, tt.ttft, tt.hasTTFT, tt.tpot, tt.hasTPOT)
			}
			if got := tt.r.ContentChunks(); got != tt.chunks {
				t.Errorf("ContentChunks = %d, want %d", got, tt.chunks)
			}
		})
	}
}

func TestRequestOK(t *testing.T) {
	for _, tt := range []struct {
		class string
		want  bool
	}{{"", true}, {"timeout", false}, {"http", false}} {
		if got := (Request{ErrorClass: tt.class}).OK(); got != tt.want {
			t.Errorf("OK with error class %q = %v, want %v", tt.class, got, tt.want)
		}
	}
}
