package analysis

import (
	"strings"
	"testing"
)

// A channel from an estimating meter is labelled "estimate", and a
// component sum that includes it says so rather than "mixed".
func TestEstimatesAreLabelled(t *testing.T) {
	samples := append(profile("nvml", "gpu0", "gpu", 0, 30, 10, loadProfile(50, 150)),
		profile("cpu-est", "cpu-estimate", "cpu", 0, 30, 10, loadProfile(20, 40))...)
	samples = append(samples, profile("rapl", "cpu-package-0", "cpu", 0, 30, 10, loadProfile(10, 30))...)
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
	if got := m.Components["cpu"].Method; got != MethodMixedEstimate {
		t.Errorf("cpu component method = %q, want %q", got, MethodMixedEstimate)
	}
	if m.EnergyMethod != MethodMixedEstimate {
		t.Errorf("headline method = %q, want %q", m.EnergyMethod, MethodMixedEstimate)
	}
	if !strings.Contains(strings.Join(m.Warnings, "\n"), "cpu-est/cpu-estimate: an estimate") {
		t.Errorf("warnings do not flag the estimate: %q", m.Warnings)
	}
}
