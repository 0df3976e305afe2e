package snmp

import (
	"errors"
	"strings"
	"testing"

	"github.com/gosnmp/gosnmp"
)

func TestNumber(t *testing.T) {
	for _, tc := range []struct {
		name string
		pdu  gosnmp.SnmpPDU
		want float64
		err  string
	}{
		{"integer", gosnmp.SnmpPDU{Type: gosnmp.Integer, Value: -5}, -5, ""},
		{"gauge max", gosnmp.SnmpPDU{Type: gosnmp.Gauge32, Value: uint(4294967295)}, 4294967295, ""},
		{"counter32", gosnmp.SnmpPDU{Type: gosnmp.Counter32, Value: uint(7)}, 7, ""},
		// 2^53 + 2 is still exact in a float64; a Wh counter never gets near.
		{"counter64", gosnmp.SnmpPDU{Type: gosnmp.Counter64, Value: uint64(1<<53 + 2)}, 1<<53 + 2, ""},
		{"numeric string", gosnmp.SnmpPDU{Type: gosnmp.OctetString, Value: []byte(" 230.5\n")}, 230.5, ""},
		{"opaque float", gosnmp.SnmpPDU{Type: gosnmp.OpaqueFloat, Value: float32(1.5)}, 1.5, ""},
		{"text", gosnmp.SnmpPDU{Type: gosnmp.OctetString, Value: []byte("n/a")}, 0, `is the string "n/a", not a number`},
		{"null", gosnmp.SnmpPDU{Type: gosnmp.Null}, 0, "has the type Null, not a number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := number(tc.pdu)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	for _, typ := range []gosnmp.Asn1BER{gosnmp.NoSuchObject, gosnmp.NoSuchInstance, gosnmp.EndOfMibView} {
		if _, err := number(gosnmp.SnmpPDU{Type: typ}); !errors.Is(err, errMissing) {
			t.Errorf("%v: error %v, want errMissing", typ, err)
		}
	}
}

func TestFirstLineCutsStackTraces(t *testing.T) {
	msg := "error reading from socket: runtime error: index out of range\ngoroutine 7 [running]:\nmain.f()"
	if got, want := firstLine(msg, 300), "error reading from socket: runtime error: index out of range …"; got != want {
		t.Errorf("firstLine = %q, want %q", got, want)
	}
	if got := firstLine(strings.Repeat("x", 400), 300); len(got) != 300+len("…") {
		t.Errorf("firstLine kept %d bytes, want 300 and a mark", len(got))
	}
}
