package snmp

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/gosnmp/gosnmp"
)

// errMissing marks a variable the agent does not have (noSuchObject,
// noSuchInstance, endOfMibView).
var errMissing = errors.New("no such object")

// number turns one answered variable into a float. Integer, Gauge32,
// Counter32, Counter64 and friends are numbers; an OctetString holding a
// decimal number ("230.5") is accepted because some PDUs answer that way.
func number(v gosnmp.SnmpPDU) (float64, error) {
	switch v.Type {
	case gosnmp.NoSuchObject, gosnmp.NoSuchInstance, gosnmp.EndOfMibView:
		return 0, errMissing
	case gosnmp.Integer, gosnmp.Counter32, gosnmp.Gauge32, gosnmp.Uinteger32,
		gosnmp.Counter64, gosnmp.TimeTicks:
		f, _ := new(big.Float).SetInt(gosnmp.ToBigInt(v.Value)).Float64()
		return f, nil
	case gosnmp.OpaqueFloat:
		if f, ok := v.Value.(float32); ok {
			return float64(f), nil
		}
	case gosnmp.OpaqueDouble:
		if f, ok := v.Value.(float64); ok {
			return f, nil
		}
	case gosnmp.OctetString:
		b, _ := v.Value.([]byte)
		s := strings.TrimSpace(string(b))
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("is the string %q, not a number", truncate(s, 40))
		}
		return f, nil
	}
	return 0, fmt.Errorf("has the type %s, not a number", v.Type)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
