package snmp

import (
	"fmt"
	"strconv"

	"github.com/aienergy/aienergy/meter"
)

// Unit factors into W and J.
const (
	watt           = 1.0
	hundredthKW    = 10.0              // 0.01 kW = 10 W
	wattHour       = 3600.0            // 1 Wh = 3600 J
	tenthKWh       = 0.1 * 1000 * 3600 // 0.1 kWh = 360 000 J
	raritanPower   = 5                 // PDU2-MIB SensorTypeEnumeration activePower(5), in W
	raritanEnergy  = 8                 // PDU2-MIB SensorTypeEnumeration activeEnergy(8), in Wh
	apcEnterprise  = ".1.3.6.1.4.1.318"
	raritanPDU2    = ".1.3.6.1.4.1.13742.6"
	sentry4        = ".1.3.6.1.4.1.1718.4.1"
	eatonEPDU      = ".1.3.6.1.4.1.534.6.6.7"
	defaultPreset  = "apc_phase"
	customPresetID = "custom"
)

// A preset knows where one PDU family keeps its power and energy.
//
// What each MIB object is and its unit was checked against these sources;
// where an entry was not read in the MIB text itself, the comment says so.
//
// apc_phase — PowerNet-MIB "Easy PDU" branch ePDU = hardware(1.3.6.1.4.1.318.1.1) 30
// (declared in PowerNet-MIB v4.5.2). ePDUPhaseStatusActivePower is column 6
// of ePDUPhaseStatusEntry (.30.4.2.1), indexed by phase. Unit W: taken from
// Network UPS Tools' apc-epdu-mib.c, which reads it with multiplier 1 next
// to a walk of a real EPDU1016M (230.4 V × 3.53 A at power factor 0.965 →
// 785 W, consistent). The MIB's own DESCRIPTION text was not read. Column
// 10 of that table looks like an energy counter but its unit is not known
// here, so it is not read.
//
// apc_rpdu2 — PowerNet-MIB rPDU2 = hardware 26. rPDU2DeviceStatusPower
// (.26.4.3.1.5, "hundredths of kilowatts") and rPDU2DeviceStatusEnergy
// (.26.4.3.1.9, "tenths of kilowatt-hours", user-resettable) per the MIB
// descriptions quoted in Zabbix's APC templates and Observium's apc sensor
// code (multiplier 10 W); rPDU2PhaseStatusPower (.26.6.3.1.7, hundredths
// of kW, Observium multiplier 10). rPDU2OutletMeteredStatusPower
// (.26.9.4.3.1.7, W) per Observium; rPDU2OutletMeteredStatusEnergy
// (.26.9.4.3.1.11, tenths of kWh) per an AP8xxx OID reference table whose
// neighbouring columns agree with Observium's — column 11 itself was not
// read in the MIB text.
//
// raritan — PDU2-MIB (Raritan's SNMP MIB User Guide):
// measurementsInletSensorValue .13742.6.5.2.3.1.4.<pduId>.<inlet>.<type>,
// measurementsOutletSensorValue .13742.6.5.4.3.1.4.<pduId>.<outlet>.<type>,
// inletSensorDecimalDigits .13742.6.3.3.4.1.7.<…>, outletSensorDecimalDigits
// .13742.6.3.5.4.1.7.<…>; value = raw / 10^digits; sensor types
// activePower(5) in W and activeEnergy(8) in Wh.
//
// servertech — Sentry4-MIB (compiled by pysmi, units from the MIB's UNITS
// clauses): st4InputCordActivePower .1718.4.1.3.3.1.3 "Watts",
// st4InputCordEnergy .1718.4.1.3.3.1.10 "tenth Kilowatt-Hours", indexed by
// unit.cord; st4OutletActivePower .1718.4.1.8.3.1.7 "Watts",
// st4OutletEnergy .1718.4.1.8.3.1.14 "Watt-Hours", indexed by
// unit.cord.outlet. All answer -1 where unsupported.
//
// eaton — EATON-EPDU-MIB (compiled by pysmi; Observium's eaton-epdu code):
// inputTotalWatts .534.6.6.7.3.5.1.4 (W) and inputTotalWh .3.5.1.5
// (Unsigned32, Wh, read-write so it can be reset), indexed by
// strappingIndex.inputIndex; outletWatts .534.6.6.7.6.5.1.3 (W) and
// outletWh .6.5.1.4 (Unsigned32, Wh), indexed by strappingIndex.outletIndex.
// The MIB text was not read for the Wh units; the names and Observium's
// multiplier 1 say Wh.
type preset struct {
	describe    string // completes "is this …?"
	defaultUnit int
	inputWord   string // "phase", "inlet", "cord", "input": names channels and messages

	// total reads the whole PDU; nil when the family has no such object
	// and the inputs must be read instead.
	total func(unit int) []object
	// input reads one phase / inlet / cord / input.
	input func(unit, n int) []object
	// outlet reads one outlet; first is the first configured input (the
	// cord, for Sentry4). nil when the family has no metered outlets.
	outlet func(unit, first, n int) []object
}

