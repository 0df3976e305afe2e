// Package runner runs a benchmark plan: per model, idle before → warmup →
// measured → idle after, with every meter sampling throughout and all raw
// data streamed into the run directory.
package runner

import (
	"log/slog"
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/internal/redact"
	"github.com/aienergy/aienergy/launch"
	"github.com/aienergy/aienergy/live"
	"github.com/aienergy/aienergy/load"
	"github.com/aienergy/aienergy/meter"
	"github.com/aienergy/aienergy/rundir"
)

// A Plan is everything a run needs, resolved from the config.
type Plan struct {
	Meta rundir.Meta // descriptive parts; the runner fills times, meters, truth
	// Redact masks the configured secrets in every text the runner writes
	// (errors, warnings, run.json); nil masks URL passwords only.
	Redact *redact.Redactor
	// Log receives the run's warnings (a meter left out, a failed phase);
	// nil writes them to stderr. Its lines are masked with Redact too.
	Log     *slog.Logger
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

	// BackendType is a registered backend kind (backend.Kinds), built
	// with Backend's options when the server is to be contacted.
	BackendType string
	Backend     backend.Options
	// Truth, when set, knows the energy the server really used (the
	// built-in simulator does); the run directory records it beside the
	// measured figures, so that tests and users can check them.
	Truth Truth

	// GPU, when set, applies each variant's power limit and clock
	// (Variant.PowerLimitW, ClockMHz) and restores the originals.
	GPU *GPUControl

	// Launch, when set, starts the model server inside the run (after the
	// meters start, so that its start-up energy is measured as a phase of
	// its own) and stops it at the end. Its Log is set by the runner.
	Launch *launch.Options

	// Live, when set, serves the run's progress as Prometheus metrics.
	Live *live.Exporter

	ConfigYAML []byte // the resolved config with secrets redacted
	Output     string // run directory
}

// A Truth knows the energy a server really used: the built-in simulator
// models it exactly. Its clock is the run's (monotonic readings).
type Truth interface {
	// Energy is the modeled energy in J between two instants.
	Energy(start, end time.Time) float64
	// IdleWatts is the modeled power with nothing running.
	IdleWatts() float64
}
