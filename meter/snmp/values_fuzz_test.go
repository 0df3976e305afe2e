package snmp

import (
	"math"
	"testing"

	"github.com/gosnmp/gosnmp"
)

// FuzzNumber decodes whatever an agent could answer as an SNMP packet
// and reads every variable in it as a number: an error or a finite
// number, never a panic. (A panic inside gosnmp's decoder is gosnmp's:
// its send recovers it into an error, so it is skipped here.)
func FuzzNumber(f *testing.F) {
	for _, pdu := range []gosnmp.SnmpPDU{
		{Name: ".1.3.6.1.4.1.318.1.1.12.2.3.1.1.2.1", Type: gosnmp.Integer, Value: 42},
		{Name: ".1.3.6.1.2.1.1.3.0", Type: gosnmp.Counter64, Value: uint64(1 << 62)},
		{Name: ".1.3.6.1.2.1.1.5.0", Type: gosnmp.OctetString, Value: []byte(" 230.5")},
		{Name: ".1.3.6.1.2.1.1.6.0", Type: gosnmp.OpaqueFloat, Value: float32(1.5)},
		{Name: ".1.3.6.1.2.1.1.7.0", Type: gosnmp.NoSuchInstance},
	} {
		p := &gosnmp.SnmpPacket{Version: gosnmp.Version2c, Community: "public", PDUType: gosnmp.GetResponse, Variables: []gosnmp.SnmpPDU{pdu}}
		if b, err := p.MarshalMsg(); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, packet []byte) {
		var vars []gosnmp.SnmpPDU
		func() {
			defer func() { _ = recover() }()
			x := &gosnmp.GoSNMP{Version: gosnmp.Version2c, Community: "public", Logger: gosnmp.NewLogger(nil)}
			if p, err := x.SnmpDecodePacket(packet); err == nil {
				vars = p.Variables
			}
		}()
		for _, v := range vars {
			if f, err := number(v); err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) && v.Type == gosnmp.OctetString {
				t.Fatalf("%v read as %v", v.Value, f)
			}
		}
	})
}
