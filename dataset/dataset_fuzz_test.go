package dataset

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// Fuzz targets for the dataset readers: whatever a file holds, a reader
// returns prompts or an error, never panics, and keeps within its limits.
// Crashers found are kept in testdata/fuzz/<target>/.

func seedFiles(f *testing.F, pattern string) {
	files, _ := filepath.Glob(filepath.Join("testdata", pattern))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
}

// checkRows checks what a reader returned for any input: an error, or
// prompts none of which is blank or past the limit.
func checkRows(t testing.TB, rows []string, err error) {
	if err != nil {
		return
	}
	for _, r := range rows {
		if strings.TrimSpace(r) == "" || len(r) > maxRecordBytes {
			t.Fatalf("reader returned a blank or oversized prompt (%d bytes)", len(r))
		}
	}
}

func collectAll(read func(yield func(string) bool) (table, error)) ([]string, table, error) {
	var rows []string
	t, err := read(func(s string) bool { rows = append(rows, s); return true })
	return rows, t, err
}

func FuzzJSONL(f *testing.F) {
	seedFiles(f, "*.jsonl")
	f.Add([]byte(`{"messages":[{"role":"user","content":[{"type":"text","text":"a"}]}]}`))
	f.Add([]byte("{\"text\":null}\n\n{\"text\":\"\\u0000\"}"))
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, col := range []string{"", "prompt"} {
			rows, _, err := collectAll(func(y func(string) bool) (table, error) {
				return jsonlRows(bytes.NewReader(in), "fuzz.jsonl", col, y)
			})
			checkRows(t, rows, err)
		}
	})
}

func FuzzCSV(f *testing.F) {
	seedFiles(f, "*.csv")
	f.Add([]byte("\ufefftext\n\"a\"\"b\"\n,\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		rows, _, err := collectAll(func(y func(string) bool) (table, error) {
			return csvRows(bytes.NewReader(in), "fuzz.csv", "", y)
		})
		checkRows(t, rows, err)
	})
}

// parquetLayouts are the fixture and the layouts writers use: pages v1
// and v2, dictionaries, each codec.
func parquetLayouts(tb testing.TB) [][]byte {
	fixture, err := os.ReadFile(filepath.Join("testdata", "prompts.parquet"))
	if err != nil {
		tb.Fatal(err)
	}
	texts := []string{"alpha", "", "beta", "alpha", strings.Repeat("long prompt ", 50), "gamma", ""}
	dict := make([]dictRow, len(texts))
	for i, r := range textRows(texts...) {
		dict[i] = dictRow(r)
	}
	out := [][]byte{fixture, parquetBytes(tb, dict, parquet.Compression(&parquet.Snappy))}
	for _, codec := range []parquet.WriterOption{
		parquet.Compression(&parquet.Zstd), parquet.Compression(&parquet.Gzip),
		parquet.Compression(&parquet.Lz4Raw), parquet.Compression(&parquet.Brotli),
	} {
		out = append(out, parquetBytes(tb, textRows(texts...), codec, parquet.DataPageVersion(2)))
	}
	return out
}

// readParquetBytes reads data as a Parquet file and says whether
// parquet-go panicked on it (a panic recovered into an error) and how
// many bytes of heap the read took.
func readParquetBytes(t testing.TB, data []byte) (panicked bool, alloc uint64) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rows, _, err := collectAll(func(y func(string) bool) (table, error) {
		return parquetRows(bytes.NewReader(data), int64(len(data)), "fuzz.parquet", "", y)
	})
	runtime.ReadMemStats(&after)
	checkRows(t, rows, err)
	return errors.Is(err, errParquetPanic), after.TotalAlloc - before.TotalAlloc
}

// maxParquetAlloc is what reading one small damaged file may allocate: a
// few of the limits' buffers, never what a damaged size asks for.
const maxParquetAlloc = 64 << 20

