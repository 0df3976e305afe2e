package config

import (
	"go.yaml.in/yaml/v3"
)

// Limits on what a configuration may be and ask for. Each is far above any
// real benchmark and low enough that loading, planning (--dry-run) and the
// run directory's config.yaml stay small whatever a file says: a config is
// input like any other. docs/config.md lists them.
const (
	// MaxConfigBytes is the largest config file read: real ones are a few
	// KB; inline prompts beyond this belong in a dataset file.
	MaxConfigBytes = 1 << 20
	// MaxExpandedBytes and MaxNodes bound the configuration with its YAML
	// anchors expanded (every alias counted as a copy): the text of its
	// values, and its values, keys and lists. A 200 KB file that reuses a
	// 20 000-key anchor 100 times used to take 3 minutes, 6 GB and a
	// 124 MB config.yaml. Inline prompts are the largest honest use: 10 000
	// of them are 10 000 values.
	MaxExpandedBytes = 4 << 20
	MaxNodes         = 50_000
	// MaxKeys bounds the keys of one mapping: the YAML library checks a
	// free-form mapping (backend.extra_body, meter options) for duplicate
	// keys in quadratic time, 43 s for 90 000 keys.
	MaxKeys = 1000
	// MaxDepth is how deeply mappings and lists may nest, the top level
	// being 1. The schema needs 6 (meters[0].metrics[1].labels); free-form
	// keys such as backend.extra_body get the rest. Re-encoding a deep
	// tree costs its depth in indentation on every line.
	MaxDepth = 16

	// MaxRate is the highest request rate, in requests per second, of
	// load.rate and sweep.rates: above any model server's, and about what
	// one pacer can keep to (its gaps would be shorter than a timer's
	// wake-up).
	MaxRate = 10_000
	// MaxConcurrency bounds every concurrency key: each request in flight
	// is a goroutine and a connection.
	MaxConcurrency = 100_000
	// MaxRepetitions bounds repetitions: a spread needs a few to a few
	// dozen.
	MaxRepetitions = 1000
	// MaxSweepPoints bounds sweep.concurrency, sweep.rates and
	// sweep.rates_between.
	MaxSweepPoints = 1000
	// MaxRuns bounds the model runs of a plan: models × sweep points (or
	// load stages) × 2 with prefill_decode × repetitions. Each run has its
	// own phases and figures; the plan lists them all before it starts.
	MaxRuns = 10_000

	// DefaultRateMaxConcurrency is load.max_concurrency when not given. An
	// open loop sends on schedule whatever the server does, so a server
	// that stalls would get a new connection per arrival without bound
	// (1 469 after 30 s at 50 req/s). 512 in flight is what a server keeps
	// busy at 50 req/s and 10 s per request (Little's law: rate ×
	// latency), far more than it computes at once; past it, arrivals wait
	// in the client's queue and are counted (rate_stats.queued) and warned
	// about, so the cap never shapes a load silently.
	DefaultRateMaxConcurrency = 512
	// DefaultMaxFailureRatio is load.max_failure_ratio when not given:
	// with more than one request in ten failing, energy is spread over the
	// few that succeeded and per-token figures are too high, so the run
	// warns and exits with status 3.
	DefaultMaxFailureRatio = 0.1
)

// checkSize walks the document as decoding will see it (aliases followed)
// and stops at the first node that passes a limit: MaxDepth, MaxKeys, or
// MaxExpandedBytes or MaxNodes counted so far. The walk itself never goes
// further than those limits allow.
func checkSize(src *source, root *yaml.Node) *Error {
	w := sizeWalk{src: src}
	w.walk(root, root, "", 1)
	return w.err
}

type sizeWalk struct {
	src         *source
	size, nodes int
	err         *Error
}

// walk visits n, the value at key, nested depth levels deep; at is the
// node an error points to (the key of a mapping value, which is where
// the user looks).
func (w *sizeWalk) walk(at, n *yaml.Node, key string, depth int) {
	n = resolveAlias(n)
	if w.err != nil || n == nil {
		return
	}
	w.size += len(n.Value)
	w.nodes++
	switch {
	case w.size > MaxExpandedBytes:
		w.err = w.src.errAt(w.src.at(at), key, "with its anchors expanded the configuration passes %d MiB, the limit (an anchor used too many times?)", MaxExpandedBytes>>20)
		return
	case w.nodes > MaxNodes:
		w.err = w.src.errAt(w.src.at(at), key, "with its anchors expanded the configuration has more than %d values, keys and lists, the limit (an anchor used too many times?)", MaxNodes)
		return
	case n.Kind != yaml.MappingNode && n.Kind != yaml.SequenceNode:
		return
	case depth > MaxDepth:
		w.err = w.src.errAt(w.src.at(at), key, "nested deeper than %d levels, the limit", MaxDepth)
		return
	case n.Kind == yaml.MappingNode && len(n.Content)/2 > MaxKeys:
		w.err = w.src.errAt(w.src.at(at), key, "a mapping of %d keys; the limit is %d", len(n.Content)/2, MaxKeys)
		return
	}
	if n.Kind == yaml.SequenceNode {
		for i, e := range n.Content {
			w.walk(e, e, indexKey(key, i), depth+1)
		}
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		w.size += len(k.Value)
		w.nodes++
		w.walk(k, n.Content[i+1], joinKey(key, k.Value), depth+1)
	}
}
