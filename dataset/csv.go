package dataset

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
)

// readCSV reads a CSV file whose first row names the columns.
func readCSV(path, col string) (table, error) {
	f, err := os.Open(path)
	if err != nil {
		return table{}, fmt.Errorf("dataset file %s: %w", path, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return table{}, fmt.Errorf("dataset file %s is empty; it needs a header row naming the columns", path)
	}
	if err != nil {
		return table{}, fmt.Errorf("dataset file %s: %w", path, err)
	}
	if len(header) > 0 {
		header[0] = trimBOM(header[0])
	}
	c, err := pickColumn(path, col, header)
	if err != nil {
		return table{}, err
	}
	idx := 0
	for i, h := range header {
		if h == c {
			idx = i
			break
		}
	}
	t := table{column: c}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return table{}, fmt.Errorf("dataset file %s: %w", path, err)
		}
		t.add(rec[idx])
	}
	return t, nil
}

// trimBOM drops a UTF-8 byte order mark, which spreadsheet programs put
// before the first column name.
func trimBOM(s string) string {
	const bom = "\ufeff"
	if len(s) >= len(bom) && s[:len(bom)] == bom {
		return s[len(bom):]
	}
	return s
}
