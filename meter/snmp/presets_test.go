package snmp

import (
	"fmt"
	"testing"

	"github.com/aienergy/aienergy/meter"
)

// TestPresetTables pins every preset's OIDs, channels and scales, and
// checks each scale on a raw value converted by hand: a wrong column or a
// factor of ten is a silent 10× error in every figure of a run.
func TestPresetTables(t *testing.T) {
	type obj struct {
		oid, channel string
		q            quantity
		raw, want    float64 // raw value → W or J, worked out by hand
	}
	for _, tc := range []struct {
		preset string
		opts   map[string]any
		want   []obj
	}{
		{"apc_phase", nil, []obj{
			// ePDUPhaseStatusActivePower.1 in W: the seed's OID.
			{".1.3.6.1.4.1.318.1.1.30.4.2.1.6.1", "phase1", power, 785, 785},
		}},
		{"apc_phase", map[string]any{"inputs": []any{2, 3}}, []obj{
			{".1.3.6.1.4.1.318.1.1.30.4.2.1.6.2", "phase2", power, 1, 1},
			{".1.3.6.1.4.1.318.1.1.30.4.2.1.6.3", "phase3", power, 1, 1},
		}},
		{"apc_rpdu2", nil, []obj{
			// 613 hundredths of kW = 6.13 kW = 6130 W.
			{".1.3.6.1.4.1.318.1.1.26.4.3.1.5.1", "pdu1", power, 613, 6130},
			// 170982 tenths of kWh = 17098.2 kWh = 17098.2 × 3.6e6 J.
			{".1.3.6.1.4.1.318.1.1.26.4.3.1.9.1", "pdu1", energy, 170982, 61_553_520_000},
		}},
		{"apc_rpdu2", map[string]any{"unit": 2}, []obj{
			{".1.3.6.1.4.1.318.1.1.26.4.3.1.5.2", "pdu2", power, 1, 10},
			{".1.3.6.1.4.1.318.1.1.26.4.3.1.9.2", "pdu2", energy, 1, 360_000},
		}},
		{"apc_rpdu2", map[string]any{"inputs": []any{3}}, []obj{
			// 57 hundredths of kW = 570 W.
			{".1.3.6.1.4.1.318.1.1.26.6.3.1.7.3", "phase3", power, 57, 570},
		}},
		{"apc_rpdu2", map[string]any{"outlets": []any{5}}, []obj{
			{".1.3.6.1.4.1.318.1.1.26.9.4.3.1.7.5", "outlet5", power, 180, 180},
			// 25 tenths of kWh = 2.5 kWh = 9 MJ.
			{".1.3.6.1.4.1.318.1.1.26.9.4.3.1.11.5", "outlet5", energy, 25, 9_000_000},
		}},
		{"raritan", nil, []obj{
			// Before the decimal digits are known: W and Wh.
			{".1.3.6.1.4.1.13742.6.5.2.3.1.4.1.1.5", "inlet1", power, 180, 180},
			{".1.3.6.1.4.1.13742.6.5.2.3.1.4.1.1.8", "inlet1", energy, 2, 7200},
		}},
		{"raritan", map[string]any{"unit": 2, "outlets": []any{4}}, []obj{
			{".1.3.6.1.4.1.13742.6.5.4.3.1.4.2.4.5", "outlet4", power, 1, 1},
			{".1.3.6.1.4.1.13742.6.5.4.3.1.4.2.4.8", "outlet4", energy, 1, 3600},
		}},
		{"servertech", nil, []obj{
			{".1.3.6.1.4.1.1718.4.1.3.3.1.3.1.1", "cord1", power, 888, 888},
			// 4521 tenths of kWh = 452.1 kWh.
			{".1.3.6.1.4.1.1718.4.1.3.3.1.10.1.1", "cord1", energy, 4521, 1_627_560_000},
		}},
		{"servertech", map[string]any{"inputs": []any{2}, "outlets": []any{7}}, []obj{
			// Outlets of the first configured cord: unit.cord.outlet.
			{".1.3.6.1.4.1.1718.4.1.8.3.1.7.1.2.7", "outlet7", power, 10, 10},
			{".1.3.6.1.4.1.1718.4.1.8.3.1.14.1.2.7", "outlet7", energy, 10, 36000}, // Wh
		}},
		{"eaton", nil, []obj{
			// Strapping index 0 (a standalone PDU), input 1.
			{".1.3.6.1.4.1.534.6.6.7.3.5.1.4.0.1", "input1", power, 1450, 1450},
			{".1.3.6.1.4.1.534.6.6.7.3.5.1.5.0.1", "input1", energy, 21931, 78_951_600},
		}},
		{"eaton", map[string]any{"outlets": []any{2}}, []obj{
			{".1.3.6.1.4.1.534.6.6.7.6.5.1.3.0.2", "outlet2", power, 177, 177},
			{".1.3.6.1.4.1.534.6.6.7.6.5.1.4.0.2", "outlet2", energy, 1, 3600},
		}},
	} {
		t.Run(fmt.Sprintf("%s %v", tc.preset, tc.opts), func(t *testing.T) {
			opts := map[string]any{"host": "pdu.example", "preset": tc.preset}
			for k, v := range tc.opts {
				opts[k] = v
			}
			m := newTestMeter(t, opts)
			if len(m.objects) != len(tc.want) {
				t.Fatalf("%d objects, want %d: %+v", len(m.objects), len(tc.want), m.objects)
			}
			for i, w := range tc.want {
				o := m.objects[i]
				if o.oid != w.oid || o.channel != w.channel || o.quantity != w.q || o.component != meter.Wall {
					t.Errorf("object %d: %s %s %s %s, want %s %s %s wall", i, o.oid, o.channel, o.quantity, o.component, w.oid, w.channel, w.q)
				}
				if got := w.raw * o.scale; got != w.want {
					t.Errorf("%s: raw %v becomes %v, want %v", o.name, w.raw, got, w.want)
				}
				if !o.negativeUnsupported {
					t.Errorf("%s: presets treat negative values as unsupported", o.name)
				}
				if (tc.preset == "raritan") != (o.digitsOID != "") {
					t.Errorf("%s: digitsOID %q", o.name, o.digitsOID)
				}
			}
		})
	}
}

func TestRaritanDigitsObjects(t *testing.T) {
	m := newTestMeter(t, map[string]any{"host": "pdu.example", "preset": "raritan", "inputs": []any{2}})
	for i, want := range []struct{ name, digits, digitsName string }{
		{"measurementsInletSensorValue.1.2.activePower", ".1.3.6.1.4.1.13742.6.3.3.4.1.7.1.2.5", "inletSensorDecimalDigits.1.2.activePower"},
		{"measurementsInletSensorValue.1.2.activeEnergy", ".1.3.6.1.4.1.13742.6.3.3.4.1.7.1.2.8", "inletSensorDecimalDigits.1.2.activeEnergy"},
	} {
		o := &m.objects[i]
		if o.name != want.name || o.digitsOID != want.digits || digitsName(o) != want.digitsName {
			t.Errorf("object %d: %s %s %s, want %+v", i, o.name, o.digitsOID, digitsName(o), want)
		}
	}
}

func newTestMeter(t testing.TB, opts map[string]any) *pduMeter {
	t.Helper()
	m, err := meter.New(t.Context(), meter.Spec{Name: "pdu", Type: "snmp", Options: opts})
	if err != nil {
		t.Fatalf("meter.New: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m.(*pduMeter)
}
