package nvml

import (
	"slices"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/meter"
)

func TestOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    map[string]any
		want    options
		wantErr string
	}{
		{name: "defaults", want: options{power: powerAuto, library: defaultLibrary}},
		{name: "everything", opts: map[string]any{"devices": []any{0, "GPU-abc"}, "power": "average", "memory_power": true, "library": "/usr/lib/wsl/lib/libnvidia-ml.so.1"},
			want: options{devices: []deviceRef{{Index: 0}, {UUID: "GPU-abc"}}, power: powerAverage, memoryPower: true, library: "/usr/lib/wsl/lib/libnvidia-ml.so.1"}},
		{name: "unknown key", opts: map[string]any{"device": []any{0}},
			wantErr: `cfg.yaml:4: meters[gpu].device: unknown option for a meter of type "nvml"; did you mean "devices"? (valid options: devices, library, memory_power, power)`},
		{name: "bad power", opts: map[string]any{"power": "peak"}, wantErr: `meters[gpu].power: want auto, instant or average, got "peak"`},
		{name: "memory_power not a bool", opts: map[string]any{"memory_power": "yes"}, wantErr: `meters[gpu].memory_power: want true or false, got "yes"`},
		{name: "empty library", opts: map[string]any{"library": ""}, wantErr: "meters[gpu].library: must not be empty"},
		{name: "device mapping", opts: map[string]any{"devices": []any{map[string]any{"index": 0}}}, wantErr: "meters[gpu].devices[0]: want a GPU index or UUID, got a list or mapping"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseOptions(meter.Spec{Name: "gpu", Type: "nvml", Options: tc.opts, Source: "cfg.yaml:4"})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.devices, tc.want.devices) || got.power != tc.want.power ||
				got.memoryPower != tc.want.memoryPower || got.library != tc.want.library {
				t.Errorf("options = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestKindRegistered(t *testing.T) {
	if !slices.Contains(meter.Kinds(), "nvml") {
		t.Errorf("kinds = %v, want nvml among them", meter.Kinds())
	}
}
