package rundir

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// fields gives typed access to one CSV row by column name; the first
// conversion error is kept in err.
type fields struct {
	cols   map[string]int
	row    []string
	err    error
	intern map[string]string // the file's repeated names, one copy each
}

func (f *fields) str(name string) string { return f.row[f.cols[name]] }

// col is the position of column name, -1 when the file lacks it: a reader
// of millions of rows looks its columns up once, not per row.
func (f *fields) col(name string) int {
	if i, ok := f.cols[name]; ok {
		return i
	}
	return -1
}

// name is str for a cell that is kept: a model, phase or channel name. A
// cell is a slice of its whole row's text, which keeping it would keep
// too (with a request's chunk times, 600 kB), so it is copied, once per
// distinct name.
func (f *fields) name(col string) string { return f.nameAt(f.cols[col]) }

func (f *fields) nameAt(i int) string {
	s := f.row[i]
	if v, ok := f.intern[s]; ok {
		return v
	}
	s = strings.Clone(s)
	f.intern[s] = s
	return s
}

// has reports whether the file has an optional column.
func (f *fields) has(name string) bool {
	_, ok := f.cols[name]
	return ok
}

func (f *fields) float(name string) float64 { return f.floatAt(f.cols[name], name) }

func (f *fields) floatAt(i int, name string) float64 {
	if v, ok := parseDecimal(f.row[i]); ok {
		return v
	}
	v, err := strconv.ParseFloat(f.row[i], 64)
	if err != nil && f.err == nil {
		f.err = fmt.Errorf("%s: %q is not a number", name, f.row[i])
	}
	return v
}

// optFloat reads an optional number: an empty cell is NaN, "no value".
func (f *fields) optFloat(name string) float64 { return f.optFloatAt(f.cols[name], name) }

func (f *fields) optFloatAt(i int, name string) float64 {
	if f.row[i] == "" {
		return math.NaN()
	}
	return f.floatAt(i, name)
}

func (f *fields) int(name string) int { return f.intAt(f.cols[name], name) }

func (f *fields) intAt(i int, name string) int {
	v, err := strconv.Atoi(f.row[i])
	if err != nil && f.err == nil {
		f.err = fmt.Errorf("%s: %q is not an integer", name, f.row[i])
	}
	return v
}

// chunkTimes reads a chunk_ms cell — milliseconds since the request's
// start, separated by spaces — as seconds, appended to buf[:0]: a request
// can have 64 Ki of them, so a pass over the file reuses one buffer.
func chunkTimes(cell string, buf []float64) ([]float64, error) {
	out := buf[:0]
	for c := range strings.FieldsSeq(cell) {
		v, ok := parseDecimal(c)
		if !ok {
			var err error
			if v, err = strconv.ParseFloat(c, 64); err != nil {
				return buf, fmt.Errorf("chunk_ms: %q is not a number", c)
			}
		}
		out = append(out, v/1000)
	}
	return out, nil
}

// parseDecimal reads the plain decimals the writer writes ("1234.567"):
// a long run's file holds hundreds of millions, and strconv.ParseFloat
// takes ten times as long. It gives exactly ParseFloat's value: the digits
// make an integer below 2^53 and the decimals a power of ten up to 10^6,
// both exact, and IEEE division rounds their quotient correctly, as
// ParseFloat rounds the decimal. Anything else (signs, exponents, more
// digits) is not ok, for ParseFloat to read.
func parseDecimal(s string) (float64, bool) {
	var n uint64
	digits, decimals := 0, -1
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			n = n*10 + uint64(c-'0')
			digits++
			if decimals >= 0 {
				decimals++
			}
		case c == '.' && decimals < 0:
			decimals = 0
		default:
			return 0, false
		}
	}
	if digits == 0 || digits > 15 || decimals > 6 {
		return 0, false
	}
	return float64(n) / pow10[max(decimals, 0)], true
}

var pow10 = [...]float64{1, 10, 100, 1e3, 1e4, 1e5, 1e6}

// badRow is a row's own fault: one bad cell, a field that does not
// parse. The row is skipped and counted; any other error from a row
// function stops the read.
type badRow struct{ err error }

func (b badRow) Error() string { return b.err.Error() }

