package meter

import (
	"testing"
	"time"
)

type pacedMeter struct {
	fakeMeter
	minInterval, readTimeout time.Duration
}

func (m *pacedMeter) MinInterval() time.Duration { return m.minInterval }

type slowMeter struct {
	fakeMeter
	readTimeout time.Duration
}

func (m *slowMeter) ReadTimeout() time.Duration { return m.readTimeout }

func TestPacing(t *testing.T) {
	const iv = 100 * time.Millisecond
	tests := []struct {
		name           string
		m              Meter
		every, timeout time.Duration
	}{
		{"plain meter", &fakeMeter{name: "a"}, iv, MinReadTimeout},
		{"slower than the grid: rounded up to a multiple", &pacedMeter{fakeMeter{name: "b"}, 250 * time.Millisecond, 0}, 300 * time.Millisecond, MinReadTimeout},
		{"paced BMC", &pacedMeter{fakeMeter{name: "c"}, 2 * time.Second, 0}, 2 * time.Second, 2 * time.Second},
		{"slow meter keeps the grid, gets its timeout", &slowMeter{fakeMeter{name: "e"}, 5 * time.Second}, iv, 5 * time.Second},
		{"faster than the grid: the grid wins", &pacedMeter{fakeMeter{name: "d"}, 10 * time.Millisecond, 0}, iv, MinReadTimeout},
	}
	for _, tt := range tests {
		every, timeout := pacing(tt.m, iv)
		if every != tt.every || timeout != tt.timeout {
			t.Errorf("%s: every %v timeout %v, want %v and %v", tt.name, every, timeout, tt.every, tt.timeout)
		}
	}
}

// A paced meter is read on every k-th tick while the others keep the
// sampler's interval; its gaps are judged against its own interval.
func TestPacedMeterIsReadLessOften(t *testing.T) {
	const iv = 20 * time.Millisecond
	fast := &fakeMeter{name: "fast", channels: 1}
	paced := &pacedMeter{fakeMeter{name: "paced", channels: 1}, 5 * iv, 0}
	stats := run([]Meter{fast, paced}, iv, 1050*time.Millisecond, nil)
	if stats[1].Reads < 3 || stats[1].Reads > 13 {
		t.Errorf("paced meter read %d times in ~1 s at 100 ms, want about 11", stats[1].Reads)
	}
	if stats[0].Reads < 3*stats[1].Reads {
		t.Errorf("fast meter read %d times, paced %d: want the fast one read about 5× as often", stats[0].Reads, stats[1].Reads)
	}
	if stats[1].Gaps != 0 {
		t.Errorf("paced meter reported %d gaps: its spacing is by design", stats[1].Gaps)
	}
}
