package runner

import (
	"testing"
	"testing/fstest"
)

func TestHostFromProc(t *testing.T) {
	tests := []struct {
		name  string
		proc  fstest.MapFS
		model string
		ramGB float64
	}{
		{"x86", fstest.MapFS{
			"cpuinfo": {Data: []byte("processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\nflags\t\t: fpu\n\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\n")},
			"meminfo": {Data: []byte("MemTotal:       16384000 kB\nMemFree:         1000 kB\n")},
		}, "Intel(R) Xeon(R) Platinum 8480+", 16384000 * 1024 / 1e9},
		{"arm", fstest.MapFS{"cpuinfo": {Data: []byte("Processor\t: ARMv7 Processor rev 4 (v7l)\n")}}, "ARMv7 Processor rev 4 (v7l)", 0},
		{"no proc", fstest.MapFS{}, "", 0},
		{"bad meminfo", fstest.MapFS{"meminfo": {Data: []byte("MemTotal: lots\n")}}, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := cpuModel(tc.proc); got != tc.model {
				t.Errorf("cpuModel = %q, want %q", got, tc.model)
			}
			if got := ramTotalGB(tc.proc); got != tc.ramGB {
				t.Errorf("ramTotalGB = %v, want %v", got, tc.ramGB)
			}
		})
	}
}
