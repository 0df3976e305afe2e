package html

import (
	"math"
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
	} {
		if got := sig(tc.v); got != tc.want {
			t.Errorf("sig(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
	if got := opt(nil); got != dash {
		t.Errorf("opt(nil) = %q", got)
	}
}
