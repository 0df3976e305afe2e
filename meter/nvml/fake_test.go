//go:build cgo

package nvml

import (
	"encoding/binary"
	"fmt"
	"sync"

	gonvml "github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/gpus"
)

// fakeGPU is one GPU of a fake machine: the figures NVML reports for it
// and the codes its calls return. go-nvml's mock device reads them at
// every call, so a test can change them between reads.
type fakeGPU struct {
	mu         sync.Mutex
	name       string
	uuid       string
	energyMJ   uint64 // nvmlDeviceGetTotalEnergyConsumption
	energyRet  gonvml.Return
	powerMW    uint32 // nvmlDeviceGetPowerUsage
	powerRet   gonvml.Return
	instantMW  uint32 // NVML_FI_DEV_POWER_INSTANT
	instantRet gonvml.Return
	memoryMW   uint32 // NVML_FI_DEV_POWER_AVERAGE, memory scope
	memoryRet  gonvml.Return
	fieldsRet  gonvml.Return // the field-values call itself
	fieldCalls int
}

func (g *fakeGPU) set(f func(g *fakeGPU)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f(g)
}

// fakeMachine is a DGX H100 as go-nvml's mock packages describe it: eight
// H100 SXM5 80GB boards. Each idles near 70 W with its HBM near 20 W.
type fakeMachine struct {
	lib       *mock.Interface
	gpus      []*fakeGPU
	initRet   gonvml.Return
	symbols   map[string]bool // symbols LookupSymbol finds; nil: all
	shutdowns int
	mu        sync.Mutex
}

func newFakeMachine(n int) *fakeMachine {
	m := &fakeMachine{}
	devs := make([]*mock.Device, n)
	for i := range n {
		g := &fakeGPU{
			name:      gpus.H100_SXM5_80GB.Name,
			uuid:      fmt.Sprintf("GPU-%08x-5a3c-4e1b-9d2f-%012x", 0xa1b2c300+i, i),
			energyMJ:  5_000_000_000 + uint64(i)*1_000_003, // a counter that has run for weeks
			powerMW:   70_000 + uint32(i)*100,
			instantMW: 71_000 + uint32(i)*100,
			memoryMW:  20_000 + uint32(i)*10,
		}
		m.gpus = append(m.gpus, g)
		devs[i] = fakeDevice(i, g)
	}
	ext := &mock.ExtendedInterface{LookupSymbolFunc: func(s string) error {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.symbols == nil || m.symbols[s] {
			return nil
		}
		return fmt.Errorf("undefined symbol: %s", s)
	}}
	m.lib = &mock.Interface{
		InitFunc: func() gonvml.Return { return m.initRet },
		ShutdownFunc: func() gonvml.Return {
			m.mu.Lock()
			defer m.mu.Unlock()
			m.shutdowns++
			return gonvml.SUCCESS
		},
		DeviceGetCountFunc: func() (int, gonvml.Return) { return len(devs), gonvml.SUCCESS },
		DeviceGetHandleByIndexFunc: func(i int) (gonvml.Device, gonvml.Return) {
			if i < 0 || i >= len(devs) {
				return nil, gonvml.ERROR_INVALID_ARGUMENT
			}
			return devs[i], gonvml.SUCCESS
		},
		ExtensionsFunc: func() gonvml.ExtendedInterface { return ext },
	}
	return m
}

func (m *fakeMachine) shutdownCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.shutdowns
}

func fakeDevice(index int, g *fakeGPU) *mock.Device {
	locked := func(f func()) {
		g.mu.Lock()
		defer g.mu.Unlock()
		f()
	}
	return &mock.Device{
		GetIndexFunc: func() (int, gonvml.Return) { return index, gonvml.SUCCESS },
		GetUUIDFunc:  func() (u string, r gonvml.Return) { locked(func() { u = g.uuid }); return u, gonvml.SUCCESS },
		GetNameFunc:  func() (n string, r gonvml.Return) { locked(func() { n = g.name }); return n, gonvml.SUCCESS },
		GetTotalEnergyConsumptionFunc: func() (v uint64, r gonvml.Return) {
			locked(func() { v, r = g.energyMJ, g.energyRet })
			return v, r
		},
		GetPowerUsageFunc: func() (v uint32, r gonvml.Return) {
			locked(func() { v, r = g.powerMW, g.powerRet })
			return v, r
		},
		GetFieldValuesFunc: func(values []gonvml.FieldValue) (r gonvml.Return) {
			locked(func() {
				g.fieldCalls++
				if r = g.fieldsRet; r != gonvml.SUCCESS {
					return
				}
				for i := range values {
					fv := &values[i]
					var v uint32
					var ret gonvml.Return
					switch {
					case fv.FieldId == gonvml.FI_DEV_POWER_INSTANT && fv.ScopeId == gonvml.POWER_SCOPE_GPU:
						v, ret = g.instantMW, g.instantRet
					case fv.FieldId == gonvml.FI_DEV_POWER_AVERAGE && fv.ScopeId == gonvml.POWER_SCOPE_MEMORY:
						v, ret = g.memoryMW, g.memoryRet
					default:
						ret = gonvml.ERROR_NOT_SUPPORTED
					}
					// As the driver does: a code per field, the value as a
					// C union in the machine's byte order.
					fv.NvmlReturn = uint32(ret)
					fv.ValueType = uint32(gonvml.VALUE_TYPE_UNSIGNED_INT)
					fv.Timestamp = 1_700_000_000_000_000
					binary.NativeEndian.PutUint32(fv.Value[:], v)
				}
			})
			return r
		},
	}
}

// binaryNE writes integers in the machine's byte order, as C would.
type binaryNE struct{}

func (binaryNE) u16(b []byte, v uint16) { binary.NativeEndian.PutUint16(b, v) }
func (binaryNE) u32(b []byte, v uint32) { binary.NativeEndian.PutUint32(b, v) }
func (binaryNE) u64(b []byte, v uint64) { binary.NativeEndian.PutUint64(b, v) }