// rowErr is f's conversion error, if any, as a bad row.
func rowErr(f fields) error {
	if f.err != nil {
		return badRow{f.err}
	}
	return nil
}

// readCSV reads the file name of dir row by row, streamed: power.csv and
// requests.csv grow with the run and are never held whole. header is the
// columns the file must have. It returns where the file's complete rows
// end, for passes that read it again (eachRow).
func readCSV(dir, name string, header []string, raw *Raw, row func(fields) error) (end int64, err error) {
	path := filepath.Join(dir, name)
	file, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("reading run directory: %w", err)
	}
	// A crash can leave half a row at the end; drop it and say so.
	end, whole, err := CompleteRows(file)
	file.Close()
	if err != nil {
		return 0, fmt.Errorf("reading run directory: %w", err)
	}
	if !whole {
		raw.Warnings = append(raw.Warnings, fmt.Sprintf("%s: dropped an incomplete last row (the run was cut off while writing)", name))
	}
	// A row that cannot be read is skipped and counted: one damaged cell
	// must not cost the run every figure. phases.csv is the exception:
	// without its rows nothing can be placed in time.
	skipped, first, err := eachRow(path, end, header, name == PhasesFile, row)
	if skipped > 0 {
		raw.Warnings = append(raw.Warnings, fmt.Sprintf("%s: %d unreadable row(s) skipped; the first: %s", name, skipped, first))
	}
	return end, err
}

// eachRow calls row with every row of the CSV file at path up to end.
// Rows that do not parse as CSV, or for which row returns a badRow, are
// skipped and counted (first describes the first), unless strict; any
// other error from row stops the read and is returned as it is.
func eachRow(path string, end int64, header []string, strict bool, row func(fields) error) (skipped int, first string, err error) {
	file, err := os.Open(path)
	if err != nil {
		return 0, "", fmt.Errorf("reading run directory: %w", err)
	}
	defer file.Close()
	r := csv.NewReader(bufio.NewReaderSize(io.NewSectionReader(file, 0, end), 64<<10))
	r.ReuseRecord = true
	got, err := r.Read()
	if err != nil {
		return 0, "", fmt.Errorf("%s: missing header row", path)
	}
	cols := map[string]int{}
	for i, h := range got {
		cols[h] = i
	}
	for _, h := range header {
		if _, ok := cols[h]; !ok {
			return 0, "", fmt.Errorf("%s:1: missing column %q (is this an aienergy run directory?)", path, h)
		}
	}
	intern := map[string]string{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return skipped, first, nil
		}
		// A row that failed to parse has no field positions to ask for
		// (FieldPos panics): its line comes with the error.
		var line int
		var pe *csv.ParseError
		var bad badRow
		switch {
		case errors.As(err, &pe):
			line = pe.StartLine
		case err != nil: // the disk, not the file's content
			return skipped, first, fmt.Errorf("%s: %w", path, err)
		default:
			line, _ = r.FieldPos(0)
			if err = row(fields{cols: cols, row: rec, intern: intern}); err != nil && !errors.As(err, &bad) {
				return skipped, first, err
			}
		}
		if err == nil {
			continue
		}
		if strict {
			return skipped, first, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if skipped++; first == "" {
			first = fmt.Sprintf("line %d: %v", line, err)
		}
	}
}

// CompleteRows finds where f's last complete row ends: after its last
// newline. whole is false when bytes follow that newline (half a row, as
// a run cut off while writing leaves). merge reads shards the same way.
func CompleteRows(f *os.File) (end int64, whole bool, err error) {
	st, err := f.Stat()
	if err != nil {
		return 0, false, err
	}
	size := st.Size()
	if size == 0 {
		return 0, true, nil
	}
	// Look back block by block: the last row can be long (a request's
	// chunk times), but is read only once more.
	buf := make([]byte, 64<<10)
	for hi := size; hi > 0; {
		lo := max(hi-int64(len(buf)), 0)
		block := buf[:hi-lo]
		if _, err := f.ReadAt(block, lo); err != nil {
			return 0, false, err
		}
		if i := bytes.LastIndexByte(block, '\n'); i >= 0 {
			end = lo + int64(i) + 1
			return end, end == size, nil
		}
		hi = lo
	}
	return 0, false, nil
}