func FuzzParquet(f *testing.F) {
	for _, b := range parquetLayouts(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if _, alloc := readParquetBytes(t, in); alloc > maxParquetAlloc {
			t.Fatalf("reading a %d-byte file allocated %d MiB", len(in), alloc>>20)
		}
	})
}

var mutants = flag.Int("parquet-mutants", 0, "byte-flip mutants of each Parquet layout for TestParquetMutants (0: 10000 of the fixture, 1000 with -short)")

// The fixture with a few bits flipped or bytes replaced, many times over:
// no mutant may panic or allocate what a damaged size asks for. parquet-go
// itself panics on some (slice bounds, nil pointers); those are recovered
// into errors and counted. -parquet-mutants=N runs N of every layout.
func TestParquetMutants(t *testing.T) {
	layouts := parquetLayouts(t)
	n := *mutants
	switch {
	case n == 0 && testing.Short():
		n, layouts = 1000, layouts[:1]
	case n == 0:
		n, layouts = 10_000, layouts[:1]
	}
	start := time.Now()
	for li, orig := range layouts {
		r := rand.New(rand.NewPCG(uint64(li), 0x6d7574616e74))
		recovered, worst := 0, uint64(0)
		for i := range n {
			b := mutate(r, orig)
			var panicked bool
			var alloc uint64
			func() {
				defer func() {
					if p := recover(); p != nil {
						saveMutant(t, b)
						t.Fatalf("layout %d mutant %d panicked: %v", li, i, p)
					}
				}()
				panicked, alloc = readParquetBytes(t, b)
			}()
			if panicked {
				recovered++
			}
			if alloc > maxParquetAlloc {
				saveMutant(t, b)
				t.Fatalf("layout %d mutant %d allocated %d MiB", li, i, alloc>>20)
			}
			worst = max(worst, alloc)
		}
		t.Logf("layout %d: %d mutants, 0 panics escaped, %d parquet-go panics recovered, at most %d KiB allocated", li, n, recovered, worst>>10)
	}
	t.Logf("%d mutants in %v", n*len(layouts), time.Since(start).Round(time.Millisecond))
}

// The text formats get the same treatment, 10 000 mutants of each fixture
// (1 000 with -short): no mutant may panic.
func TestTextMutants(t *testing.T) {
	n := 10_000
	if testing.Short() {
		n = 1_000
	}
	for _, file := range []string{"prompts.jsonl", "messages.jsonl", "prompts.csv", "bom_prompt.csv"} {
		read := jsonlRows
		if strings.HasSuffix(file, ".csv") {
			read = csvRows
		}
		orig, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(uint64(len(orig)), 0x6d7574616e74))
		failed := 0
		for i := range n {
			b := mutate(r, orig)
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("%s mutant %d panicked: %v\n%q", file, i, p, b)
					}
				}()
				rows, _, err := collectAll(func(y func(string) bool) (table, error) {
					return read(bytes.NewReader(b), file, "", y)
				})
				checkRows(t, rows, err)
				if err != nil {
					failed++
				}
			}()
		}
		t.Logf("%s: %d mutants, 0 panics, %d read as errors", file, n, failed)
	}
}

// saveMutant keeps a failing mutant as a seed of FuzzParquet.
func saveMutant(t *testing.T, b []byte) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParquet")
	name := filepath.Join(dir, fmt.Sprintf("mutant-%x", b[len(b)/2:len(b)/2+4]))
	if os.MkdirAll(dir, 0o755) == nil && os.WriteFile(name, fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", b), 0o644) == nil {
		t.Logf("kept as %s", name)
	}
}

// mutate returns a copy of orig with one to four bytes flipped or replaced
// at random.
func mutate(r *rand.Rand, orig []byte) []byte {
	b := bytes.Clone(orig)
	for range 1 + r.IntN(4) {
		if j := r.IntN(len(b)); r.IntN(2) == 0 {
			b[j] ^= 1 << r.IntN(8)
		} else {
			b[j] = byte(r.IntN(256))
		}
	}
	return b
}
