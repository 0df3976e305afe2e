package interchange

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/aienergy/aienergy/rundir"
)

// A splicer writes a JSON document whose long lists of numbers are written
// item by item as they are produced, never held as text. A server that
// streams tiny chunks for as long as the timeout allows gives a run
// millions of inter-token gaps; indented as MarshalIndent writes them
// (about 30 bytes each), built once by the encoder and again by its
// indenter, they cost hundreds of MB for one file.
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
	write       func(w *bufio.Writer, indent int)
}

// MarshalJSON writes the placeholder the splicer looks for.
func (l *streamedList) MarshalJSON() ([]byte, error) { return json.Marshal(l.placeholder) }

func (sp *splicer) add(write func(w *bufio.Writer, indent int)) *streamedList {
	l := &streamedList{placeholder: sp.prefix + strconv.Itoa(len(sp.byName)), write: write}
	sp.byName[l.placeholder] = l
	return l
}

// floats is a list of the numbers seq yields.
func (sp *splicer) floats(seq iter.Seq[float64]) *streamedList {
	return sp.add(func(w *bufio.Writer, indent int) { writeFloats(w, seq, indent) })
}

// lists is a list of lists of numbers: one for each sequence seq yields.
func (sp *splicer) lists(seq iter.Seq[iter.Seq[float64]]) *streamedList {
	return sp.add(func(w *bufio.Writer, indent int) {
		writeList(w, seq, indent, func(inner iter.Seq[float64]) { writeFloats(w, inner, indent+2) })
	})
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
		l.write(bw, indent)
		doc = doc[end+1:]
		done++
	}
	if done != len(sp.byName) {
		return fmt.Errorf("interchange: %d of %d streamed lists are not in the document", len(sp.byName)-done, len(sp.byName))
	}
	bw.Write(doc)
	return bw.Flush()
}

// writeList writes a JSON array in MarshalIndent's layout, whose line
// starts with indent spaces: "[]" when seq yields nothing, else one
// element a line, written by elem.
func writeList[T any](w *bufio.Writer, seq iter.Seq[T], indent int, elem func(T)) {
	n := 0
	for v := range seq {
		if n == 0 {
			w.WriteByte('[')
		} else {
			w.WriteByte(',')
		}
		w.WriteByte('\n')
		writeSpaces(w, indent+2)
		elem(v)
		n++
	}
	if n == 0 {
		w.WriteString("[]")
		return
	}
	w.WriteByte('\n')
	writeSpaces(w, indent)
	w.WriteByte(']')
}

func writeFloats(w *bufio.Writer, seq iter.Seq[float64], indent int) {
	var buf [32]byte
	writeList(w, seq, indent, func(f float64) { w.Write(appendJSONFloat(buf[:0], f)) })
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
