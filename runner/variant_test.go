package runner

import (
	"testing"

	"github.com/aienergy/aienergy/load"
)

func TestVariantLabel(t *testing.T) {
	tests := []struct {
		v    Variant
		want string
	}{
		{Variant{}, "m"},
		{Variant{Concurrency: 8, Prefill: true, Repetition: 2}, "m [c=8 prefill #2]"},
		{Variant{Stage: "heavy", Rate: &load.Rate{RPS: 2.5}}, "m [stage=heavy rate=2.5]"},
		// The GPU settings are the outermost sweep and come first.
		{Variant{PowerLimitW: 300, Concurrency: 8}, "m [cap=300W c=8]"},
		{Variant{PowerLimitW: 287.5, ClockMHz: 1410, Repetition: 1}, "m [cap=287.5W clock=1410MHz #1]"},
		{Variant{ClockMHz: 1200}, "m [clock=1200MHz]"},
	}
	for _, tt := range tests {
		if got := tt.v.Label("m"); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.v, got, tt.want)
		}
	}
}
