package gpudev

import (
	"slices"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/meter"
)

func TestParse(t *testing.T) {
	tests := []struct {
		devices any
		want    []Ref
		err     string
	}{
		{nil, nil, ""},
		{[]any{0, "3", "GPU-5a3c"}, []Ref{{Index: 0}, {Index: 3}, {UUID: "GPU-5a3c"}}, ""},
		{2, []Ref{{Index: 2}}, ""}, // one device without brackets
		{[]any{}, nil, "devices: empty list"},
		{[]any{-1}, nil, "devices[0]: GPU index -1 is out of range"},
		{[]any{1.5}, nil, "devices[0]: want a GPU index or UUID, got the number 1.5"},
		{[]any{"MIG-1234"}, nil, "MIG instance"},
		{[]any{"gpu0"}, nil, `nvidia-smi -L lists them), got "gpu0"`},
	}
	for _, tt := range tests {
		opts := map[string]any{}
		if tt.devices != nil {
			opts["devices"] = tt.devices
		}
		got, err := Parse(meter.Spec{Name: "g", Type: "nvml", Options: opts})
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%v: err = %v, want %q", tt.devices, err, tt.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("%v: %v, %v; want %v", tt.devices, got, err, tt.want)
		}
	}
}

func TestMatches(t *testing.T) {
	if !(Ref{Index: 2}).Matches(2, "GPU-x") || (Ref{Index: 2}).Matches(3, "GPU-x") {
		t.Error("index matching")
	}
	if !(Ref{UUID: "gpu-ABC"}).Matches(9, "GPU-abc") || (Ref{UUID: "GPU-abc"}).Matches(0, "GPU-abd") {
		t.Error("UUID matching ignores case only")
	}
}
