package interchange

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/aienergy/aienergy/rundir"
)

// A splicer writes a JSON document whose long lists are written item by
// item as they are produced, never held: a list is a pass over the run's
// requests (read afresh from requests.csv) that emits its elements as it
// goes. A day-long run has millions of requests, and a server that
// streams tiny chunks gives each thousands of inter-token gaps; indented
// as MarshalIndent writes them (about 30 bytes each), built once by the
// encoder and again by its indenter, they cost gigabytes for one file.
//
// The document is encoded with rundir.EncodeJSON, each list standing in
// as a placeholder string; the placeholders are then replaced, while the
// text is written out, by the lists in MarshalIndent's layout, so the
// file is byte for byte what EncodeJSON would have written.
type splicer struct {
	prefix string                   // every placeholder's start: unique to this splicer
	byName map[string]*streamedList // by placeholder
}

func newSplicer() *splicer {
	// A random prefix: no label or model name can be mistaken for a
	// placeholder.
	return &splicer{prefix: fmt.Sprintf("aienergy-streamed-list-%016x-", rand.Uint64()), byName: map[string]*streamedList{}}
}

// A streamedList stands in a document for a list a splicer writes.
type streamedList struct {
	placeholder string
	fill        func(a *array) error
}

// MarshalJSON writes the placeholder the splicer looks for.
func (l *streamedList) MarshalJSON() ([]byte, error) { return json.Marshal(l.placeholder) }

// list is a list whose elements fill writes into a, in order; an error
// from fill (requests.csv could not be read) fails the document.
func (sp *splicer) list(fill func(a *array) error) *streamedList {
	l := &streamedList{placeholder: sp.prefix + strconv.Itoa(len(sp.byName)), fill: fill}
	sp.byName[l.placeholder] = l
	return l
}

// write writes v as rundir.EncodeJSON does, with every list of the
// splicer in its place. Each must appear in v once.
func (sp *splicer) write(w io.Writer, v any) error {
	doc, err := rundir.EncodeJSON(v)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	quoted := []byte(`"` + sp.prefix)
	done := 0
	for {
		i := bytes.Index(doc, quoted)
		if i < 0 {
			break
		}
		end := i + 1 + bytes.IndexByte(doc[i+1:], '"') // the closing quote
		l := sp.byName[string(doc[i+1:end])]
		if l == nil {
			return fmt.Errorf("interchange: unknown list placeholder %s", doc[i:end+1])
		}
		bw.Write(doc[:i])
		// MarshalIndent puts every element on a line of its own,
		// indented by two spaces a level.
		lineStart := bytes.LastIndexByte(doc[:i], '\n') + 1
		indent := len(doc[lineStart:i]) - len(bytes.TrimLeft(doc[lineStart:i], " "))
		a := &array{w: bw, indent: indent}
		if err := l.fill(a); err != nil {
			return err
		}
		a.end()
		doc = doc[end+1:]
		done++
	}
	if done != len(sp.byName) {
		return fmt.Errorf("interchange: %d of %d streamed lists are not in the document", len(sp.byName)-done, len(sp.byName))
	}
	bw.Write(doc)
	return bw.Flush()
}

// An array writes a JSON array in MarshalIndent's layout, its line
// starting with indent spaces: "[]" when it has no element, else one
// element a line.
type array struct {
	w      *bufio.Writer
	indent int
	n      int
	buf    [32]byte
}

// next starts an element.
func (a *array) next() {
	if a.n == 0 {
		a.w.WriteByte('[')
	} else {
		a.w.WriteByte(',')
	}
	a.w.WriteByte('\n')
	writeSpaces(a.w, a.indent+2)
	a.n++
}

// end closes the array.
func (a *array) end() {
	if a.n == 0 {
		a.w.WriteString("[]")
		return
	}
	a.w.WriteByte('\n')
	writeSpaces(a.w, a.indent)
	a.w.WriteByte(']')
}

func (a *array) float(f float64) {
	a.next()
	a.w.Write(appendJSONFloat(a.buf[:0], f))
}

func (a *array) int(i int) {
	a.next()
	a.w.Write(strconv.AppendInt(a.buf[:0], int64(i), 10))
}

// str writes s as encoding/json does (HTML characters escaped, as
// MarshalIndent escapes them).
func (a *array) str(s string) {
	a.next()
	b, _ := json.Marshal(s) // a string always encodes
	a.w.Write(b)
}

// array starts an element that is itself an array; the caller ends it.
func (a *array) array() *array {
	a.next()
	return &array{w: a.w, indent: a.indent + 2}
}

func writeSpaces(w *bufio.Writer, n int) {
	for range n {
		w.WriteByte(' ')
	}
}

// appendJSONFloat appends f as encoding/json writes a float64 (its
// floatEncoder: the shortest representation, exponent form below 1e-6 and
// from 1e21, "e-07" as "e-7"), and a non-finite f as null, as
// rundir.EncodeJSON does.
func appendJSONFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
