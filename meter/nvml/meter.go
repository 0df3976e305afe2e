//go:build cgo

package nvml

import (
	"context"
	"fmt"
	"strings"
	"sync"

	gonvml "github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/aienergy/aienergy/meter"
)

func init() { meter.Register("nvml", parse) }

// parse checks the options without loading the driver; opening loads it.
func parse(spec meter.Spec) (meter.Opener, error) {
	o, err := parseOptions(spec)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (meter.Meter, error) {
		return open(ctx, spec, o, openLibrary(o.library))
	}, nil
}

// nvmlMeter reads the selected GPUs in process.
type nvmlMeter struct {
	name   string
	lib    library
	boards []*board
	notes  []string

	mu     sync.Mutex // serialises Read and Close
	closed bool
}

// open initialises NVML, selects the GPUs and probes what each reports.
// Anything NVML does wrong here (a panic in the binding included) becomes
// an error: a broken GPU stack must not take the benchmark down with it.
// NVML's calls cannot be cancelled: ctx is checked before the driver is
// loaded and between GPUs.
func open(ctx context.Context, spec meter.Spec, o options, lib library) (m meter.Meter, err error) {
	defer func() {
		if p := recover(); p != nil {
			m, err = nil, spec.Errorf("", "NVML failed while starting: %v", p)
		}
	}()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if ret := lib.Init(); ret != gonvml.SUCCESS {
		return nil, initError(spec, o, ret)
	}
	started := false
	defer func() {
		if !started {
			lib.Shutdown()
		}
	}()
	boards, err := selectBoards(spec, o, lib)
	if err != nil {
		return nil, err
	}
	nm := &nvmlMeter{name: spec.Name, lib: lib, boards: boards}
	reportsMemory := false
	var noMemory []string
	for _, b := range boards {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c, err := b.probe(lib, o.memoryPower)
		if err != nil {
			return nil, spec.Errorf("", "%v", err)
		}
		notes, err := b.configure(c, o.power)
		if err != nil {
			return nil, spec.Errorf("power", "%v", err)
		}
		nm.notes = append(nm.notes, notes...)
		if b.memory {
			reportsMemory = true
		} else if o.memoryPower {
			noMemory = append(noMemory, fmt.Sprintf("%s (%s): %s", b.channel, b.name, retString(c.memory)))
		}
	}
	if o.memoryPower && !reportsMemory {
		return nil, spec.Errorf("memory_power", "no selected GPU reports memory power (%s); H100-class GPUs do; set memory_power: false",
			strings.Join(noMemory, "; "))
	}
	for _, n := range noMemory {
		nm.notes = append(nm.notes, n+": reports no memory power; no -memory channel for it")
	}
	started = true
	return nm, nil
}

func (m *nvmlMeter) Name() string { return m.name }

// Notes says what the meter could not read on some GPU (no energy counter,
// no instant power, no memory power) and what it reads instead.
func (m *nvmlMeter) Notes() []string { return append([]string(nil), m.notes...) }

// Read samples every selected GPU. NVML calls are quick local ioctls that
// cannot be cancelled; ctx is checked between GPUs. One GPU failing fails
// the whole read: a sum over GPUs missing one would be wrong without
// saying so.
func (m *nvmlMeter) Read(ctx context.Context) ([]meter.Reading, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, errClosed
	}
	out := make([]meter.Reading, 0, len(m.boards))
	for _, b := range m.boards {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rs, err := b.read()
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	for i := range out {
		out[i].Meter = m.name
	}
	return out, nil
}

// Close shuts NVML down once; later reads fail.
func (m *nvmlMeter) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	if ret := m.lib.Shutdown(); ret != gonvml.SUCCESS {
		return fmt.Errorf("nvml meter %s: shutdown: %s", m.name, retString(ret))
	}
	return nil
}

// GPUModels names the boards this meter reads, in channel order, for the
// run's record of its hardware (meter.GPUDescriber).
func (m *nvmlMeter) GPUModels() []string {
	names := make([]string, len(m.boards))
	for i, b := range m.boards {
		names[i] = b.name
	}
	return names
}
