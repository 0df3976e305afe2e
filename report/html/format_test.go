package html

import (
	"math"
	"strings"
	"testing"
)

func TestSig(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{15, "15.00"}, {41.666666666666664, "41.67"}, {0.25, "0.2500"}, {1500, "1500"},
		{123456.7, "123457"}, {-185.6, "-185.6"}, {0, "0"}, {0.000012346, "0.00001235"},
		{math.NaN(), dash}, {math.Inf(1), dash},
		// Rounds to zero: never "-0.000000000".
		{-1e-12, "0"}, {1e-12, "0"}, {math.Copysign(0, -1), "0"},
	} {
		if got := sig(tc.v); got != tc.want {
			t.Errorf("sig(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
	if got := withU(new(-1e-12), new(0.5), false); got != strings.ReplaceAll("0 ± 0.5000 !", " ", nbsp) {
		t.Errorf("withU(-1e-12, 0.5) = %q", got)
	}
	if got := opt(nil); got != dash {
		t.Errorf("opt(nil) = %q", got)
	}
}