var presets = map[string]preset{
	"apc_phase": {
		describe:    "an APC Easy PDU (PowerNet-MIB ePDU)",
		defaultUnit: 1,
		inputWord:   "phase",
		input: func(_, n int) []object {
			return []object{
				presetObject(apcEnterprise+".1.1.30.4.2.1.6", n, "ePDUPhaseStatusActivePower", "phase", power, watt),
			}
		},
	},
	"apc_rpdu2": {
		describe:    "an APC rack PDU (PowerNet-MIB rPDU2)",
		defaultUnit: 1,
		inputWord:   "phase",
		total: func(unit int) []object {
			return []object{
				presetObject(apcEnterprise+".1.1.26.4.3.1.5", unit, "rPDU2DeviceStatusPower", "pdu", power, hundredthKW),
				presetObject(apcEnterprise+".1.1.26.4.3.1.9", unit, "rPDU2DeviceStatusEnergy", "pdu", energy, tenthKWh),
			}
		},
		input: func(_, n int) []object {
			return []object{
				presetObject(apcEnterprise+".1.1.26.6.3.1.7", n, "rPDU2PhaseStatusPower", "phase", power, hundredthKW),
			}
		},
		outlet: func(_, _, n int) []object {
			return []object{
				presetObject(apcEnterprise+".1.1.26.9.4.3.1.7", n, "rPDU2OutletMeteredStatusPower", "outlet", power, watt),
				presetObject(apcEnterprise+".1.1.26.9.4.3.1.11", n, "rPDU2OutletMeteredStatusEnergy", "outlet", energy, tenthKWh),
			}
		},
	},
	"raritan": {
		describe:    "a Raritan PX2/PX3 PDU (PDU2-MIB)",
		defaultUnit: 1,
		inputWord:   "inlet",
		input: func(unit, n int) []object {
			return raritanObjects("measurementsInletSensorValue", raritanPDU2+".5.2.3.1.4", raritanPDU2+".3.3.4.1.7", "inlet", unit, n)
		},
		outlet: func(unit, _, n int) []object {
			return raritanObjects("measurementsOutletSensorValue", raritanPDU2+".5.4.3.1.4", raritanPDU2+".3.5.4.1.7", "outlet", unit, n)
		},
	},
	"servertech": {
		describe:    "a Server Technology Sentry4 PDU (Sentry4-MIB)",
		defaultUnit: 1,
		inputWord:   "cord",
		input: func(unit, n int) []object {
			idx := fmt.Sprintf("%d.%d", unit, n)
			return []object{
				indexedObject(sentry4+".3.3.1.3", idx, "st4InputCordActivePower", "cord", n, power, watt),
				indexedObject(sentry4+".3.3.1.10", idx, "st4InputCordEnergy", "cord", n, energy, tenthKWh),
			}
		},
		outlet: func(unit, cord, n int) []object {
			idx := fmt.Sprintf("%d.%d.%d", unit, cord, n)
			return []object{
				indexedObject(sentry4+".8.3.1.7", idx, "st4OutletActivePower", "outlet", n, power, watt),
				indexedObject(sentry4+".8.3.1.14", idx, "st4OutletEnergy", "outlet", n, energy, wattHour),
			}
		},
	},
	"eaton": {
		describe:    "an Eaton ePDU (EATON-EPDU-MIB)",
		defaultUnit: 0,
		inputWord:   "input",
		input: func(unit, n int) []object {
			idx := fmt.Sprintf("%d.%d", unit, n)
			return []object{
				indexedObject(eatonEPDU+".3.5.1.4", idx, "inputTotalWatts", "input", n, power, watt),
				indexedObject(eatonEPDU+".3.5.1.5", idx, "inputTotalWh", "input", n, energy, wattHour),
			}
		},
		outlet: func(unit, _, n int) []object {
			idx := fmt.Sprintf("%d.%d", unit, n)
			return []object{
				indexedObject(eatonEPDU+".6.5.1.3", idx, "outletWatts", "outlet", n, power, watt),
				indexedObject(eatonEPDU+".6.5.1.4", idx, "outletWh", "outlet", n, energy, wattHour),
			}
		},
	},
	customPresetID: {describe: "the PDU you meant"},
}

