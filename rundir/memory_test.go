package rundir

import (
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/trace"
)

// maxChunks is the most chunk times a request records (the backend's
// limit): what a server streaming tiny chunks until the timeout leaves.
const maxChunks = 1 << 16

// longStream is a request that recorded n chunk times, 0.1 ms apart.
func longStream(origin time.Time, id, n int) backend.Record {
	chunks := make([]time.Duration, n)
	for i := range chunks {
		chunks[i] = time.Duration(i+1) * 100 * time.Microsecond
	}
	start := origin.Add(time.Second)
	return backend.Record{
		ID: id, Model: "m", Start: start, FirstToken: start.Add(chunks[0]), End: start.Add(chunks[n-1]),
		Chunks: chunks, ChunkCount: n, Streamed: true, InputTokens: 5, OutputTokens: n, FinishReason: "length",
	}
}

// heapGrowth is how many bytes f allocates (total) and how many of them
// are still reachable afterwards (retained), while keep holds f's result.
func heapGrowth(f func() any) (total, retained uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	keep := f()
	runtime.ReadMemStats(&after)
	total = after.TotalAlloc - before.TotalAlloc
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(keep)
	if after.HeapAlloc > before.HeapAlloc {
		retained = after.HeapAlloc - before.HeapAlloc
	}
	return total, retained
}

func TestChunkCellFormat(t *testing.T) {
	tests := []struct {
		chunks []time.Duration
		want   string
	}{
		{nil, ""},
		{[]time.Duration{50 * time.Millisecond}, "50.000"},
		{[]time.Duration{time.Microsecond, 1500 * time.Microsecond, 90 * time.Minute}, "0.001 1.500 5400000.000"},
		{[]time.Duration{1234567 * time.Nanosecond}, "1.235"}, // rounded to the µs
	}
	for _, tt := range tests {
		if got := chunkCell(tt.chunks); got != tt.want {
			t.Errorf("chunkCell(%v) = %q, want %q", tt.chunks, got, tt.want)
		}
	}
}

// A request's row is built in one buffer, not a string per chunk: a run
// of long streams must not cost a multiple of its requests.csv cells.
func TestRequestRowMemory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	origin := time.Now()
	w, err := Create(dir, origin)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	rec := longStream(origin, 1, maxChunks)
	cellBytes := len(chunkCell(rec.Chunks))
	// A string per chunk made it 65 546 allocations a row.
	if allocs := testing.AllocsPerRun(5, func() { w.Request("measured", rec) }); allocs > 50 {
		t.Errorf("%v allocations to write a row of %d chunks, want at most 50", allocs, maxChunks)
	}
	const rows = 4
	total, _ := heapGrowth(func() any {
		for range rows {
			w.Request("measured", rec)
		}
		return nil
	})
	// The cell itself and its buffer's spare room; a string per chunk
	// took 3.7×.
	if perRow := total / rows; perRow > uint64(2*cellBytes) {
		t.Errorf("writing a row of %d chunks allocated %d bytes, want at most twice its %d-byte cell", maxChunks, perRow, cellBytes)
	}
}

// Reading a run directory keeps nothing per request: the records are
// read again at each pass. A pass reuses one buffer for the chunk times of
// every row, so it allocates about one row's text and times at a time,
// however many rows there are.
func TestReadKeepsNoRequests(t *testing.T) {
	const requests = 6
	dir := filepath.Join(t.TempDir(), "run")
	origin := time.Now()
	w, err := Create(dir, origin)
	if err != nil {
		t.Fatal(err)
	}
	for i := range requests {
		w.Request("measured", longStream(origin, i, maxChunks))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(dir, MetaFile, Meta{EndedAt: finished}); err != nil {
		t.Fatal(err)
	}
	var raw *Raw
	_, retained := heapGrowth(func() any {
		raw, err = Read(dir)
		return raw
	})
	if err != nil {
		t.Fatal(err)
	}
	times := uint64(requests * maxChunks * 8)
	if retained > times/requests/4 {
		t.Errorf("reading kept %d bytes, want less than a quarter of one request's %d bytes of chunk times", retained, times/requests)
	}
	n, chunks := 0, 0
	total, _ := heapGrowth(func() any {
		err = raw.Requests.Each(func(r trace.Request) error {
			n++
			chunks += len(r.Chunks)
			return nil
		})
		return nil
	})
	if err != nil || n != requests || raw.Requests.Len() != requests || chunks != requests*maxChunks {
		t.Fatalf("a pass gave %d requests (Len %d), %d chunk times, error %v; want %d with %d each", n, raw.Requests.Len(), chunks, err, requests, maxChunks)
	}
	// Each row's text is made once (9–10 characters a chunk, about the
	// size of its times); the reader's buffers and the chunk buffer grow,
	// by doubling, to the longest row once. Chunk times of their own for
	// every row would add 1× more, a string per chunk 4×.
	if total > 4*times {
		t.Errorf("a pass allocated %d bytes for %d bytes of chunk times, want at most 4×", total, times)
	}
}

// Names kept from many rows of one pass share one copy.
func TestReadSharesNames(t *testing.T) {
	var rows []string
	for i := range 3 {
		rows = append(rows, strings.Join([]string{strconv.Itoa(i), "model-a", "measured", "1", "", "2", "", "", "1", "1", "false", "stop", "", "", ""}, ","))
	}
	dir := writeRun(t, Meta{}, requestsHeader[:15], rows...)
	raw, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	reqs := collect(t, raw)
	a, b := reqs[0].Model, reqs[2].Model
	if a != "model-a" || b != "model-a" || unsafe.StringData(a) != unsafe.StringData(b) {
		t.Errorf("models %q and %q: want one shared copy of model-a", a, b)
	}
}

// BenchmarkRequestPass is one pass over requests.csv, what every reader
// of a long run's requests pays per pass: 16 chunk times a request.
func BenchmarkRequestPass(b *testing.B) {
	const requests, chunks = 100_000, 16
	dir := filepath.Join(b.TempDir(), "run")
	origin := time.Now()
	w, err := Create(dir, origin)
	if err != nil {
		b.Fatal(err)
	}
	for i := range requests {
		w.Request("measured", longStream(origin, i, chunks))
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	if err := WriteJSON(dir, MetaFile, Meta{EndedAt: finished}); err != nil {
		b.Fatal(err)
	}
	raw, err := Read(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		n := 0
		if err := raw.Requests.Each(func(trace.Request) error { n++; return nil }); err != nil || n != requests {
			b.Fatal(n, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*requests), "ns/request")
}
