package openai

import (
	"bytes"
	"fmt"
	"io"

	"github.com/aienergy/aienergy/backend"
)

// An Event is one server-sent event.
type Event struct {
	// Name is the value of the event's "event:" field; "" when the event
	// had none (EventSource calls such events "message").
	Name string
	// Data is the event's data lines joined with "\n". It points into
	// the reader's buffer and is valid only until the next call to Next.
	Data []byte
}

const (
	sseInitialBuffer = 8 << 10
	// sseMaxEvent bounds memory per stream: no line and no event's data
	// may be longer. It is a constant: no real server needs more, and a
	// stream that passes it fails its request.
	sseMaxEvent = backend.MaxLine
	// sseMaxEmptyReads mirrors bufio: a reader that keeps returning 0, nil
	// is broken, and looping on it forever would hang a benchmark.
	sseMaxEmptyReads = 100
)

// ErrSSELineTooLong is returned when one line of a stream is longer than
// sseMaxEvent; ErrSSEEventTooLarge when an event's data lines add up to
// more.
var (
	ErrSSELineTooLong   = fmt.Errorf("sse: a line is longer than the %d MiB limit", sseMaxEvent>>20)
	ErrSSEEventTooLarge = fmt.Errorf("sse: an event's data is larger than the %d MiB limit", sseMaxEvent>>20)
)

// An SSEReader reads server-sent events from a stream, following the
// WHATWG EventSource parsing rules where they matter to a client that
// only wants the data:
//
//   - lines end in "\n", "\r\n" or "\r";
//   - a leading UTF-8 byte order mark is skipped;
//   - lines starting with ":" are comments and ignored (keep-alives);
//   - "field:value" drops one space after the colon; a line without a
//     colon is a field with an empty value;
//   - "data" fields accumulate, joined with "\n"; "event" sets the name;
//     "id", "retry" and unknown fields are ignored;
//   - a blank line dispatches the event, if it has any data.
//
// Unlike a browser, the reader also dispatches an event still pending
// when the stream ends without a final blank line: model servers close
// streams that way, and dropping the last chunk would lose its usage
// report.
//
// The reader does one Read on the underlying reader only when no complete
// line is buffered, so events come out as soon as they arrive. After
// warm-up it allocates only when an event name changes.
type SSEReader struct {
	r   io.Reader
	err error // sticky error from r

	buf        []byte
	start, end int  // unread bytes are buf[start:end]
	scanned    int  // bytes of buf[start:end] known to hold no line end
	maxLine    int  // sseMaxEvent, smaller in tests
	maxEvent   int  // sseMaxEvent, smaller in tests
	skipLF     bool // last line ended in "\r": a following "\n" belongs to it
	sawFirst   bool // the BOM check has been done
	data       []byte
	hasData    bool
	name       []byte
	lastName   string // reused so that repeated names do not allocate
}

// NewSSEReader returns a reader of the events in r.
func NewSSEReader(r io.Reader) *SSEReader {
	return &SSEReader{r: r, maxLine: sseMaxEvent, maxEvent: sseMaxEvent}
}

// sseKeepBuffer is the largest buffer Reset keeps: one huge event must
// not pin megabytes in a reader that is reused.
const sseKeepBuffer = 64 << 10

// Reset makes s read the events of r as a new reader would, keeping its
// buffers for reuse, so that a client reading stream after stream does
// not allocate a buffer for each.
func (s *SSEReader) Reset(r io.Reader) {
	*s = SSEReader{
		r: r, maxLine: s.maxLine, maxEvent: s.maxEvent,
		buf: keep(s.buf), data: keep(s.data)[:0], name: keep(s.name)[:0], lastName: s.lastName,
	}
}

// keep returns b's whole buffer, or nil for one too large to keep.
func keep(b []byte) []byte {
	if cap(b) > sseKeepBuffer {
		return nil
	}
	return b[:cap(b)]
}

