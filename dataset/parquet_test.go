package dataset

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// dictRow is written dictionary-encoded, as pyarrow (and so the Hub's
// conversion) writes string columns by default.
type dictRow struct {
	ID   int64   `parquet:"id"`
	Text *string `parquet:"text,optional,dict"`
}

// The reader must not depend on how a writer laid the column out.
func TestReadParquetLayouts(t *testing.T) {
	texts := []string{"alpha", "", "beta", "alpha", strings.Repeat("long prompt ", 500), "gamma", ""}
	want := []string{"alpha", "beta", "alpha", strings.Repeat("long prompt ", 500), "gamma"}
	dict := make([]dictRow, len(texts))
	for i, r := range textRows(texts...) {
		dict[i] = dictRow(r)
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"plain, uncompressed", parquetBytes(t, textRows(texts...))},
		{"plain, snappy, page v1", parquetBytes(t, textRows(texts...), parquet.Compression(&parquet.Snappy), parquet.DataPageVersion(1))},
		{"plain, zstd, page v2", parquetBytes(t, textRows(texts...), parquet.Compression(&parquet.Zstd), parquet.DataPageVersion(2))},
		{"dictionary, snappy", parquetBytes(t, dict, parquet.Compression(&parquet.Snappy))},
		{"dictionary, one row group", func() []byte {
			p := filepath.Join(t.TempDir(), "x.parquet")
			f, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := parquet.Write(f, dict); err != nil {
				t.Fatal(err)
			}
			f.Close()
			b, _ := os.ReadFile(p)
			return b
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "x.parquet")
			if err := os.WriteFile(p, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			rows, got, err := readAllParquet(p, "")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rows, want) || got.skipped != 2 || got.column != "text" {
				t.Errorf("rows %q skipped %d column %q; want %q, 2, text", rows, got.skipped, got.column, want)
			}
		})
	}
}

type listRow struct {
	ID   int64    `parquet:"id"`
	Text []string `parquet:"text,list"`
}

func TestReadParquetNestedColumn(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.parquet")
	if err := os.WriteFile(p, parquetBytes(t, []listRow{{1, []string{"a", "b"}}}), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := readAllParquet(p, "text")
	if err == nil || !strings.Contains(err.Error(), `column "text" is a list or struct, not text`) {
		t.Errorf("err = %v", err)
	}
}

// readAllParquet reads every prompt of a Parquet file.
func readAllParquet(path, col string) ([]string, table, error) {
	var rows []string
	t, err := readParquet(path, col, func(s string) bool { rows = append(rows, s); return true })
	return rows, t, err
}
