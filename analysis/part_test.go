package analysis

import "testing"

// A "part" channel (GPU memory inside board power, RAPL core inside the
// package) is reported on its own but never added to a component or the
// headline: board 200 W busy over 10 s = 2000 J, not 2000 + memory's 500.
func TestPartChannelsAreNeverSummed(t *testing.T) {
	samples := append(profile("nvml", "gpu0", "gpu", 0, 30, 10, loadProfile(100, 200)),
		profile("nvml", "gpu0-memory", "part", 0, 30, 10, loadProfile(20, 50))...)
	res, err := Analyze(samples, nil, threePhases("m"), Options{CarbonIntensity: 100})
	if err != nil {
		t.Fatal(err)
	}
	m := modelOf(t, res, 0)
	if m.EnergyJ == nil || !near(*m.EnergyJ, 2000) {
		t.Errorf("headline energy = %v J, want 2000 (board power only)", deref(m.EnergyJ))
	}
	if _, ok := m.Components["part"]; ok {
		t.Error("a component sum was made of part channels")
	}
	var mem *ChannelResult
	for i := range m.Channels {
		if m.Channels[i].Channel == "gpu0-memory" {
			mem = &m.Channels[i]
		}
	}
	if mem == nil || mem.EnergyJ == nil || !near(*mem.EnergyJ, 500) {
		t.Errorf("memory channel = %+v, want its own 500 J figure", mem)
	}
}
