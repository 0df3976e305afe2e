package dataset

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// A file holds 50 good rows, then one record past maxRecordBytes: reading
// stops at what num_samples needs, so the big record is never read unless
// every row is asked for, and then it fails with the limit named.
func TestReadStopsAtNumSamples(t *testing.T) {
	huge := strings.Repeat("h", maxRecordBytes+1)
	var jsonl, csv bytes.Buffer
	csv.WriteString("id,text\n")
	for i := range 50 {
		fmt.Fprintf(&jsonl, "{\"text\":\"prompt %d\"}\n", i)
		fmt.Fprintf(&csv, "%d,prompt %d\n", i, i)
	}
	fmt.Fprintf(&jsonl, "{\"text\":\"%s\"}\n", huge)
	fmt.Fprintf(&csv, "50,\"%s\"\n", huge)
	for name, data := range map[string][]byte{"x.jsonl": jsonl.Bytes(), "x.csv": csv.Bytes()} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			set, err := LoadSpec(context.Background(), Spec{Name: p, NumSamples: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(set.Prompts) != 10 || set.Prompts[9] != "prompt 9" || set.Rows != 10 {
				t.Errorf("%d prompts (last %.20q) of %d rows; want the first 10 of 10 read", len(set.Prompts), set.Prompts[len(set.Prompts)-1], set.Rows)
			}
			_, err = LoadSpec(context.Background(), Spec{Name: p})
			if want := "longer than 16 MiB, the limit for one record"; err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("all rows: err = %v, want it to contain %q", err, want)
			}
		})
	}
}

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r    io.ReaderAt
	read atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.read.Add(int64(n))
	return n, err
}

// A Parquet file of many row groups is read only as far as the rows asked
// for.
func TestParquetReadStopsAtNumSamples(t *testing.T) {
	texts := make([]string, 300)
	for i := range texts {
		texts[i] = fmt.Sprintf("prompt %d ", i) + strings.Repeat("x", 2000)
	}
	var b bytes.Buffer
	w := parquet.NewGenericWriter[textRow](&b)
	for i, r := range textRows(texts...) {
		if _, err := w.Write([]textRow{r}); err != nil {
			t.Fatal(err)
		}
		if i%30 == 29 { // ten row groups
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	read := func(n int) (int, int64) {
		r := &countingReaderAt{r: bytes.NewReader(data)}
		rows := 0
		_, err := parquetRows(r, int64(len(data)), "x.parquet", "", func(string) bool { rows++; return rows < n })
		if err != nil {
			t.Fatal(err)
		}
		return rows, r.read.Load()
	}
	rows, some := read(4)
	all, whole := read(len(texts) + 1)
	if rows != 4 || all != len(texts) {
		t.Fatalf("read %d and %d rows, want 4 and %d", rows, all, len(texts))
	}
	t.Logf("4 rows: %d bytes read; all %d rows: %d bytes", some, len(texts), whole)
	if some > whole/4 {
		t.Errorf("reading 4 of %d rows read %d of the %d bytes the whole file takes", len(texts), some, whole)
	}
}

// sliceRows serves rows as a source.
func sliceRows(rows []string) rowsFunc {
	return func(yield func(string) bool) (table, error) {
		t := table{column: "text", yield: yield}
		for _, r := range rows {
			if !t.add(r) {
				break
			}
		}
		return t, nil
	}
}

// A shuffle that reads the source twice, keeping only the rows it picks,
// picks what shuffling every row would.
func TestShuffleKeepsOnlyPicks(t *testing.T) {
	var rows, usable []string
	for i := range 200 {
		s := fmt.Sprintf("row %d", i)
		if i%7 == 3 {
			s = " " // blank: skipped, and not counted
		} else {
			usable = append(usable, s)
		}
		rows = append(rows, s)
	}
	for _, seed := range []int64{0, 1, 42} {
		for _, n := range []int{1, 5, 100, len(usable) - 1, len(usable), 500} {
			spec := Spec{Shuffle: true, Seed: seed, NumSamples: n}
			got, err := collect(&Set{Source: "s"}, sliceRows(rows), spec)
			if err != nil {
				t.Fatal(err)
			}
			want := sample(&Set{Source: "s"}, usable, spec)
			if !slices.Equal(got.Prompts, want.Prompts) || got.Rows != want.Rows || len(got.Warnings) != len(want.Warnings) {
				t.Errorf("seed %d n %d: got %d prompts of %d rows %q, want %d of %d %q",
					seed, n, len(got.Prompts), got.Rows, got.Warnings, len(want.Prompts), want.Rows, want.Warnings)
			}
			if got.Skipped != 200-len(usable) {
				t.Errorf("seed %d n %d: skipped %d, want %d", seed, n, got.Skipped, 200-len(usable))
			}
		}
	}
}

// The prompts kept are bounded whatever the source holds.
func TestKeptPromptsLimit(t *testing.T) {
	big := strings.Repeat("p", 1<<20)
	rows := func(yield func(string) bool) (table, error) {
		t := table{yield: yield}
		for range 100 { // 100 MiB, the same string each time
			if !t.add(big) {
				break
			}
		}
		return t, nil
	}
	if _, err := collect(&Set{Source: "big"}, rows, Spec{NumSamples: 10}); err != nil {
		t.Errorf("10 samples: %v", err)
	}
	_, err := collect(&Set{Source: "big"}, rows, Spec{})
	if want := "big: the prompts to keep pass the 64 MiB limit at row 64"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("all rows: err = %v, want %q", err, want)
	}
}

// The metadata budget counts maxThriftElem bytes for each list element
// the decoder allocates; no element may be larger.
func TestThriftElemBound(t *testing.T) {
	for name, size := range map[string]uintptr{
		"ColumnChunk": unsafe.Sizeof(format.ColumnChunk{}), "RowGroup": unsafe.Sizeof(format.RowGroup{}),
		"SchemaElement": unsafe.Sizeof(format.SchemaElement{}), "KeyValue": unsafe.Sizeof(format.KeyValue{}),
		"ColumnOrder": unsafe.Sizeof(format.ColumnOrder{}), "SortingColumn": unsafe.Sizeof(format.SortingColumn{}),
		"PageEncodingStats": unsafe.Sizeof(format.PageEncodingStats{}),
	} {
		if size > maxThriftElem {
			t.Errorf("format.%s is %d bytes, more than maxThriftElem (%d)", name, size, maxThriftElem)
		}
	}
}