// presetObject is an object indexed by one number n, on channel prefix+n.
func presetObject(column string, n int, name, prefix string, q quantity, scale float64) object {
	return indexedObject(column, strconv.Itoa(n), name, prefix, n, q, scale)
}

func indexedObject(column, index, name, prefix string, n int, q quantity, scale float64) object {
	return object{
		oid:                 column + "." + index,
		name:                name + "." + index,
		channel:             prefix + strconv.Itoa(n),
		quantity:            q,
		scale:               scale,
		component:           meter.Wall,
		negativeUnsupported: true,
	}
}

// raritanObjects reads activePower and activeEnergy of one inlet or
// outlet, each scaled by its own decimal-digits object.
func raritanObjects(name, valueColumn, digitsColumn, prefix string, pdu, n int) []object {
	var objs []object
	for _, s := range []struct {
		sensor, label string
		q             quantity
		scale         float64
	}{
		{strconv.Itoa(raritanPower), "activePower", power, watt},
		{strconv.Itoa(raritanEnergy), "activeEnergy", energy, wattHour},
	} {
		idx := fmt.Sprintf("%d.%d.%s", pdu, n, s.sensor)
		o := indexedObject(valueColumn, idx, name, prefix, n, s.q, s.scale)
		o.name = fmt.Sprintf("%s.%d.%d.%s", name, pdu, n, s.label)
		o.digitsOID = digitsColumn + "." + idx
		objs = append(objs, o)
	}
	return objs
}

// presetParams are the meter options that select what a preset reads.
type presetParams struct {
	unit    int
	inputs  []int // nil: the total, or input 1 where there is no total
	outlets []int
}

// build lists the objects to read. Outlets, when given, replace the
// inputs, and inputs replace the total: the channels of one meter never
// overlap, so they can be added up.
func (p preset) build(pp presetParams) []object {
	var objs []object
	switch {
	case len(pp.outlets) > 0:
		first := 1
		if len(pp.inputs) > 0 {
			first = pp.inputs[0]
		}
		for _, n := range pp.outlets {
			objs = append(objs, p.outlet(pp.unit, first, n)...)
		}
	case len(pp.inputs) == 0 && p.total != nil:
		objs = p.total(pp.unit)
	default:
		inputs := pp.inputs
		if len(inputs) == 0 {
			inputs = []int{1}
		}
		for _, n := range inputs {
			objs = append(objs, p.input(pp.unit, n)...)
		}
	}
	return objs
}
