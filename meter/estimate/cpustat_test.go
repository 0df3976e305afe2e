package estimate

import (
	"strings"
	"testing"
)

func TestParseCPUTimes(t *testing.T) {
	tests := []struct {
		name        string
		stat        string
		busy, total uint64
		err         string
	}{
		{"all ten columns; guest is inside user, not added",
			"cpu  100 20 30 800 50 5 10 0 40 7\ncpu0 1 1 1 1 1 1 1 1 1 1\n", 165, 1015, ""},
		{"steal counts as not ours",
			"cpu  100 0 0 600 0 0 0 300 0 0\n", 100, 1000, ""},
		{"a 2.6.0 kernel: seven columns",
			"cpu  100 20 30 800 50 5 10\n", 165, 1015, ""},
		{"a 2.4 kernel: four columns",
			"cpu  100 20 30 800\n", 150, 950, ""},
		{"per-CPU lines alone are not the machine", "cpu0 1 2 3 4\n", 0, 0, `no "cpu" line`},
		{"too few columns", "cpu  1 2 3\n", 0, 0, "has 3 columns"},
		{"not a number", "cpu  1 2 x 4\n", 0, 0, `column 3 is "x"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseCPUTimes([]byte(tc.stat))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.busy != tc.busy || got.total != tc.total {
				t.Errorf("busy/total = %d/%d, want %d/%d", got.busy, got.total, tc.busy, tc.total)
			}
		})
	}
}

func TestUtilization(t *testing.T) {
	tests := []struct {
		name      string
		prev, cur cpuTimes
		want      float64
		ok        bool
	}{
		{"three quarters busy", cpuTimes{100, 1000}, cpuTimes{850, 2000}, 0.75, true},
		{"idle", cpuTimes{100, 1000}, cpuTimes{100, 1500}, 0, true},
		{"iowait went back (proc(5) allows it): capped at 1", cpuTimes{100, 1000}, cpuTimes{210, 1100}, 1, true},
		{"no tick in between", cpuTimes{100, 1000}, cpuTimes{100, 1000}, 0, false},
		{"counters reset", cpuTimes{100, 1000}, cpuTimes{5, 50}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := utilization(tc.prev, tc.cur)
			if ok != tc.ok || (ok && !near(got, tc.want)) {
				t.Errorf("utilization = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestParsePackages(t *testing.T) {
	tests := []struct {
		machine string
		want    []cpuPackage
	}{
		{"xeon-2s", []cpuPackage{{"0", "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz"}, {"1", "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz"}}},
		{"epyc-1s", []cpuPackage{{"0", "AMD EPYC 7742 64-Core Processor"}}},
		{"arm", []cpuPackage{{"0", ""}}},
	}
	for _, tc := range tests {
		t.Run(tc.machine, func(t *testing.T) {
			root := procTree(t, tc.machine, "")
			got := parsePackages(readFile(t, root+"/cpuinfo"))
			if len(got) != len(tc.want) {
				t.Fatalf("packages = %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("package %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}
