package promquery

import (
	"slices"
	"strings"
	"testing"
)

func TestMergeSeries(t *testing.T) {
	gpu := func(extra string, p ...float64) series {
		l := map[string]string{"__name__": "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "gpu": "0"}
		if k, v, ok := strings.Cut(extra, "="); ok {
			l[k] = v
		}
		return series{labels: l, points: pts(p...)}
	}
	for _, tc := range []struct {
		name    string
		in      []series
		want    []point
		wantErr string
	}{
		{"one series", []series{gpu("", 0, 1, 1, 2)}, pts(0, 1, 1, 2), ""},
		// dcgm-exporter repeats a shared GPU per pod in the same scrape.
		{"copies per pod", []series{gpu("pod=a", 0, 1, 1, 2, 2, 3), gpu("pod=b", 1, 2, 2, 3)}, pts(0, 1, 1, 2, 2, 3), ""},
		// A pod starts: the series without pod labels ends, one with them starts.
		{"labels change", []series{gpu("", 0, 1, 1, 2), gpu("pod=a", 2, 3, 3, 4)}, pts(0, 1, 1, 2, 2, 3, 3, 4), ""},
		{"two nodes in one scrape", []series{gpu("Hostname=n1", 0, 1, 1, 2), gpu("Hostname=n2", 0, 7, 1, 8)}, nil, `differ`},
		{"two scrapers", []series{gpu("job=a", 0, 1, 1, 2, 2, 3), gpu("job=b", 0.5, 1.5, 1.5, 2.5)}, nil, `on job`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := mergeSeries(tc.in, "gpu0", energy)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "selector") {
					t.Fatalf("err = %v, want one containing %q and advice on selector", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("merged %v, want %v", got, tc.want)
			}
		})
	}
}
