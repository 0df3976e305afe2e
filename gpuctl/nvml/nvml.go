//go:build cgo

package nvml

import (
	"fmt"
	"math"
	"sync"

	gonvml "github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/aienergy/aienergy/gpuctl"
)

// library is the part of NVML the controller calls; gonvml.Interface and
// go-nvml's mocks satisfy it.
type library interface {
	Init() gonvml.Return
	Shutdown() gonvml.Return
	DeviceGetCount() (int, gonvml.Return)
	DeviceGetHandleByIndex(int) (gonvml.Device, gonvml.Return)
}

// gpu is the part of an NVML device handle the controller calls.
type gpu interface {
	GetIndex() (int, gonvml.Return)
	GetUUID() (string, gonvml.Return)
	GetName() (string, gonvml.Return)
	GetPowerManagementLimit() (uint32, gonvml.Return)
	GetEnforcedPowerLimit() (uint32, gonvml.Return)
	GetPowerManagementDefaultLimit() (uint32, gonvml.Return)
	GetPowerManagementLimitConstraints() (uint32, uint32, gonvml.Return)
	SetPowerManagementLimit(uint32) gonvml.Return
	GetClockInfo(gonvml.ClockType) (uint32, gonvml.Return)
	GetMaxClockInfo(gonvml.ClockType) (uint32, gonvml.Return)
	SetGpuLockedClocks(uint32, uint32) gonvml.Return
	ResetGpuLockedClocks() gonvml.Return
}

// Open loads NVML from library (DefaultLibrary unless the driver lives
// elsewhere) and controls the GPUs devices names by index or UUID; none
// names every GPU. Close shuts NVML down.
func Open(library string, devices []string) (gpuctl.Controller, error) {
	return open(gonvml.New(gonvml.WithLibraryPath(library)), library, devices)
}

// FromLibrary is Open on an NVML already at hand: go-nvml's mocks (see
// nvmltest) in tests.
func FromLibrary(lib gonvml.Interface, devices []string) (gpuctl.Controller, error) {
	return open(lib, "NVML", devices)
}

// controller holds NVML open while the sweep runs: settings made without
// persistence mode last only while some process has the driver open.
type controller struct {
	lib     library
	devices []gpuctl.Device

	mu     sync.Mutex
	closed bool
}

// open initialises NVML and picks the GPUs. A panic in the binding
// becomes an error: a broken GPU stack must not take the run with it.
func open(lib library, path string, refs []string) (c gpuctl.Controller, err error) {
	defer func() {
		if p := recover(); p != nil {
			c, err = nil, fmt.Errorf("NVML failed while starting: %v", p)
		}
	}()
	if ret := lib.Init(); ret != gonvml.SUCCESS {
		return nil, initError(path, ret)
	}
	ok := false
	defer func() {
		if !ok {
			lib.Shutdown()
		}
	}()
	n, ret := lib.DeviceGetCount()
	if ret != gonvml.SUCCESS {
		return nil, fmt.Errorf("NVML cannot count the GPUs: %w", wrap(ret))
	}
	all := make([]gpuctl.Device, 0, n)
	for i := range n {
		h, ret := lib.DeviceGetHandleByIndex(i)
		if ret != gonvml.SUCCESS {
			return nil, fmt.Errorf("NVML cannot open GPU %d: %w", i, wrap(ret))
		}
		d, err := describe(h)
		if err != nil {
			return nil, fmt.Errorf("GPU %d: %w", i, err)
		}
		all = append(all, d)
	}
	if n == 0 {
		return nil, fmt.Errorf("the NVIDIA driver is loaded but sees no GPU (check nvidia-smi -L; in a container, start it with --gpus all)")
	}
	picked, err := gpuctl.Select(all, refs)
	if err != nil {
		return nil, err
	}
	ok = true
	return &controller{lib: lib, devices: picked}, nil
}

func (c *controller) Where() gpuctl.Where      { return gpuctl.Where{Type: "nvml"} }
func (c *controller) Devices() []gpuctl.Device { return c.devices }

// Close shuts NVML down once.
func (c *controller) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if ret := c.lib.Shutdown(); ret != gonvml.SUCCESS {
		return fmt.Errorf("NVML shutdown: %w", wrap(ret))
	}
	return nil
}

// device is one GPU's NVML handle.
type device struct {
	h    gpu
	info gpuctl.Info
}

func describe(h gonvml.Device) (*device, error) {
	g, ok := h.(gpu)
	if !ok {
		return nil, fmt.Errorf("the NVML handle lacks the power-limit calls")
	}
	index, ret := g.GetIndex()
	if ret != gonvml.SUCCESS {
		return nil, fmt.Errorf("reading its index: %w", wrap(ret))
	}
	uuid, ret := g.GetUUID()
	if ret != gonvml.SUCCESS {
		return nil, fmt.Errorf("reading its UUID: %w", wrap(ret))
	}
	name, ret := g.GetName()
	if ret != gonvml.SUCCESS {
		name = "unknown model" // only shown in messages
	}
	return &device{h: g, info: gpuctl.Info{Index: index, UUID: uuid, Name: name}}, nil
}

func (d *device) Info() gpuctl.Info { return d.info }

// Power reads the limits, which NVML gives in milliwatts.
func (d *device) Power() (gpuctl.Power, error) {
	var p gpuctl.Power
	limit, ret := d.h.GetPowerManagementLimit()
	if ret != gonvml.SUCCESS {
		return p, wrap(ret)
	}
	def, ret := d.h.GetPowerManagementDefaultLimit()
	if ret != gonvml.SUCCESS {
		return p, fmt.Errorf("its default: %w", wrap(ret))
	}
	lo, hi, ret := d.h.GetPowerManagementLimitConstraints()
	if ret != gonvml.SUCCESS {
		return p, fmt.Errorf("its range: %w", wrap(ret))
	}
	enforced, ret := d.h.GetEnforcedPowerLimit()
	if ret != gonvml.SUCCESS {
		enforced = limit // older boards: the set limit is the only one
	}
	return gpuctl.Power{LimitW: watts(limit), EnforcedW: watts(enforced), DefaultW: watts(def), MinW: watts(lo), MaxW: watts(hi)}, nil
}

func (d *device) SetPowerLimit(w float64) error {
	mw := math.Round(w * 1000)
	if !(mw > 0 && mw <= math.MaxUint32) {
		return fmt.Errorf("power limit %g W is out of range", w)
	}
	return wrap(d.h.SetPowerManagementLimit(uint32(mw)))
}

// Clock reads the graphics clock. NVML cannot say whether it is locked.
func (d *device) Clock() (gpuctl.Clock, error) {
	var c gpuctl.Clock
	cur, ret := d.h.GetClockInfo(gonvml.CLOCK_GRAPHICS)
	if ret != gonvml.SUCCESS {
		return c, wrap(ret)
	}
	hi, ret := d.h.GetMaxClockInfo(gonvml.CLOCK_GRAPHICS)
	if ret != gonvml.SUCCESS {
		return c, fmt.Errorf("its maximum: %w", wrap(ret))
	}
	return gpuctl.Clock{CurrentMHz: int(cur), MaxMHz: int(hi)}, nil
}

func (d *device) LockClock(mhz int) error {
	if mhz <= 0 || mhz > math.MaxUint32 {
		return fmt.Errorf("clock %d MHz is out of range", mhz)
	}
	return wrap(d.h.SetGpuLockedClocks(uint32(mhz), uint32(mhz)))
}

func (d *device) UnlockClock() error { return wrap(d.h.ResetGpuLockedClocks()) }

func watts(mw uint32) float64 { return float64(mw) / 1000 }
