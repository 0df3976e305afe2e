package synthrun

import (
	"container/heap"
	"math"
	"runtime"

	"github.com/aienergy/aienergy/trace"
)

// Stream is a long run's requests in miniature, made as they are read:
// N requests sent every 5 ms, request i of model Models[i mod len] (nil:
// "m"), the first Warmup in the warmup phase, each 0.5 to 2.5 s long with
// Chunks content chunks (2 or more), every 50th failed, given in the order
// they completed as requests.csv holds them. Nothing of them is held but
// those in flight: a pass costs the same memory at any N, so a test can
// hold a reader of it to a bound. Sample, when set, is called every
// 25 000 records, for the test to look at the heap.
type Stream struct {
	N, Chunks int
	Models    []string
	Warmup    int
	Sample    func()
}

// Len implements trace.Requests.
func (s Stream) Len() int { return s.N }

// Request is request i, its chunk times written into buf (nil: none).
func (s Stream) Request(i int, buf []float64) trace.Request {
	start := float64(i) * 0.005
	dur := 0.5 + float64(i*7919%1000)/500
	model := "m"
	if len(s.Models) > 0 {
		model = s.Models[i%len(s.Models)]
	}
	r := trace.Request{ID: i, Model: model, Phase: trace.PhaseMeasured, Start: start, End: start + dur,
		InputTokens: 100 + i%37, OutputTokens: s.Chunks, Streamed: true, ChunkCount: s.Chunks}
	if i < s.Warmup {
		r.Phase = trace.PhaseWarmup
	}
	if i%50 == 49 {
		r.FirstToken, r.ErrorClass, r.OutputTokens, r.ChunkCount = math.NaN(), "timeout", 0, 0
		return r
	}
	first := 0.05 + float64(i*104729%100)/1000
	r.FirstToken = start + first
	if buf != nil {
		for j := range buf {
			buf[j] = first + (dur-first)*float64(j)/float64(len(buf)-1)
		}
		r.Chunks = buf
	}
	return r
}

// Each implements trace.Requests; the records share one chunk buffer.
func (s Stream) Each(fn func(trace.Request) error) error {
	buf := make([]float64, s.Chunks)
	var pending inFlight // given once no later request can end before them
	given := 0
	give := func() error {
		r := s.Request(heap.Pop(&pending).(trace.Request).ID, buf)
		if given++; s.Sample != nil && given%25_000 == 0 {
			s.Sample()
		}
		return fn(r)
	}
	for i := range s.N {
		r := s.Request(i, nil)
		for len(pending) > 0 && pending[0].End <= r.Start {
			if err := give(); err != nil {
				return err
			}
		}
		heap.Push(&pending, r)
	}
	for len(pending) > 0 {
		if err := give(); err != nil {
			return err
		}
	}
	return nil
}

// inFlight is a min-heap of requests by end.
type inFlight []trace.Request

func (h inFlight) Len() int           { return len(h) }
func (h inFlight) Less(i, j int) bool { return h[i].End < h[j].End }
func (h inFlight) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *inFlight) Push(x any)        { *h = append(*h, x.(trace.Request)) }
func (h *inFlight) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// LiveHeap is the heap in use after a collection: what is held, not what
// awaits collection. A memory test calls it from Sample to find its peak.
func LiveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
