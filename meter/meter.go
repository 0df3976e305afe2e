// Package meter defines how aienergy reads power and energy from the
// machine: the Meter interface, the registry of meter kinds, and the
// sampler that polls every meter on one clock.
package meter

import (
	"context"
	"math"
	"time"
)

// Component says what part of the machine a channel measures. Components
// (GPU, CPU, DRAM) and totals (wall) are never summed together.
type Component string

const (
	GPU   Component = "gpu"
	CPU   Component = "cpu"
	DRAM  Component = "dram"
	Wall  Component = "wall"
	Other Component = "other"
	// Part marks a channel that is inside, or overlaps, another channel's
	// measurement: GPU memory power within board power, RAPL core within
	// package, psys around everything. It is reported per channel and
	// never added to any sum.
	Part Component = "part"
)

// A Reading is one observation of one channel.
type Reading struct {
	Meter     string    // configured meter name, e.g. "sim"
	Channel   string    // device-level channel, e.g. "gpu0"
	Component Component // what the channel measures
	Time      time.Time // stamped by the sampler; includes the monotonic clock
	Watts     float64   // NaN when the meter gives only energy
	Joules    float64   // cumulative counter; NaN when the meter gives only power
}

// NoValue marks a missing watts or joules figure in a Reading.
var NoValue = math.NaN()

// A Meter reads every channel it knows at once. Read must honour ctx: the
// sampler cancels a read that outlives max(interval, MinReadTimeout), and
// each meter has its own goroutine, so one slow meter never delays the
// others. Read returns a fresh slice (the sampler's sink keeps it). Meters
// leave Time zero; the sampler stamps it.
type Meter interface {
	Name() string
	Read(ctx context.Context) ([]Reading, error)
	Close() error
}

// A CounterRanger is a meter whose energy counters wrap at a known value
// (RAPL's max_energy_range_uj). The runner records the ranges in the run
// directory so that the analysis can tell a wrap from a reset.
type CounterRanger interface {
	// MaxRanges gives, keyed "meter/channel" (the meter's configured name,
	// as the analysis keys channels), the counter value in joules at which
	// the channel wraps to zero.
	MaxRanges() map[string]float64
}

// A Resolution is how finely a channel reports: the smallest step of its
// energy counter, in joules, and of its power reading, in watts; 0 where
// the meter does not know (a float reading) or does not report that
// quantity. A PDU counting in 0.1 kWh has EnergyJ 360 000: over a window
// shorter than a few such steps its counter says little, and the analysis
// integrates power instead.
type Resolution struct {
	EnergyJ float64 `json:"energy_j,omitempty"`
	PowerW  float64 `json:"power_w,omitempty"`
}

// A Resolver is a meter that knows the resolution of its channels (from a
// MIB's units, say). The runner records them in the run directory; the
// analysis also measures the steps it sees and uses the coarser.
type Resolver interface {
	// Resolutions gives, keyed "meter/channel" as MaxRanges does, each
	// channel's resolution. Called after the first successful Read.
	Resolutions() map[string]Resolution
}

// An Estimator is a meter whose readings are estimates (a model of power
// from utilization), not measurements; figures built on it say so.
type Estimator interface {
	Estimates() bool
}

// A WindowReader is a meter backed by a time-series store (Prometheus,
// InfluxDB) that can return, after the run, the raw samples of a window
// with the store's own timestamps. Those are more exact than the live
// reads, which lag the store by its scrape or write delay; the runner
// keeps the live reads too, under the meter's name + LiveSuffix, as a
// fallback and a cross-check.
type WindowReader interface {
	// ReadWindow returns every sample in [from, to], with Time set from
	// the store (wall clock) and Meter left empty.
	ReadWindow(ctx context.Context, from, to time.Time) ([]Reading, error)
}

// LiveSuffix names the live reads of a WindowReader in the run directory.
const LiveSuffix = "-live"

// A GPUDescriber knows the models of the GPUs it reads ("NVIDIA H100 80GB
// HBM3"); the runner records them with the host, so that runs on
// different hardware are told apart when compared.
type GPUDescriber interface {
	GPUModels() []string
}
