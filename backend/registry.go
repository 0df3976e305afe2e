package backend

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options are what the config says about a backend, common to every kind.
// A kind reads the fields it understands and documents them; the others
// are left at zero by the config layer.
type Options struct {
	// BaseURL is the server's URL as the user gave it; each kind adds its
	// own paths (/v1, /api, /v2) and explains a wrong one.
	BaseURL string
	// API selects the endpoint family: "chat" or "completions".
	API string
	// Stream asks for a streamed answer, the only way to observe time to
	// first token and inter-token latency.
	Stream bool
	// APIKey, when set, is sent as "Authorization: Bearer ..."; it never
	// appears in errors or records.
	APIKey string
	// Timeout bounds each request; 0 means no limit beyond the context.
	Timeout time.Duration
	// Headers are added to every request.
	Headers map[string]string
	// MaxConns sizes the idle connection pool to the load's concurrency.
	MaxConns int
	// BatchSize is the number of items per inference of a tensor server
	// (kserve); 0 means 1.
	BatchSize int
	// Images is a folder of images a tensor server is sent instead of
	// synthetic data; relative paths are resolved by the config layer.
	Images string
}

// A Factory builds a backend of one kind. It checks the options and sends
// nothing: Backend.Check is the first contact with the server. ctx bounds
// any preparation a kind needs (reading an images folder).
type Factory func(ctx context.Context, o Options) (Backend, error)

var registry = struct {
	sync.RWMutex
	factories map[string]Factory
	aliasOf   map[string]string
}{factories: map[string]Factory{}, aliasOf: map[string]string{}}

// Register makes a backend kind available to New under each of its names
// (the first is the kind, the others name servers that speak its
// protocol, e.g. "vllm" for "openai"). Kinds register themselves from
// init; a bad registration is a programming error and panics, as
// database/sql.Register does.
func Register(factory Factory, names ...string) {
	if factory == nil || len(names) == 0 {
		panic("backend: Register needs a factory and a name")
	}
	registry.Lock()
	defer registry.Unlock()
	for _, n := range names {
		if n == "" {
			panic("backend: Register with an empty name")
		}
		if _, dup := registry.factories[n]; dup {
			panic(fmt.Sprintf("backend: %q registered twice", n))
		}
		registry.factories[n] = factory
		registry.aliasOf[n] = names[0]
	}
}

// Kinds lists every registered backend name, aliases included, sorted.
func Kinds() []string {
	registry.RLock()
	defer registry.RUnlock()
	return slices.Sorted(func(yield func(string) bool) {
		for k := range registry.factories {
			if !yield(k) {
				return
			}
		}
	})
}

// Protocol names the kind a name was registered under: "openai" for
// "vllm", "kserve" for "triton", the name itself for a kind; "" for an
// unknown name.
func Protocol(name string) string {
	registry.RLock()
	defer registry.RUnlock()
	return registry.aliasOf[name]
}

// New builds a backend of the named kind. An unknown name is an error
// that lists the known ones.
func New(ctx context.Context, kind string, o Options) (Backend, error) {
	registry.RLock()
	factory, ok := registry.factories[kind]
	registry.RUnlock()
	if !ok {
		return nil, fmt.Errorf("unknown backend type %q (known types: %s)", kind, strings.Join(Kinds(), ", "))
	}
	return factory(ctx, o)
}
