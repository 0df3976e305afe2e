package dataset

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/parquet-go/parquet-go"
)

// readParquet reads one top-level string column of a Parquet file, page
// by page, without decoding the other columns.
func readParquet(path, col string) (table, error) {
	f, err := os.Open(path)
	if err != nil {
		return table{}, fmt.Errorf("dataset file %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return table{}, fmt.Errorf("dataset file %s: %w", path, err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return table{}, fmt.Errorf("dataset file %s is not a readable Parquet file: %w", path, err)
	}
	var names []string
	for _, c := range pf.Root().Columns() {
		names = append(names, c.Name())
	}
	name, err := pickColumn(path, col, names)
	if err != nil {
		return table{}, err
	}
	c := pf.Root().Column(name)
	if !c.Leaf() || c.Repeated() {
		return table{}, fmt.Errorf("%s: column %q is a list or struct, not text; set scenario.text_column_name to a text column", path, name)
	}
	if k := c.Type().Kind(); k != parquet.ByteArray {
		return table{}, fmt.Errorf("%s: column %q holds %s values, not text; set scenario.text_column_name to a text column", path, name, k)
	}
	t := table{column: name}
	pages := c.Pages()
	defer pages.Close()
	var buf []parquet.Value
	for {
		page, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return table{}, fmt.Errorf("%s: reading column %q: %w", path, name, err)
		}
		if n := int(page.NumValues()); cap(buf) < n {
			buf = make([]parquet.Value, n)
		}
		buf = buf[:page.NumValues()]
		n, err := readAll(page.Values(), buf)
		if err != nil {
			return table{}, fmt.Errorf("%s: reading column %q: %w", path, name, err)
		}
		for _, v := range buf[:n] {
			if v.IsNull() {
				t.skipped++
				continue
			}
			// string() copies: the page's memory is reused after Release.
			t.add(string(v.ByteArray()))
		}
		parquet.Release(page)
	}
	return t, nil
}

// readAll fills buf from r, which may hand out values in several calls.
func readAll(r parquet.ValueReader, buf []parquet.Value) (int, error) {
	read := 0
	for read < len(buf) {
		n, err := r.ReadValues(buf[read:])
		read += n
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return read, err
		}
		if n == 0 {
			return read, io.ErrNoProgress
		}
	}
	return read, nil
}
