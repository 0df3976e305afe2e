package dataset

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"
)

var update = flag.Bool("update", false, "rewrite testdata/prompts.parquet")

// textRow is a Parquet row with a nullable text column, as the Hub's
// conversion writes string columns.
type textRow struct {
	ID   int64   `parquet:"id"`
	Text *string `parquet:"text,optional"`
}

// promptRow has only a "prompt" column, for the fallback.
type promptRow struct {
	ID     int64  `parquet:"id"`
	Prompt string `parquet:"prompt"`
}

func strp(s string) *string { return &s }

// parquetBytes writes rows as a Parquet file with parquet-go, in pages
// small enough that a few rows span several pages and row groups.
func parquetBytes[T any](t testing.TB, rows []T, opts ...parquet.WriterOption) []byte {
	t.Helper()
	var b bytes.Buffer
	w := parquet.NewGenericWriter[T](&b, append([]parquet.WriterOption{parquet.PageBufferSize(64)}, opts...)...)
	for i := range rows {
		if _, err := w.Write(rows[i : i+1]); err != nil {
			t.Fatal(err)
		}
		if i%3 == 2 {
			if err := w.Flush(); err != nil { // end a row group every 3 rows
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// textRows makes rows whose text is given; "" stands for null.
func textRows(texts ...string) []textRow {
	rows := make([]textRow, len(texts))
	for i, s := range texts {
		rows[i].ID = int64(i + 1)
		if s != "" {
			rows[i].Text = strp(s)
		}
	}
	return rows
}

var fixtureTexts = []string{"What is a joule?", "Explain prefix caching in one paragraph.", "", "Write a haiku about watts."}

func TestWriteParquetFixture(t *testing.T) {
	if !*update {
		// Without -update, the committed fixture must be there; the
		// Parquet tests read it (go test ./dataset -run Fixture -update
		// rewrites it).
		if _, err := os.Stat(filepath.Join("testdata", "prompts.parquet")); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := os.WriteFile(filepath.Join("testdata", "prompts.parquet"), parquetBytes(t, textRows(fixtureTexts...)), 0o644); err != nil {
		t.Fatal(err)
	}
}
