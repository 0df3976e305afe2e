package sink

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/aienergy/aienergy/internal/suggest"
)

// A Parser decodes and checks one reporter kind's options without any
// I/O: no connection, no file, no environment beyond the secret variables
// the options name. It runs at plan time, so that a typo stops a run
// before an hour of measuring rather than after, and again when the
// results are sent. opts are the reporter's keys as the config gives them
// ("type" and "output_file" may be among them).
//
// It returns the Opener of the checked configuration, or nil when the
// reporter has nothing to send: a csv or json reporter without an
// output_file, whose files the run directory already holds.
type Parser func(opts map[string]any) (Opener, error)

// An Opener opens a checked sink, doing whatever I/O that takes
// (connecting, logging in) under ctx.
type Opener func(ctx context.Context) (Sink, error)

// registerReady registers a kind whose sink opens without I/O (Send
// makes its connections): build both checks the options and makes it.
func registerReady[S Sink](kind string, build func(opts map[string]any) (S, error)) {
	Register(kind, func(opts map[string]any) (Opener, error) {
		s, err := build(opts)
		if err != nil {
			return nil, err
		}
		return func(context.Context) (Sink, error) { return s, nil }, nil
	})
}

var registry = struct {
	sync.RWMutex
	parsers map[string]Parser
}{parsers: map[string]Parser{}}

// Register makes a reporter kind available to Check and Open. Kinds
// register themselves from init, one file each, so a bad registration is
// a programming error and panics, the way database/sql.Register does.
func Register(kind string, parse Parser) {
	if kind == "" || kind != strings.ToLower(kind) || parse == nil {
		panic(fmt.Sprintf("sink: Register(%q) needs a lower-case kind and a parser", kind))
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.parsers[kind]; dup {
		panic(fmt.Sprintf("sink: kind %q registered twice", kind))
	}
	registry.parsers[kind] = parse
}

// Kinds lists the registered reporter kinds in alphabetical order.
func Kinds() []string {
	registry.RLock()
	defer registry.RUnlock()
	return slices.Sorted(maps.Keys(registry.parsers))
}

// Check reports every mistake in a reporter's type and options, doing no
// I/O. Each mistake is an *OptionError naming its key.
func Check(kind string, opts map[string]any) error {
	_, err := parse(kind, opts)
	return err
}

// Open checks a reporter's options and opens its sink. The sink is nil,
// with no error, when the reporter has nothing to send (see Parser).
func Open(ctx context.Context, kind string, opts map[string]any) (Sink, error) {
	open, err := parse(kind, opts)
	if err != nil || open == nil {
		return nil, err
	}
	return open(ctx)
}

func parse(kind string, opts map[string]any) (Opener, error) {
	kind = strings.ToLower(kind)
	registry.RLock()
	p, ok := registry.parsers[kind]
	registry.RUnlock()
	if !ok {
		return nil, unknownKind(kind)
	}
	return p(opts)
}

// unknownKind is the error for a type no kind registered, listing the
// known ones and suggesting the nearest.
func unknownKind(kind string) error {
	kinds := Kinds()
	list := strings.Join(kinds, ", ")
	if kind == "" {
		return &OptionError{Key: "type", Err: fmt.Errorf("required (valid: %s)", list)}
	}
	hint := ""
	if s := suggest.Nearest(kind, kinds); s != "" {
		hint = fmt.Sprintf("; did you mean %q?", s)
	}
	return &OptionError{Kind: kind, Key: "type", Err: fmt.Errorf("unknown reporter type %q (valid: %s%s)", kind, list, hint)}
}
