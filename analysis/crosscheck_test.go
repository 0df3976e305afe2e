package analysis

import (
	"strings"
	"testing"
)

// NVML and dcgm-exporter both measure gpu0: the figures use the first
// configured meter, the second is compared (here 10 % higher) and never
// added.
func TestSecondMeterOfAComponentIsACrossCheck(t *testing.T) {
	samples := append(profile("dcgm", "gpu0", "gpu", 0, 30, 10, loadProfile(100, 200)),
		profile("nvml", "gpu0", "gpu", 0, 30, 10, loadProfile(110, 220))...)
	for _, tt := range []struct {
		order        []string
		primary      string
		want, second float64
		diff         float64
	}{
		{[]string{"dcgm", "nvml"}, "dcgm", 2000, 2200, 10},
		{[]string{"nvml", "dcgm"}, "nvml", 2200, 2000, -100.0 / 11},
	} {
		res, err := Analyze(samples, nil, threePhases("m"), Options{CarbonIntensity: 100, MeterOrder: tt.order})
		if err != nil {
			t.Fatal(err)
		}
		m := modelOf(t, res, 0)
		gpu := m.Components["gpu"]
		if gpu.Meter != tt.primary || m.EnergyJ == nil || !near(*m.EnergyJ, tt.want) {
			t.Errorf("order %v: gpu from %q, headline %v J; want %s and %g J", tt.order, gpu.Meter, deref(m.EnergyJ), tt.primary, tt.want)
		}
		if len(gpu.CrossChecks) != 1 {
			t.Fatalf("order %v: %d cross-checks, want 1", tt.order, len(gpu.CrossChecks))
		}
		cc := gpu.CrossChecks[0]
		if cc.EnergyJ == nil || !near(*cc.EnergyJ, tt.second) || cc.DiffPercent == nil || !near(*cc.DiffPercent, tt.diff) {
			t.Errorf("order %v: cross-check %+v, want %g J and %+.3f%%", tt.order, cc, tt.second, tt.diff)
		}
		if !strings.Contains(strings.Join(m.Warnings, "\n"), "gpu: meter ") {
			t.Errorf("order %v: no warning about a %.1f%% disagreement: %q", tt.order, tt.diff, m.Warnings)
		}
	}
}
