package dataset

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// readCSV streams a CSV file whose first row names the columns to yield.
func readCSV(path, col string, yield func(string) bool) (table, error) {
	f, err := os.Open(path)
	if err != nil {
		return table{}, fmt.Errorf("dataset file %s: %w", path, err)
	}
	defer f.Close()
	return csvRows(f, path, col, yield)
}

// csvRows reads the CSV file f, named path, for readCSV.
func csvRows(f io.Reader, path, col string, yield func(string) bool) (table, error) {
	in := &recordLimiter{r: f}
	r := csv.NewReader(in)
	r.ReuseRecord = true
	fail := func(err error) (table, error) {
		if errors.Is(err, errRecordTooLong) {
			return table{}, fmt.Errorf("dataset file %s: the record at byte %d is longer than %d MiB, the limit for one record", path, in.mark, maxRecordBytes>>20)
		}
		return table{}, fmt.Errorf("dataset file %s: %w", path, err)
	}
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return table{}, fmt.Errorf("dataset file %s is empty; it needs a header row naming the columns", path)
	}
	if err != nil {
		return fail(err)
	}
	header = append([]string(nil), header...) // ReuseRecord
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
	t := table{column: c, yield: yield}
	for {
		in.mark = r.InputOffset()
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err == nil && r.InputOffset()-in.mark > maxRecordBytes {
			err = errRecordTooLong
		}
		if err != nil {
			return fail(err)
		}
		// A clone: the fields share one string, and a long column beside
		// the prompt must not stay in memory with it.
		if !t.add(strings.Clone(rec[idx])) {
			break
		}
	}
	return t, nil
}

var errRecordTooLong = errors.New("record too long")

// recordLimiter fails a read once the record that begins at mark (the
// reader's offset when the record was asked for) has passed
// maxRecordBytes: encoding/csv has no limit of its own and would hold a
// field of any size. It bounds memory; the exact check is on the offset
// after the record.
type recordLimiter struct {
	r          io.Reader
	read, mark int64
}

func (l *recordLimiter) Read(p []byte) (int, error) {
	if l.read-l.mark > maxRecordBytes {
		return 0, errRecordTooLong
	}
	n, err := l.r.Read(p)
	l.read += int64(n)
	return n, err
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
