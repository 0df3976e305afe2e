package synthrun

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/aienergy/aienergy/report"
)

// A small synthetic run, reported: the figures are the truth Write
// promised, within what the report says of them.
func TestReportFindsTheTruth(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	spec := Day
	spec.Requests, spec.Measured, spec.Idle = 20_000, 100*time.Second, 10*time.Second
	spec.Channels, spec.SampleInterval = 2, 100*time.Millisecond
	truth, err := Write(dir, spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := report.GenerateRaw(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Models) != 1 {
		t.Fatalf("%d models, want 1", len(s.Models))
	}
	m := s.Models[0]
	if m.Completed != truth.Completed || m.Failed != 0 || m.OutputTokens != truth.OutputTokens || m.InputTokens != truth.InputTokens {
		t.Errorf("completed %d, failed %d, tokens %d in %d out; want %d, 0, %d, %d", m.Completed, m.Failed, m.InputTokens, m.OutputTokens, truth.Completed, truth.InputTokens, truth.OutputTokens)
	}
	if m.EnergyJ == nil || m.EnergyUncertaintyJ == nil || math.Abs(*m.EnergyJ-truth.EnergyJ) > *m.EnergyUncertaintyJ+1e-6*truth.EnergyJ {
		t.Errorf("energy %v ± %v J, want %v", m.EnergyJ, m.EnergyUncertaintyJ, truth.EnergyJ)
	}
	if m.NetEnergyJ == nil || math.Abs(*m.NetEnergyJ-truth.NetEnergyJ) > *m.NetEnergyUncertaintyJ+1e-6*truth.EnergyJ {
		t.Errorf("net energy %v ± %v J, want %v", m.NetEnergyJ, m.NetEnergyUncertaintyJ, truth.NetEnergyJ)
	}
	// 20 000 evenly spread TTFTs over 80 ms: a percentile is within a few
	// ranks (80 ms × a few / 20 000) of the uniform one, and the CSV's µs.
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"TTFT p50", m.Latency.TTFT.P50, truth.TTFTMs(50)},
		{"TTFT p90", m.Latency.TTFT.P90, truth.TTFTMs(90)},
		{"TTFT p99", m.Latency.TTFT.P99, truth.TTFTMs(99)},
		{"E2E p50", m.Latency.E2E.P50, truth.E2EMs(50)},
		{"E2E p99", m.Latency.E2E.P99, truth.E2EMs(99)},
		{"ITL p50", m.Latency.ITL.P50, truth.ITLMs},
		{"ITL p99", m.Latency.ITL.P99, truth.ITLMs},
	} {
		if math.Abs(c.got-c.want) > 0.05 {
			t.Errorf("%s = %.4f ms, want %.4f", c.name, c.got, c.want)
		}
	}
}

func TestWriteRejects(t *testing.T) {
	if _, err := Write(t.TempDir(), Spec{Requests: 0}, nil); err == nil {
		t.Error("a run of no requests was written")
	}
}
