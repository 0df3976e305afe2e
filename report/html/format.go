package html

import (
	"math"
	"strconv"
	"strings"

	"github.com/aienergy/aienergy/report"
)

// dash stands for a figure that has no data, never for zero.
const dash = "—"

// nbsp is a no-break space.
const nbsp = "\u00a0"

// sig formats v with about four significant digits and no exponent, so a
// table's figures read alike: 15.00, 0.2500, 1500, 41.67.
func sig(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return dash
	case v == 0:
		return "0"
	}
	return noNegativeZero(strconv.FormatFloat(v, 'f', decimals(v), 64))
}

// noNegativeZero writes a figure that rounds to zero as 0: a net energy
// of −1e−12 J reads 0, never −0.000000000.
func noNegativeZero(s string) string {
	if strings.Trim(s, "-0.") == "" {
		return "0"
	}
	return s
}

// decimals is how many decimals give v about four significant digits.
func decimals(v float64) int {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	// The exponent after rounding to four digits: 99.9999 is 100.0, not
	// 100.00.
	e := strconv.FormatFloat(v, 'e', 3, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	return min(max(3-exp, 0), 9)
}

// withU formats a figure and its uncertainty, "15.00 ± 0.12": both to
// four significant digits of the larger (the uncertainty to two where
// that would round it to zero), and with relative, its share of the
// figure too: "1500 ± 12 (0.8 %)". " !" marks an uncertainty above
// analysis.UncertaintyWarnFraction. Without an uncertainty it is opt(v).
func withU(v, u *float64, relative bool) string {
	if v == nil || u == nil || math.IsNaN(*u) || math.IsInf(*u, 0) {
		return opt(v)
	}
	d := decimals(math.Max(math.Abs(*v), *u))
	du := d
	if *u > 0 && *u < 0.5*math.Pow10(-d) {
		du = min(1-int(math.Floor(math.Log10(*u))), 12)
	}
	s := noNegativeZero(strconv.FormatFloat(*v, 'f', d, 64)) + " ± " + strconv.FormatFloat(*u, 'f', du, 64)
	if relative && *v != 0 {
		s += " (" + report.UncertaintyPercent(*u/math.Abs(*v)) + ")"
	}
	if report.HighlyUncertain(v, u) {
		s += " !"
	}
	// A figure and its uncertainty wrap as one: a narrow cell breaks
	// only between the gross and the net figure.
	return strings.ReplaceAll(s, " ", nbsp)
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
