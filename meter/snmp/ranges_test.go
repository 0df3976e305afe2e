package snmp

import (
	"maps"
	"math"
	"testing"

	"github.com/gosnmp/gosnmp"

	"github.com/aienergy/aienergy/meter"
)

// TestRangesAndResolutions feeds answers of each SNMP type to readings, as
// a first read would, and checks where each energy channel wraps and how
// fine each channel reports.
func TestRangesAndResolutions(t *testing.T) {
	energyObj := func(scale float64) map[string]any {
		return map[string]any{"oid": playpen + ".1", "channel": "e", "kind": "energy", "scale": scale}
	}
	powerObj := map[string]any{"oid": playpen + ".2", "channel": "e", "kind": "power", "scale": 0.5}
	for _, tc := range []struct {
		name    string
		scale   float64
		answer  gosnmp.SnmpPDU
		maxJ    float64 // 0: no range
		energyJ float64 // 0: no known step
	}{
		{"Counter32 wraps at 2^32 raw units", 3600, gosnmp.SnmpPDU{Type: gosnmp.Counter32, Value: uint(7)}, (1 << 32) * 3600, 3600},
		{"Gauge32 as Unsigned32 counter", 3600, gosnmp.SnmpPDU{Type: gosnmp.Gauge32, Value: uint(7)}, (1 << 32) * 3600, 3600},
		{"Uinteger32", 1, gosnmp.SnmpPDU{Type: gosnmp.Uinteger32, Value: uint32(7)}, 1 << 32, 1},
		{"Counter64", 0.001, gosnmp.SnmpPDU{Type: gosnmp.Counter64, Value: uint64(7)}, (1 << 64) * 0.001, 0.001},
		{"INTEGER stays positive below 2^31", 360000, gosnmp.SnmpPDU{Type: gosnmp.Integer, Value: 7}, (1 << 31) * 360000, 360000},
		{"numeric string: no range, no step", 3600, gosnmp.SnmpPDU{Type: gosnmp.OctetString, Value: []byte("7.25")}, 0, 0},
		{"Opaque double: no range, no step", 3600, gosnmp.SnmpPDU{Type: gosnmp.OpaqueDouble, Value: 7.25}, 0, 0},
		{"negative scale counts down: no wrap", -3600, gosnmp.SnmpPDU{Type: gosnmp.Counter32, Value: uint(7)}, 0, 3600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestMeter(t, map[string]any{"host": "pdu.example", "oids": []any{energyObj(tc.scale), powerObj}})
			if r, res := m.MaxRanges(), m.Resolutions(); len(r) != 0 || len(res) != 0 {
				t.Errorf("before any read: ranges %v, resolutions %v; want none", r, res)
			}
			power := gosnmp.SnmpPDU{Type: gosnmp.Gauge32, Value: uint(3)}
			if _, err := m.readings([]gosnmp.SnmpPDU{tc.answer, power}); err != nil {
				t.Fatal(err)
			}
			wantRanges := map[string]float64{}
			if tc.maxJ > 0 {
				wantRanges["pdu/e"] = tc.maxJ
			}
			if got := m.MaxRanges(); !maps.Equal(got, wantRanges) {
				t.Errorf("MaxRanges() = %v, want %v", got, wantRanges)
			}
			want := map[string]meter.Resolution{"pdu/e": {EnergyJ: tc.energyJ, PowerW: 0.5}}
			if got := m.Resolutions(); !maps.Equal(got, want) {
				t.Errorf("Resolutions() = %v, want %v", got, want)
			}

			// The first answer decides: a later one of another type
			// (a string, say) changes nothing.
			if _, err := m.readings([]gosnmp.SnmpPDU{{Type: gosnmp.OctetString, Value: []byte("8")}, power}); err != nil {
				t.Fatal(err)
			}
			if got := m.MaxRanges(); !maps.Equal(got, wantRanges) {
				t.Errorf("after a second read, MaxRanges() = %v, want %v", got, wantRanges)
			}
		})
	}
}

// TestPresetResolutions: the units the presets' MIBs state, as steps.
func TestPresetResolutions(t *testing.T) {
	integer := gosnmp.SnmpPDU{Type: gosnmp.Integer, Value: 1}
	gauge := gosnmp.SnmpPDU{Type: gosnmp.Gauge32, Value: uint(1)}

	m := newTestMeter(t, map[string]any{"host": "pdu.example", "preset": "apc_rpdu2"})
	if _, err := m.readings([]gosnmp.SnmpPDU{integer, integer}); err != nil {
		t.Fatal(err)
	}
	// Hundredths of kW and tenths of kWh.
	if got, want := m.Resolutions(), map[string]meter.Resolution{"pdu/pdu1": {EnergyJ: 360000, PowerW: 10}}; !maps.Equal(got, want) {
		t.Errorf("apc_rpdu2: Resolutions() = %v, want %v", got, want)
	}
	if got, want := m.MaxRanges(), map[string]float64{"pdu/pdu1": math.Pow(2, 31) * 360000}; !maps.Equal(got, want) {
		t.Errorf("apc_rpdu2: MaxRanges() = %v, want %v", got, want)
	}

	// Raritan: W and Wh divided by 10^digits, as learnScales sets them.
	m = newTestMeter(t, map[string]any{"host": "pdu.example", "preset": "raritan"})
	m.objects[0].divisor, m.objects[1].divisor = 10, 1000
	if _, err := m.readings([]gosnmp.SnmpPDU{gauge, gauge}); err != nil {
		t.Fatal(err)
	}
	if got, want := m.Resolutions(), map[string]meter.Resolution{"pdu/inlet1": {EnergyJ: 3.6, PowerW: 0.1}}; !maps.Equal(got, want) {
		t.Errorf("raritan: Resolutions() = %v, want %v", got, want)
	}
	if got, want := m.MaxRanges(), map[string]float64{"pdu/inlet1": math.Pow(2, 32) * 3600 / 1000}; !maps.Equal(got, want) {
		t.Errorf("raritan: MaxRanges() = %v, want %v", got, want)
	}

	// Power-only channels have no range.
	m = newTestMeter(t, map[string]any{"host": "pdu.example"})
	if _, err := m.readings([]gosnmp.SnmpPDU{integer}); err != nil {
		t.Fatal(err)
	}
	if got := m.MaxRanges(); len(got) != 0 {
		t.Errorf("apc_phase: MaxRanges() = %v, want none", got)
	}
	if got, want := m.Resolutions(), map[string]meter.Resolution{"pdu/phase1": {PowerW: 1}}; !maps.Equal(got, want) {
		t.Errorf("apc_phase: Resolutions() = %v, want %v", got, want)
	}
}
