// Package runner runs a benchmark plan: per model, idle before → warmup →
// measured → idle after, with every meter sampling throughout and all raw
// data streamed into the run directory.
package runner

import (
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/internal/redact"
	"github.com/aienergy/aienergy/launch"
	"github.com/aienergy/aienergy/live"
	"github.com/aienergy/aienergy/load"
	"github.com/aienergy/aienergy/meter"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/sim"
)

// A Plan is everything a run needs, resolved from the config.
type Plan struct {
	Meta rundir.Meta // descriptive parts; the runner fills times, meters, truth
	// Redact masks the configured secrets in every text the runner writes
	// (errors, warnings, run.json); nil masks URL passwords only.
	Redact  *redact.Redactor
	Models  []string
	Prompts []string

	// Load: closed loop with Concurrency workers, by count or duration.
	Concurrency int
	Requests    int
	Duration    time.Duration
	MaxTokens   int
	MinTokens   int
	IgnoreEOS   bool
	Extra       map[string]any

	// Variants run every model several ways (sweep points, prefill-only,
	// repetitions), each with its own phases; none means once, plainly.
	Variants []Variant

	// AutoSweep, when set, replaces Variants: sequential, maximum
	// throughput, and rates in between.
	AutoSweep *AutoSweep

	// SteadyState narrows each measured phase's figures to its steady
	// state: from the first completion to the last start.
	SteadyState bool

	// Rate, when set, makes the measured phase open-loop at this schedule
	// (its Requests and Duration come from the fields above); warmup stays
	// closed-loop at Concurrency.
	Rate *load.Rate

	IdleBefore     time.Duration
	WarmupRequests int
	IdleAfter      time.Duration

	SampleInterval time.Duration
	Meters         []meter.Spec

	// Backend configures the OpenAI-compatible client; NewBackend, when
	// set, builds another kind instead (Ollama, KServe).
	Backend    backend.OpenAIOptions
	NewBackend func() (backend.Backend, error)
	// Sim, when set, starts the built-in simulator on a loopback port and
	// points the backend (and meters whose url is "sim") at it.
	Sim *sim.Config

	// Launch, when set, starts the model server inside the run (after the
	// meters start, so that its start-up energy is measured as a phase of
	// its own) and stops it at the end. Its Log is set by the runner.
	Launch *launch.Options

	// Live, when set, serves the run's progress as Prometheus metrics.
	Live *live.Exporter

	ConfigYAML []byte // the resolved config with secrets redacted
	Output     string // run directory
}

// SimURL is the meter url that stands for the built-in simulator's
// /metrics endpoint.
const SimURL = "sim"
