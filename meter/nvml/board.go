//go:build cgo

package nvml

import (
	"errors"
	"fmt"

	gonvml "github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/aienergy/aienergy/meter"
)

// componentPart marks a channel that is contained in another channel of the
// same meter (HBM power inside the board power): shown, never summed.
const componentPart = meter.Part

// powerSource is where a board's Reading.Watts comes from.
type powerSource int

const (
	noPower      powerSource = iota // the GPU reports no power; Watts is NaN
	averagePower                    // nvmlDeviceGetPowerUsage
	instantPower                    // the instant-power field value
)

// board is one selected GPU and what it was found to report.
type board struct {
	dev     gpu
	index   int
	uuid    string
	name    string
	channel string // "gpu3"

	energy bool // has the total-energy counter
	power  powerSource
	memory bool // memory power requested and reported

	req  []gonvml.FieldValue // the field values read at each sample
	vals []float64
}

// capabilities is what probing one GPU found.
type capabilities struct {
	energy, average, instant, memory gonvml.Return
}

// probe asks the GPU once for every figure the meter could read. Only
// "not supported" (and "function not found", an older driver) mean the
// figure is missing; any other failure is returned as an error.
func (b *board) probe(lib library, wantMemory bool) (capabilities, error) {
	c := capabilities{instant: gonvml.ERROR_FUNCTION_NOT_FOUND, memory: gonvml.ERROR_NOT_SUPPORTED}
	_, c.energy = b.dev.GetTotalEnergyConsumption()
	_, c.average = b.dev.GetPowerUsage()
	// Calling a symbol the loaded driver lacks would crash the process,
	// not return an error: look it up first.
	if lib.Extensions().LookupSymbol(fieldValuesSymbol) == nil {
		c.instant = probeField(b.dev, instantField)
		if wantMemory {
			c.memory = probeField(b.dev, memoryField)
		}
	}
	for _, got := range []struct {
		what string
		ret  gonvml.Return
	}{
		{"total energy", c.energy},
		{"power", c.average},
		{fieldNames[instantField.FieldId], c.instant},
		{fieldNames[memoryField.FieldId], c.memory},
	} {
		if got.ret != gonvml.SUCCESS && !missing(got.ret) {
			return c, readError(b, got.what, got.ret)
		}
	}
	return c, nil
}

func probeField(dev gpu, f gonvml.FieldValue) gonvml.Return {
	_, ret := readFields(dev, []gonvml.FieldValue{f}, make([]float64, 1))
	return ret
}

// missing reports whether a return code means "this GPU has no such figure".
func missing(ret gonvml.Return) bool {
	return ret == gonvml.ERROR_NOT_SUPPORTED || ret == gonvml.ERROR_FUNCTION_NOT_FOUND
}

// configure decides what the board reports from what probing found, and
// returns notes for the user about what it could not have.
func (b *board) configure(c capabilities, mode powerMode) (notes []string, err error) {
	id := fmt.Sprintf("%s (%s)", b.channel, b.name)
	b.energy = c.energy == gonvml.SUCCESS
	switch {
	case mode != powerAverage && c.instant == gonvml.SUCCESS:
		b.power = instantPower
	case mode == powerInstant:
		return nil, fmt.Errorf("%s: the driver does not offer instant power (%s: %s); set power: auto or average",
			id, fieldNames[instantField.FieldId], retString(c.instant))
	case c.average == gonvml.SUCCESS:
		b.power = averagePower
		if mode == powerAuto {
			notes = append(notes, id+": no instant power from this driver; power is NVML's average (one second on Ampere and newer)")
		}
	case mode == powerAverage && b.energy:
		return nil, fmt.Errorf("%s: reports no power (nvmlDeviceGetPowerUsage: %s); set power: auto to read its energy counter only",
			id, retString(c.average))
	}
	switch {
	case !b.energy && b.power == noPower:
		return nil, fmt.Errorf("%s reports neither energy nor power (%s); leave it out of devices",
			id, retString(c.energy))
	case !b.energy:
		notes = append(notes, id+": no total-energy counter (it needs Volta or newer); its energy will be integrated from power")
	case b.power == noPower:
		notes = append(notes, id+": reports energy but no power figure; its readings carry the counter only")
	}
	b.memory = c.memory == gonvml.SUCCESS
	b.req = b.req[:0]
	if b.power == instantPower {
		b.req = append(b.req, instantField)
	}
	if b.memory {
		b.req = append(b.req, memoryField)
	}
	b.vals = make([]float64, len(b.req))
	return notes, nil
}

// read samples the board: one reading for the board, and one for its
// memory when asked. NVML reports millijoules and milliwatts.
func (b *board) read() ([]meter.Reading, error) {
	r := meter.Reading{Channel: b.channel, Component: meter.GPU, Watts: meter.NoValue, Joules: meter.NoValue}
	if b.energy {
		mj, ret := b.dev.GetTotalEnergyConsumption()
		if ret != gonvml.SUCCESS {
			return nil, readError(b, "total energy", ret)
		}
		r.Joules = float64(mj) / 1e3
	}
	if b.power == averagePower {
		mw, ret := b.dev.GetPowerUsage()
		if ret != gonvml.SUCCESS {
			return nil, readError(b, "power", ret)
		}
		r.Watts = float64(mw) / 1e3
	}
	if len(b.req) == 0 {
		return []meter.Reading{r}, nil
	}
	if i, ret := readFields(b.dev, b.req, b.vals); ret != gonvml.SUCCESS {
		what := "field values"
		if i >= 0 {
			what = fieldNames[b.req[i].FieldId]
		}
		return nil, readError(b, what, ret)
	}
	out := []meter.Reading{r}
	for i, f := range b.req {
		switch {
		case sameField(f, instantField):
			out[0].Watts = b.vals[i] / 1e3
		case sameField(f, memoryField):
			out = append(out, meter.Reading{
				Channel: b.channel + "-memory", Component: componentPart,
				Watts: b.vals[i] / 1e3, Joules: meter.NoValue,
			})
		}
	}
	return out, nil
}

func sameField(a, b gonvml.FieldValue) bool {
	return a.FieldId == b.FieldId && a.ScopeId == b.ScopeId
}

var errClosed = errors.New("nvml meter: read after Close")
