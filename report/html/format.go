package html

import (
	"math"
	"strconv"
	"strings"
)

// dash stands for a figure that has no data, never for zero.
const dash = "—"

// sig formats v with about four significant digits and no exponent, so a
// table's figures read alike: 15.00, 0.2500, 1500, 41.67.
func sig(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return dash
	case v == 0:
		return "0"
	}
	// The exponent after rounding to four digits: 99.9999 is 100.0, not
	// 100.00.
	e := strconv.FormatFloat(v, 'e', 3, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	return strconv.FormatFloat(v, 'f', min(max(3-exp, 0), 9), 64)
}

// opt formats an optional figure.
func opt(v *float64) string {
	if v == nil {
		return dash
	}
	return sig(*v)
}

// pair formats a gross and a net figure as "gross / net".
func pair(gross, net *float64) string {
	return opt(gross) + " / " + opt(net)
}

func percent(v float64) string { return sig(100*v) + " %" }
