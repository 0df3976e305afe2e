package config

import (
	"fmt"
	"strings"

	"github.com/aienergy/aienergy/internal/redact"
)

// An Error is one problem with a configuration, tied to the place that
// caused it: a line of the file, or the command-line override that set the
// value. Its message is always a single line that makes sense on its own,
// e.g.
//
//	my.yaml:7: backend.modle: unknown key (did you mean "model"?)
//	override "load.concurrency=0": load.concurrency: must be at least 1, got 0
type Error struct {
	File     string // file name as given to Load, or "default.yaml"
	Line     int    // 1-based; 0 when unknown
	Override string // the override that set the value; "" when it came from the file
	Key      string // dotted key, e.g. "backend.model" or "meters[0].url"; may be ""
	Msg      string
}

func (e *Error) Error() string {
	var parts []string
	switch {
	case e.Override != "":
		parts = append(parts, fmt.Sprintf("override %q", redactOverride(e.Override)))
	case e.Line > 0:
		parts = append(parts, fmt.Sprintf("%s:%d", e.File, e.Line))
	case e.File != "":
		parts = append(parts, e.File)
	}
	if e.Key != "" {
		parts = append(parts, e.Key)
	}
	parts = append(parts, oneLine(e.Msg))
	return redact.URLs(strings.Join(parts, ": "))
}

// redactOverride masks the value of an override that sets a secret.
func redactOverride(o string) string {
	if k, _, ok := strings.Cut(o, "="); ok && isSecretOverride(o) {
		return k + "=" + redact.Mask
	}
	return o
}

// isSecretOverride reports whether an override sets a secret: a key named
// like one, or anything under headers.
func isSecretOverride(o string) bool {
	k, _, _ := strings.Cut(o, "=")
	return redact.IsSecretKey(k) || strings.Contains(strings.ToLower(k), "headers")
}

// Errors lists every problem found in one configuration, in file order.
// Its message has one self-contained line per problem.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find the individual *Error values.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// oneLine keeps messages to a single line even when they quote text that
// spans several (a YAML parser message, say).
func oneLine(s string) string {
	return strings.ReplaceAll(s, "\n", " ")
}
