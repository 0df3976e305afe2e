package estimate

import (
	"strings"
	"testing"
)

// Model names as /proc/cpuinfo prints them on real machines.
func TestLookupTDP(t *testing.T) {
	tests := []struct {
		cpuinfo string
		watts   float64 // 0: not in the table
	}{
		{"Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", 150},
		{"Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz", 205}, // the suffix is another part
		{"Intel(R) Xeon(R) Platinum 8480+", 350},
		{"Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz", 270},
		{"Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz", 120},
		{"Intel(R) Xeon(R) CPU E5-2620 v3 @ 2.40GHz", 85},
		{"Intel(R) Xeon(R) CPU Max 9480", 350},
		{"Intel(R) Xeon(R) 6980P", 500},
		{"13th Gen Intel(R) Core(TM) i9-13900K", 125},
		{"Intel(R) Core(TM) i7-7600U CPU @ 2.80GHz", 15},
		{"AMD EPYC 7742 64-Core Processor", 225},
		{"AMD EPYC 9654 96-Core Processor", 360},
		{"AMD EPYC 7713P 64-Core Processor", 225},
		{"AMD Ryzen Threadripper PRO 5995WX 64-Cores", 280},
		{"AMD Ryzen 9 7950X 16-Core Processor", 170},
		{"amd ryzen 9 5950x 16-core processor", 105},
		// No near misses: a wrong TDP would be silent, an error is not.
		{"AMD EPYC", 0},
		{"Intel Xeon Processor (Icelake)", 0},
		{"Intel(R) Xeon(R) Platinum 8480C", 0},
		{"Intel(R) Xeon(R) Gold 6248X CPU @ 2.50GHz", 0},
		{"AMD EPYC 7742P 64-Core Processor", 0},
		{"", 0},
	}
	for _, tc := range tests {
		t.Run(tc.cpuinfo, func(t *testing.T) {
			e, ok, err := lookupTDP(tc.cpuinfo)
			if err != nil {
				t.Fatal(err)
			}
			if ok != (tc.watts > 0) || e.Watts != tc.watts {
				t.Errorf("lookupTDP = %+v, %v; want %v W", e, ok, tc.watts)
			}
		})
	}
}

func TestNormalizeModel(t *testing.T) {
	tests := map[string]string{
		"Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz":         "xeon gold 6248",
		"Intel® Xeon® Gold 6248 Processor":                 "xeon gold 6248",
		"13th Gen Intel(R) Core(TM) i9-13900K":             "core i9-13900k",
		"AMD Ryzen 7 7840U w/ Radeon 780M Graphics":        "ryzen 7 7840u",
		"AMD Ryzen 5 5600G with Radeon Graphics":           "ryzen 5 5600g",
		"AMD Ryzen Threadripper PRO 5995WX 64-Cores":       "ryzen threadripper pro 5995wx",
		"  AMD EPYC 7742 64-Core Processor            ":    "epyc 7742",
		"Intel(R) Xeon(R) CPU E5-2698 v4 @ 2.20GHz":        "xeon e5-2698 v4",
		"Intel(R) Core(TM) 2 Duo CPU     T7700  @ 2.40GHz": "core 2 duo t7700",
	}
	for in, want := range tests {
		if got := normalizeModel(in); got != want {
			t.Errorf("normalizeModel(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTDPTableParses(t *testing.T) {
	table, err := tdpTable()
	if err != nil {
		t.Fatal(err)
	}
	if len(table) < 100 {
		t.Errorf("table has %d rows; the embedded file was not read whole", len(table))
	}
	for key, e := range table {
		if key == "" || !(e.Watts >= 5 && e.Watts <= 600) {
			t.Errorf("row %q: key %q, %v W: implausible", e.Model, key, e.Watts)
		}
		if !strings.HasPrefix(e.Source, "Intel ARK") && !strings.HasPrefix(e.Source, "AMD specifications") {
			t.Errorf("row %q cites %q, not a vendor page", e.Model, e.Source)
		}
	}
}

func TestTDPTableRejectsBadRows(t *testing.T) {
	tests := map[string]string{
		"model,tdp_w,source\nIntel Xeon Gold 6248,0,Intel ARK\n":                                                 "positive tdp_w",
		"model,tdp_w,source\nIntel Xeon Gold 6248,150,\n":                                                        "no source",
		"model,tdp_w,source\nIntel Xeon Gold 6248,150,Intel ARK\nIntel(R) Xeon(R) Gold 6248 CPU,150,Intel ARK\n": "are the same model",
		"name,watts,url\nx,1,y\n": "header",
		"model,tdp_w\nx,1\n":      "wrong number of fields",
	}
	for text, want := range tests {
		if _, err := parseTDPTable(text); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseTDPTable(%q): %v, want an error containing %q", text, err, want)
		}
	}
}