// Next returns the next event. At the end of the stream it returns io.EOF;
// any other error comes from the underlying reader or is
// ErrSSELineTooLong or ErrSSEEventTooLarge, after which the reader reads
// no more. An event cut short by an error other than io.EOF is not
// returned.
func (s *SSEReader) Next() (Event, error) {
	s.data = s.data[:0]
	s.hasData = false
	s.name = s.name[:0]
	for {
		line, err := s.readLine()
		if err != nil {
			if err == io.EOF && s.hasData {
				return s.dispatch(), nil
			}
			return Event{}, err
		}
		if !s.sawFirst {
			s.sawFirst = true
			line = bytes.TrimPrefix(line, []byte("\xEF\xBB\xBF"))
		}
		if len(line) == 0 {
			if s.hasData {
				return s.dispatch(), nil
			}
			// A blank line without data resets the event name.
			s.name = s.name[:0]
			continue
		}
		if err := s.field(line); err != nil {
			s.err = err
			s.start, s.end, s.scanned, s.skipLF = 0, 0, 0, false
			return Event{}, err
		}
	}
}

// field applies one non-blank line to the event being built.
func (s *SSEReader) field(line []byte) error {
	if line[0] == ':' {
		return nil
	}
	name, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		name, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(name) { // no allocation: the compiler optimises this
	case "data":
		if s.hasData {
			if len(s.data)+1+len(value) > s.maxEvent {
				return ErrSSEEventTooLarge
			}
			s.data = append(s.data, '\n')
		}
		s.data = append(s.data, value...)
		s.hasData = true
	case "event":
		s.name = append(s.name[:0], value...)
	}
	return nil
}

func (s *SSEReader) dispatch() Event {
	if string(s.name) != s.lastName {
		s.lastName = string(s.name)
	}
	return Event{Name: s.lastName, Data: s.data}
}

// readLine returns the next line without its terminator. The line points
// into s.buf and is valid until the next call.
func (s *SSEReader) readLine() ([]byte, error) {
	empty := 0
	for {
		if s.skipLF && s.start < s.end {
			if s.buf[s.start] == '\n' {
				s.start++
			}
			s.skipLF = false
		}
		if s.start < s.end || !s.skipLF {
			unread := s.buf[s.start:s.end]
			if i := lineEnd(unread[s.scanned:]); i >= 0 {
				i += s.scanned
				line := unread[:i]
				s.skipLF = unread[i] == '\r'
				s.start += i + 1
				s.scanned = 0
				return line, nil
			}
			s.scanned = len(unread)
		}
		if s.err != nil {
			s.skipLF = false
			if s.start < s.end {
				line := s.buf[s.start:s.end]
				s.start, s.scanned = s.end, 0
				return line, nil
			}
			return nil, s.err
		}
		n, err := s.fill()
		if err == ErrSSELineTooLong {
			// Drop the partial line: returning it would parse a truncated
			// field as if it were whole.
			s.err = err
			s.start, s.end, s.scanned, s.skipLF = 0, 0, 0, false
			return nil, err
		}
		if err != nil {
			s.err = err
		} else if n == 0 {
			empty++
			if empty >= sseMaxEmptyReads {
				s.err = io.ErrNoProgress
			}
		}
	}
}

// fill reads once from the underlying reader into free buffer space,
// first moving unread bytes to the front or growing the buffer.
func (s *SSEReader) fill() (int, error) {
	if s.start > 0 {
		s.end = copy(s.buf, s.buf[s.start:s.end])
		s.start = 0
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= s.maxLine {
			return 0, ErrSSELineTooLong
		}
		size := max(2*len(s.buf), sseInitialBuffer)
		size = min(size, s.maxLine)
		grown := make([]byte, size)
		copy(grown, s.buf[:s.end])
		s.buf = grown
	}
	n, err := s.r.Read(s.buf[s.end:])
	s.end += n
	return n, err
}

// lineEnd returns the index of the first "\n" or "\r" in b, or -1.
func lineEnd(b []byte) int {
	i := bytes.IndexByte(b, '\n')
	head := b
	if i >= 0 {
		head = b[:i]
	}
	if j := bytes.IndexByte(head, '\r'); j >= 0 {
		return j
	}
	return i
}
