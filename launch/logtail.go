package launch

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// Sizes of the log tail kept for error messages: enough to show a Python
// traceback's last frames and the exception, bounded so a chatty server
// costs no memory.
const (
	tailLines   = 25
	tailLineMax = 500
)

// logSink forwards the server's output to the caller's writer and keeps
// the last lines. Writes come from the pipe copier and from Stop's notes,
// hence the lock.
type logSink struct {
	mu      sync.Mutex
	w       io.Writer
	werr    error // first error writing to w; later output is still drained
	lines   []string
	partial []byte
}

func (l *logSink) Write(p []byte) (int, error) {
	n := len(p)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.werr == nil {
		_, l.werr = l.w.Write(p)
	}
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			l.partial = appendCapped(l.partial, p)
			break
		}
		l.partial = appendCapped(l.partial, p[:i])
		l.push(string(l.partial))
		l.partial = l.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

func appendCapped(dst, src []byte) []byte {
	if room := tailLineMax - len(dst); room < len(src) {
		src = src[:max(room, 0)]
	}
	return append(dst, src...)
}

func (l *logSink) push(line string) {
	line = strings.TrimRight(line, "\r")
	if len(l.lines) == tailLines {
		copy(l.lines, l.lines[1:])
		l.lines = l.lines[:tailLines-1]
	}
	l.lines = append(l.lines, line)
}

// note writes a line of aienergy's own into the server log, so the log
// tells what was done to the server and when.
func (l *logSink) note(line string) {
	_, _ = l.Write([]byte("aienergy: " + line + "\n"))
}

// tail returns the last lines, the unfinished one included.
func (l *logSink) tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := append([]string(nil), l.lines...)
	if len(l.partial) > 0 {
		out = append(out, string(l.partial))
	}
	if len(out) == 0 {
		return "(the server wrote nothing)"
	}
	return "  " + strings.Join(out, "\n  ")
}

func (l *logSink) err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.werr
}
