package redact

import (
	"bytes"
	"io"
)

// maxHeld is how much of one line a Writer holds while it waits for the
// line's end: a line is redacted whole, so that every rule sees it, but a
// stream without line ends (a binary blob, a runaway progress bar) must
// not cost memory without bound.
const maxHeld = 64 << 10

// A Writer redacts a stream of text, such as the log of a server that
// aienergy started, on its way to another writer. It redacts line by line
// — a line ends at \n, or at \r as a progress bar redraws it — as Quote
// does without cutting: known secrets, URL passwords and the values of
// secret-named pairs. A secret split across two writes is therefore still
// masked. A line longer than 64 KiB is passed on in pieces; each piece
// holds back as many bytes as the longest known secret has, less one, so
// that a known secret across the cut is masked too (the structural rules
// then see each piece alone).
//
// Flush passes on an unfinished last line; until then, or until its end
// arrives, it stays held. A Writer is not safe for concurrent use.
type Writer struct {
	r    *Redactor
	w    io.Writer
	held []byte
	keep int // bytes held back at a cut
}

// Writer returns a Writer that redacts text on its way to w. It may be
// called on a nil Redactor (structural rules only).
func (r *Redactor) Writer(w io.Writer) *Writer {
	x := &Writer{r: r, w: w}
	if r != nil && len(r.values) > 0 {
		x.keep = len(r.values[0]) - 1 // values are sorted longest first
	}
	return x
}

// Write takes p in pieces of at most maxHeld bytes, so that what is held
// stays under twice that, and passes on every line it completes.
func (x *Writer) Write(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		k := min(len(p)-done, maxHeld)
		x.held = append(x.held, p[done:done+k]...)
		if err := x.pass(false); err != nil {
			return done, err
		}
		done += k
	}
	return done, nil
}

// Flush passes on the unfinished last line, if any, redacted: call it once
// the stream has ended.
func (x *Writer) Flush() error { return x.pass(true) }

// pass writes out, redacted, the complete lines held; then all that is
// held when final, or all but the last keep bytes when more than maxHeld
// is held without a line end.
func (x *Writer) pass(final bool) error {
	var out []byte
	if i := bytes.LastIndexAny(x.held, "\n\r"); i >= 0 {
		out = x.lines(x.held[:i+1])
		x.held = append(x.held[:0], x.held[i+1:]...)
	}
	switch {
	case final && len(x.held) > 0:
		out = append(out, x.r.line(string(x.held))...)
		x.held = x.held[:0]
	case len(x.held) > maxHeld:
		red := x.r.line(string(x.held))
		cut := max(len(red)-x.keep, 0)
		out = append(out, red[:cut]...)
		x.held = append(x.held[:0], red[cut:]...)
	}
	if len(out) == 0 {
		return nil
	}
	_, err := x.w.Write(out)
	return err
}

// lines redacts each line of b, which ends with a line end, keeping the
// line ends as they are.
func (x *Writer) lines(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		i := bytes.IndexAny(b, "\n\r")
		out = append(out, x.r.line(string(b[:i]))...)
		out = append(out, b[i])
		b = b[i+1:]
	}
	return out
}

// line redacts one line of text that a program printed: as Quote, without
// collapsing its spaces or cutting it.
func (r *Redactor) line(s string) string {
	if s == "" {
		return s
	}
	return pairs(r.String(s))
}
