//go:build cgo

// Package nvmltest is a DGX H100 as go-nvml's mock describes it (eight H100
// SXM5 80GB boards), whose GPUs keep the power limit and locked clock set
// on them, record every call that changes them, and can be told to refuse
// — for tests of code that sets GPUs through gpuctl/nvml.
package nvmltest

import (
	"fmt"
	"sync"

	gonvml "github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/server"
)

// An H100 SXM5's power limits (nvidia-smi -q -d POWER) and clocks, in
// NVML's units.
const (
	DefaultLimitMW = 700_000
	MinLimitMW     = 200_000
	MaxLimitMW     = 700_000
	MaxClockMHz    = 1980
	IdleClockMHz   = 345
)

// Machine is the mock NVML library and its GPUs' state.
type Machine struct {
	*server.Server
	GPUs []*GPU
}

// GPU is one board's settings and the calls that changed them.
type GPU struct {
	mu        sync.Mutex
	limitMW   uint32
	lockedMHz uint32 // 0: not locked
	calls     []string
	refuse    gonvml.Return // returned by every setter when not SUCCESS
	refuseAt  int           // ... from this setter call on (0: the first)
}

// New is a DGX H100 at its default settings.
func New() *Machine {
	m := &Machine{Server: dgxh100.New()}
	for _, d := range m.Devices {
		g := &GPU{limitMW: DefaultLimitMW}
		m.GPUs = append(m.GPUs, g)
		g.attach(d.(*server.Device))
	}
	return m
}

// Refuse makes every later setter call from the n-th on (0: the next)
// return ret, as a GPU without privilege (ERROR_NO_PERMISSION) or without
// the feature (ERROR_NOT_SUPPORTED) does.
func (g *GPU) Refuse(ret gonvml.Return, n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.refuse, g.refuseAt = ret, len(g.calls)+n
}

// Calls lists the setter calls so far, such as "limit 300000" (mW),
// "lock 1410" (MHz) and "reset clocks", refused ones included.
func (g *GPU) Calls() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.calls...)
}

// LimitMW is the power limit set; LockedMHz the locked clock, 0 for none.
func (g *GPU) LimitMW() uint32 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.limitMW
}

func (g *GPU) LockedMHz() uint32 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.lockedMHz
}

// set records a setter call and applies it unless the GPU refuses.
func (g *GPU) set(call string, apply func()) gonvml.Return {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls = append(g.calls, call)
	if g.refuse != gonvml.SUCCESS && len(g.calls) > g.refuseAt {
		return g.refuse
	}
	apply()
	return gonvml.SUCCESS
}

func (g *GPU) attach(d *server.Device) {
	read := func(f func() uint32) uint32 {
		g.mu.Lock()
		defer g.mu.Unlock()
		return f()
	}
	d.GetPowerManagementLimitFunc = func() (uint32, gonvml.Return) {
		return read(func() uint32 { return g.limitMW }), gonvml.SUCCESS
	}
	d.GetEnforcedPowerLimitFunc = d.GetPowerManagementLimitFunc
	d.GetPowerManagementDefaultLimitFunc = func() (uint32, gonvml.Return) { return DefaultLimitMW, gonvml.SUCCESS }
	d.GetPowerManagementLimitConstraintsFunc = func() (uint32, uint32, gonvml.Return) {
		return MinLimitMW, MaxLimitMW, gonvml.SUCCESS
	}
	d.SetPowerManagementLimitFunc = func(mw uint32) gonvml.Return {
		return g.set(fmt.Sprintf("limit %d", mw), func() { g.limitMW = mw })
	}
	d.GetClockInfoFunc = func(gonvml.ClockType) (uint32, gonvml.Return) {
		// An idle board at its lowest clock, unless one is locked.
		return max(read(func() uint32 { return g.lockedMHz }), IdleClockMHz), gonvml.SUCCESS
	}
	d.GetMaxClockInfoFunc = func(gonvml.ClockType) (uint32, gonvml.Return) { return MaxClockMHz, gonvml.SUCCESS }
	d.SetGpuLockedClocksFunc = func(lo, hi uint32) gonvml.Return {
		return g.set(fmt.Sprintf("lock %d-%d", lo, hi), func() { g.lockedMHz = hi })
	}
	d.ResetGpuLockedClocksFunc = func() gonvml.Return {
		return g.set("reset clocks", func() { g.lockedMHz = 0 })
	}
}
