package nvidiasmi

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aienergy/aienergy/meter"
)

func TestParseLine(t *testing.T) {
	tests := []struct {
		line    string
		instant bool
		want    sample
		wantErr string
	}{
		{line: "0, " + uuid0 + ", 69.84, 70.12", instant: true,
			want: sample{index: 0, uuid: uuid0, draw: value{watts: 69.84}, instant: value{watts: 70.12}}},
		{line: "3, " + uuid1 + ", 662.71", want: sample{index: 3, uuid: uuid1, draw: value{watts: 662.71}, instant: notQueried}},
		{line: "1, " + uuid1 + ", [Not Supported], [N/A]", instant: true,
			want: sample{index: 1, uuid: uuid1, draw: value{absent: "[Not Supported]"}, instant: value{absent: "[N/A]"}}},
		{line: "1, " + uuid1 + ", N/A", want: sample{index: 1, uuid: uuid1, draw: value{absent: "N/A"}, instant: notQueried}},
		{line: "0, " + uuid0 + ", 69.84", instant: true, wantErr: "want 4 comma-separated fields, got 3"},
		{line: "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.", wantErr: "want 3 comma-separated fields, got 1"},
		{line: "x, " + uuid0 + ", 69.84", wantErr: `index "x" is not a GPU index`},
		{line: "0, 00000000:3B:00.0, 69.84", wantErr: `uuid "00000000:3B:00.0" is not a GPU UUID`},
		{line: "0, " + uuid0 + ", 69.84 W", wantErr: `power.draw: "69.84 W" is not a power in watts`},
		{line: "0, " + uuid0 + ", -1.00", wantErr: `power.draw: "-1.00" is not a power in watts`},
		{line: "0, " + uuid0 + ", 69.84, NaN", instant: true, wantErr: `power.draw.instant: "NaN" is not a power in watts`},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			got, err := parseLine(tc.line, tc.instant)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("parseLine = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestHelpFields(t *testing.T) {
	for _, tc := range []struct {
		file         string
		instant      bool
		wantReported []string
	}{
		{"help-query-gpu-550.txt", true, []string{"index", "uuid", "gpu_uuid", "power.draw", "power.draw.average", "power.draw.instant", "clocks.sm"}},
		{"help-query-gpu-470.txt", false, []string{"index", "uuid", "power.draw"}},
	} {
		b, err := os.ReadFile("testdata/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		fields := helpFields(string(b))
		for _, f := range tc.wantReported {
			if !fields[f] {
				t.Errorf("%s: %q missing from %v", tc.file, f, fields)
			}
		}
		if fields[fieldInstant] != tc.instant {
			t.Errorf("%s: instant = %v, want %v", tc.file, fields[fieldInstant], tc.instant)
		}
		// Quoted words inside descriptions are not fields.
		for _, bad := range []string{"--query-gpu=", "Supported", "YYYY/MM/DD HH:MM:SS.msec"} {
			if fields[bad] {
				t.Errorf("%s: %q taken for a field", tc.file, bad)
			}
		}
	}
}

func TestOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    map[string]any
		want    options
		wantErr string
	}{
		{name: "defaults", want: options{path: "nvidia-smi", interval: 100 * time.Millisecond, power: powerAuto}},
		{name: "everything", opts: map[string]any{"path": "/usr/bin/nvidia-smi", "interval": "1s", "devices": []any{"GPU-abc", 2}, "power": "average"},
			want: options{path: "/usr/bin/nvidia-smi", interval: time.Second, devices: []deviceRef{{UUID: "GPU-abc"}, {Index: 2}}, power: powerAverage}},
		{name: "sub-millisecond", opts: map[string]any{"interval": "500us"}, wantErr: "meters[smi].interval: nvidia-smi loops in whole milliseconds (-lms); got 500µs"},
		{name: "fractional ms", opts: map[string]any{"interval": "1.5ms"}, wantErr: "whole milliseconds"},
		{name: "bare number", opts: map[string]any{"interval": 100}, wantErr: `meters[smi].interval: want a duration with a unit`},
		{name: "unknown key", opts: map[string]any{"lms": 100}, wantErr: `meters[smi].lms: unknown option for a meter of type "nvidia-smi"`},
		{name: "bad power", opts: map[string]any{"power": "max"}, wantErr: `meters[smi].power: want auto, instant or average, got "max"`},
		{name: "empty path", opts: map[string]any{"path": ""}, wantErr: "meters[smi].path: must not be empty"},
		{name: "bad device", opts: map[string]any{"devices": []any{"00000000:3B:00.0"}}, wantErr: "meters[smi].devices[0]: want a GPU index such as 0 or a UUID"},
		{name: "negative device", opts: map[string]any{"devices": []any{-2.0}}, wantErr: "meters[smi].devices[0]: GPU index -2 is out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseOptions(meter.Spec{Name: "smi", Type: "nvidia-smi", Options: tc.opts})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.path != tc.want.path || got.interval != tc.want.interval || got.power != tc.want.power || !slices.Equal(got.devices, tc.want.devices) {
				t.Errorf("options = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestKindRegistered(t *testing.T) {
	if !slices.Contains(meter.Kinds(), "nvidia-smi") {
		t.Errorf("kinds = %v", meter.Kinds())
	}
}
