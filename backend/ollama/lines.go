package ollama

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// lineReader splits a stream into lines ending in "\n" (a "\r" before it
// is left for the caller to trim). The last line may lack its newline.
type lineReader struct {
	r   *bufio.Reader
	max int
	buf []byte
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// next returns the next line without its newline, valid until the next
// call; io.EOF at the end of the stream.
func (l *lineReader) next() ([]byte, error) {
	l.buf = l.buf[:0]
	for {
		part, err := l.r.ReadSlice('\n')
		if err == nil && len(l.buf) == 0 {
			return part[:len(part)-1], nil // the common case: no copy
		}
		if len(l.buf)+len(part) > l.max {
			return nil, fmt.Errorf("a line is longer than %d MiB", l.max>>20)
		}
		l.buf = append(l.buf, part...)
		switch {
		case err == nil:
			return l.buf[:len(l.buf)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && len(l.buf) > 0:
			return l.buf, nil
		default:
			return nil, err
		}
	}
}
