package analysis

import (
	"strings"
	"testing"
)

// A channel from an estimating meter is labelled "estimate", and a sum
// that includes it says so rather than "mixed".
func TestEstimatesAreLabelled(t *testing.T) {
	samples := append(profile("nvml", "gpu0", "gpu", 0, 30, 10, loadProfile(50, 150)),
		profile("cpu-est", "cpu-estimate", "cpu", 0, 30, 10, loadProfile(20, 40))...)
	res, err := Analyze(samples, nil, threePhases("m"), Options{EstimatedMeters: map[string]bool{"cpu-est": true}, CarbonIntensity: 100})
	if err != nil {
		t.Fatal(err)
	}
	m := modelOf(t, res, 0)
	for _, c := range m.Channels {
		want := MethodIntegration
		if c.Meter == "cpu-est" {
			want = MethodEstimate
		}
		if c.Method != want {
			t.Errorf("%s method = %q, want %q", c.Key, c.Method, want)
		}
	}
	if got := m.Components["cpu"].Method; got != MethodEstimate {
		t.Errorf("cpu component method = %q, want %q", got, MethodEstimate)
	}
	if m.EnergyMethod != MethodMixedEstimate {
		t.Errorf("headline method = %q, want %q", m.EnergyMethod, MethodMixedEstimate)
	}
	if !strings.Contains(strings.Join(m.Warnings, "\n"), "cpu-est/cpu-estimate: an estimate") {
		t.Errorf("warnings do not flag the estimate: %q", m.Warnings)
	}
}

// Where a component is both measured and estimated, the measurement makes
// the figures, whatever the configured order, and the estimate is compared.
func TestMeasurementBeatsEstimate(t *testing.T) {
	samples := append(profile("cpu-est", "cpu-estimate", "cpu", 0, 30, 10, loadProfile(20, 40)),
		profile("rapl", "cpu-package-0", "cpu", 0, 30, 10, loadProfile(10, 30))...)
	res, err := Analyze(samples, nil, threePhases("m"), Options{
		EstimatedMeters: map[string]bool{"cpu-est": true}, MeterOrder: []string{"cpu-est", "rapl"}, CarbonIntensity: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	m := modelOf(t, res, 0)
	cpu := m.Components["cpu"]
	if cpu.Meter != "rapl" || m.EnergyMethod != MethodIntegration || m.EnergyJ == nil || !near(*m.EnergyJ, 300) {
		t.Errorf("cpu from %q (%s), %v J; want rapl's 300 J by integration", cpu.Meter, m.EnergyMethod, deref(m.EnergyJ))
	}
	if len(cpu.CrossChecks) != 1 || cpu.CrossChecks[0].Meter != "cpu-est" || cpu.CrossChecks[0].Method != MethodEstimate {
		t.Errorf("cross-checks = %+v, want the estimate", cpu.CrossChecks)
	}
}
