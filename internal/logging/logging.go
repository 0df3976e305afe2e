// Package logging is aienergy's one logger: human-readable lines on
// stderr ("warning: meter x is not used: ..."), every secret the run knows
// masked, so that a warning can never print a password a server echoed.
// Library packages take a *slog.Logger; the CLI builds it here.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/aienergy/aienergy/internal/redact"
)

// New returns a logger that writes records at level and above to w, one
// line each, with red's secrets masked (nil masks URL passwords only).
func New(w io.Writer, red *redact.Redactor, level slog.Level) *slog.Logger {
	return slog.New(&handler{out: &output{w: w}, red: red, level: level})
}

// Discard is a logger that writes nothing, for callers that pass none.
func Discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// OrDiscard is l, or Discard when l is nil.
func OrDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return Discard()
	}
	return l
}

// output serializes lines from loggers derived with With.
type output struct {
	mu sync.Mutex
	w  io.Writer
}

type handler struct {
	out    *output
	red    *redact.Redactor
	level  slog.Level
	attrs  []string // "group.key=value", grouped as they were added
	groups []string
}

func (h *handler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *handler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	switch {
	case r.Level >= slog.LevelError:
		b.WriteString("error: ")
	case r.Level >= slog.LevelWarn:
		b.WriteString("warning: ")
	case r.Level < slog.LevelInfo:
		b.WriteString("debug: ")
	}
	b.WriteString(r.Message)
	var kv []string // attrs of With first, then the record's
	kv = append(kv, h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		kv = appendAttr(kv, h.groups, a)
		return true
	})
	if len(kv) > 0 {
		b.WriteString(" (" + strings.Join(kv, ", ") + ")")
	}
	line := h.red.String(b.String()) + "\n"
	h.out.mu.Lock()
	defer h.out.mu.Unlock()
	_, err := io.WriteString(h.out.w, line)
	return err
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = slices.Clone(h.attrs)
	for _, a := range attrs {
		c.attrs = appendAttr(c.attrs, h.groups, a)
	}
	return &c
}

func appendAttr(kv []string, groups []string, a slog.Attr) []string {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return kv
	}
	key := strings.Join(append(slices.Clone(groups), a.Key), ".")
	return append(kv, fmt.Sprintf("%s=%v", key, a.Value.Any()))
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.groups = append(slices.Clone(h.groups), name)
	return &c
}
