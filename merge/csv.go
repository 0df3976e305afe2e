package merge

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/aienergy/aienergy/rundir"
)

// A table is one CSV file of a shard, read row by row: power.csv and
// requests.csv grow with the run and are never held whole.
type table struct {
	path   string
	f      *os.File
	r      *csv.Reader
	header []string
	col    map[string]int
	// A crash can leave half a row at the end: it is not read.
	truncated bool
}

// openTable opens name in dir and checks that it has the columns need.
func openTable(dir, name string, need ...string) (*table, error) {
	path := filepath.Join(dir, name)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	end, whole, err := rundir.CompleteRows(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r := csv.NewReader(bufio.NewReaderSize(io.NewSectionReader(f, 0, end), 64<<10))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	t := &table{path: path, f: f, r: r, truncated: !whole, col: map[string]int{}}
	h, err := r.Read()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: missing header row", path)
	}
	t.header = append([]string(nil), h...)
	for i, c := range t.header {
		t.col[c] = i
	}
	for _, c := range need {
		if _, ok := t.col[c]; !ok {
			f.Close()
			return nil, fmt.Errorf("%s:1: missing column %q (is this an aienergy run directory?)", path, c)
		}
	}
	return t, nil
}

// each calls fn for every complete row. A row that cannot be read, or
// that fn refuses with a rowError, is skipped and counted; any other
// error of fn stops the reading.
func (t *table) each(fn func(row []string) error) (skipped int, first string, err error) {
	defer t.f.Close()
	for {
		row, err := t.r.Read()
		if err == io.EOF {
			return skipped, first, nil
		}
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe):
			err = rowError{fmt.Errorf("line %d: %v", pe.StartLine, pe.Err)}
		case err != nil:
			return skipped, first, fmt.Errorf("%s: %w", t.path, err)
		case len(row) != len(t.header):
			line, _ := t.r.FieldPos(0)
			err = rowError{fmt.Errorf("line %d: %d fields, the header has %d", line, len(row), len(t.header))}
		default:
			err = fn(row)
		}
		var re rowError
		if errors.As(err, &re) {
			if skipped++; first == "" {
				first = re.Error()
			}
			continue
		}
		if err != nil {
			return skipped, first, err
		}
	}
}

// rowError marks a row that is skipped, not a failure of the merge.
type rowError struct{ error }

// An outFile is a merged CSV file, written with the first shard's header;
// other shards' columns are placed by name.
type outFile struct {
	f      *os.File
	buf    *bufio.Writer
	w      *csv.Writer
	header []string
	row    []string
}

func createOut(path string, header []string) (*outFile, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666)
	if err != nil {
		return nil, err
	}
	buf := bufio.NewWriterSize(f, 64<<10)
	o := &outFile{f: f, buf: buf, w: csv.NewWriter(buf), header: header, row: make([]string, len(header))}
	if err := o.w.Write(header); err != nil {
		f.Close()
		return nil, err
	}
	return o, nil
}

// columnMap maps each output column to a shard's column; -1 where the
// shard's file lacks it (an older run's), written empty.
func (o *outFile) columnMap(t *table) []int {
	m := make([]int, len(o.header))
	for i, c := range o.header {
		j, ok := t.col[c]
		if !ok {
			j = -1
		}
		m[i] = j
	}
	return m
}

// write writes a shard's row through its column map.
func (o *outFile) write(row []string, cols []int) error {
	for i, j := range cols {
		if j < 0 {
			o.row[i] = ""
		} else {
			o.row[i] = row[j]
		}
	}
	return o.w.Write(o.row)
}

func (o *outFile) close() error {
	o.w.Flush()
	err := o.w.Error()
	if e := o.buf.Flush(); err == nil {
		err = e
	}
	if e := o.f.Sync(); err == nil {
		err = e
	}
	if e := o.f.Close(); err == nil {
		err = e
	}
	if err != nil {
		return fmt.Errorf("%s: %w", o.f.Name(), err)
	}
	return nil
}

// shift moves a time cell (seconds, empty for none) by off seconds.
func shift(cell string, off float64) (string, error) {
	if cell == "" {
		return "", nil
	}
	v, err := strconv.ParseFloat(cell, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return "", fmt.Errorf("%q is not a time", cell)
	}
	return formatSeconds(v + off), nil
}

// formatSeconds writes a time as the run directory does: µs, NaN empty.
func formatSeconds(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', 6, 64)
}
