package snmp

import (
	"math"

	"github.com/gosnmp/gosnmp"

	"github.com/aienergy/aienergy/meter"
)

// rawRange is where an integer of SNMP type typ wraps to zero, in raw
// units; 0 where it does not wrap or is not an integer. Gauge32 is meant
// to stick at its maximum (RFC 2578), but PDUs use it, and its twin
// Unsigned32, for energy counters that roll over (Eaton's inputTotalWh),
// so it counts as a 32-bit counter. An INTEGER counter stops being
// positive past 2^31 - 1.
func rawRange(typ gosnmp.Asn1BER) float64 {
	switch typ {
	case gosnmp.Counter32, gosnmp.Gauge32, gosnmp.Uinteger32, gosnmp.TimeTicks:
		return 1 << 32
	case gosnmp.Counter64:
		return 1 << 64
	case gosnmp.Integer:
		return 1 << 31
	}
	return 0 // OctetString, Opaque floats: no wrap the meter knows of
}

// integral says whether a raw unit of an answer of type typ is the step
// of the figure: true for integers, false for strings and floats, whose
// step the answer does not show.
func integral(typ gosnmp.Asn1BER) bool { return rawRange(typ) > 0 }

// MaxRanges gives, per energy channel, the counter value in joules at
// which it wraps, from the type the agent answered with at the first read
// (meter.CounterRanger): without it a Counter32 wrap looks like a reset
// and the interval around it is lost. Empty before the first read.
func (m *pduMeter) MaxRanges() map[string]float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]float64{}
	for i := range m.objects {
		o := &m.objects[i]
		// A negative scale turns the counter down: no wrap to zero.
		if r := rawRange(o.typ); o.quantity == energy && r > 0 && o.scale > 0 {
			out[m.name+"/"+o.channel] = o.value(r)
		}
	}
	return out
}

// Resolutions gives, per channel, one raw unit of its energy object in J
// and of its power object in W (meter.Resolver): what the MIB's units
// make the smallest step, such as 360 000 J for an APC counter in tenths
// of kWh. A figure answered as a string or a float has no known step and
// is left 0. Empty before the first read.
func (m *pduMeter) Resolutions() map[string]meter.Resolution {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]meter.Resolution{}
	for i := range m.objects {
		o := &m.objects[i]
		if !integral(o.typ) {
			continue
		}
		key := m.name + "/" + o.channel
		r := out[key]
		if o.quantity == power {
			r.PowerW = math.Abs(o.value(1))
		} else {
			r.EnergyJ = math.Abs(o.value(1))
		}
		out[key] = r
	}
	return out
}
