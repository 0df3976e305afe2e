package analysis

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// gapFactor decides what counts as a gap: a stretch without samples longer
// than gapFactor × the channel's median sample spacing. The same length is
// the tolerance at the window edges: a window that starts or ends within it
// of a sample counts as covered.
const gapFactor = 3

// Counter events between two consecutive readings.
const (
	counterSteady int8 = iota
	counterReset       // decrease with no known range: counter restarted at 0
	counterWrap        // decrease with a known range: counter passed its maximum
)

// Components a channel can measure. Wall is a total; the others are parts
// of the machine and are never summed with it.
const (
	ComponentGPU   = "gpu"
	ComponentCPU   = "cpu"
	ComponentDRAM  = "dram"
	ComponentWall  = "wall"
	ComponentOther = "other"
	// ComponentPart is inside or overlapping another channel (GPU memory
	// within board power, RAPL core within package): reported per channel,
	// never summed.
	ComponentPart = "part"
)

// A Series is one channel's samples in time order, split by what the meter
// reported: power readings and cumulative-energy counter readings. Build
// it with GroupSeries; ask it for energy over a window with Energy.
type Series struct {
	Meter     string
	Channel   string
	Component string

	powerT, powerW []float64 // samples with a power reading

	counterT []float64 // samples with a counter reading
	// counterC is the counter unwrapped into a running total that never
	// decreases, 0 at the first reading; resets and wraps are resolved here
	// once so that every window is one interpolation at each edge.
	counterC     []float64
	counterEvent []int8 // counterEvent[i]: what happened between readings i-1 and i

	// Segments between successive counter changes, for power derived from
	// a counter that updates in steps (NVML every ~100 ms): stepT[k] is
	// where segment k ends and stepW[k] its average power.
	stepT, stepW []float64

	powerSpacing   float64 // median spacing of power samples, s
	counterSpacing float64 // median spacing of counter readings, s
	counterUpdate  float64 // median time between counter changes, s
}

// Key names the channel as "meter/channel", the form Options.MaxRange uses.
func (s *Series) Key() string { return s.Meter + "/" + s.Channel }

// HasCounter reports whether the channel's energy comes from its counter.
func (s *Series) HasCounter() bool { return len(s.counterT) >= 2 }

// HasPower reports whether the channel has enough power samples to integrate.
func (s *Series) HasPower() bool { return len(s.powerT) >= 2 }

// SampleSpacing is the median spacing of the samples energy is computed
// from, in seconds: the achieved sample interval.
func (s *Series) SampleSpacing() float64 {
	if s.HasCounter() {
		return s.counterSpacing
	}
	return s.powerSpacing
}

// CounterUpdateInterval is the median time between changes of the counter
// (0 without a counter): how often the meter really refreshes it.
func (s *Series) CounterUpdateInterval() float64 { return s.counterUpdate }

// GroupSeries splits samples into one Series per channel, sorted by key.
// maxRange gives, per "meter/channel", the value at which a counter wraps
// to zero (RAPL's max_energy_range_uj, in joules); a channel without one
// treats any decrease as a reset. Samples need not be in time order.
func GroupSeries(samples []Sample, maxRange map[string]float64) ([]*Series, error) {
	for key, r := range maxRange {
		if !(r > 0) || math.IsInf(r, 0) {
			return nil, fmt.Errorf("max range for %s is %v J: want a positive finite number", key, r)
		}
	}
	// A struct key spares a string allocation per sample.
	type channelID struct{ meter, channel string }
	byID := map[channelID][]int{}
	var ids []channelID
	for i, s := range samples {
		if err := checkSample(s); err != nil {
			return nil, fmt.Errorf("sample %d (%s/%s at t=%v): %w", i, s.Meter, s.Channel, s.T, err)
		}
		id := channelID{s.Meter, s.Channel}
		if _, ok := byID[id]; !ok {
			ids = append(ids, id)
		}
		byID[id] = append(byID[id], i)
	}
	out := make([]*Series, 0, len(ids))
	for _, id := range ids {
		key := id.meter + "/" + id.channel
		s, err := newSeries(samples, byID[id], maxRange[key])
		if err != nil {
			return nil, fmt.Errorf("channel %s: %w", key, err)
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *Series) int { return strings.Compare(a.Key(), b.Key()) })
	return out, nil
}

func checkSample(s Sample) error {
	if math.IsNaN(s.T) || math.IsInf(s.T, 0) {
		return fmt.Errorf("time is %v", s.T)
	}
	if s.Channel == "" {
		return fmt.Errorf("empty channel name")
	}
	switch s.Component {
	case ComponentGPU, ComponentCPU, ComponentDRAM, ComponentWall, ComponentOther, ComponentPart:
	default:
		return fmt.Errorf("unknown component %q (want gpu, cpu, dram, wall, other or part)", s.Component)
	}
	if math.IsInf(s.Watts, 0) {
		return fmt.Errorf("watts is %v", s.Watts)
	}
	if math.IsInf(s.Joules, 0) || s.Joules < 0 {
		return fmt.Errorf("energy counter is %v J", s.Joules)
	}
	if math.IsNaN(s.Watts) && math.IsNaN(s.Joules) {
		return fmt.Errorf("neither watts nor joules")
	}
	return nil
}

func newSeries(samples []Sample, idx []int, maxRange float64) (*Series, error) {
	// A stable sort keeps the recorded order of samples that share a time.
	slices.SortStableFunc(idx, func(a, b int) int {
		switch ta, tb := samples[a].T, samples[b].T; {
		case ta < tb:
			return -1
		case ta > tb:
			return 1
		}
		return 0
	})
	first := samples[idx[0]]
	s := &Series{Meter: first.Meter, Channel: first.Channel, Component: first.Component}
	var raw []float64
	for _, i := range idx {
		x := samples[i]
		if x.Component != s.Component {
			return nil, fmt.Errorf("component changes from %q to %q at t=%v", s.Component, x.Component, x.T)
		}
		if !math.IsNaN(x.Watts) {
			s.powerT = append(s.powerT, x.T)
			s.powerW = append(s.powerW, x.Watts)
		}
		if !math.IsNaN(x.Joules) {
			s.counterT = append(s.counterT, x.T)
			raw = append(raw, x.Joules)
		}
	}
	if maxRange > 0 {
		for _, v := range raw {
			if v > maxRange {
				return nil, fmt.Errorf("counter reads %v J, above its max range %v J", v, maxRange)
			}
		}
	}
	s.counterC, s.counterEvent = unwrapCounter(raw, maxRange)
	s.powerSpacing = medianSpacing(s.powerT)
	s.counterSpacing = medianSpacing(s.counterT)
	s.stepT, s.stepW, s.counterUpdate = counterSteps(s.counterT, s.counterC)
	if s.HasCounter() && s.counterSpacing == 0 {
		return nil, fmt.Errorf("all %d counter readings share one time", len(s.counterT))
	}
	if !s.HasCounter() && s.HasPower() && s.powerSpacing == 0 {
		return nil, fmt.Errorf("all %d power samples share one time", len(s.powerT))
	}
	return s, nil
}

// unwrapCounter turns raw counter readings into a running total from the
// first reading. A decrease is a wrap when the range is known (add the
// range) and a reset otherwise: the counter restarted from zero, so the
// reading after it is the energy since the reset.
func unwrapCounter(raw []float64, maxRange float64) ([]float64, []int8) {
	c := make([]float64, len(raw))
	ev := make([]int8, len(raw))
	for i := 1; i < len(raw); i++ {
		d := raw[i] - raw[i-1]
		if d < 0 {
			if maxRange > 0 {
				d += maxRange
				ev[i] = counterWrap
			} else {
				d = raw[i]
				ev[i] = counterReset
			}
		}
		c[i] = c[i-1] + d
	}
	return c, ev
}

// counterSteps finds where the counter changed and the average power of
// each stretch between changes, plus the median time between changes.
func counterSteps(t, c []float64) (stepT, stepW []float64, update float64) {
	last := -1
	var changes []float64
	for i := 1; i < len(c); i++ {
		if c[i] == c[i-1] {
			continue
		}
		if last < 0 {
			// The first change closes a stretch that began at the first
			// reading; its start is the best bound we have.
			last = 0
		}
		if dt := t[i] - t[last]; dt > 0 {
			stepT = append(stepT, t[i])
			stepW = append(stepW, (c[i]-c[last])/dt)
		}
		changes = append(changes, t[i])
		last = i
	}
	return stepT, stepW, medianSpacing(changes)
}

// medianSpacing is the median of the positive spacings between sorted
// times, 0 when there are none.
func medianSpacing(t []float64) float64 {
	d := make([]float64, 0, len(t))
	for i := 1; i < len(t); i++ {
		if dt := t[i] - t[i-1]; dt > 0 {
			d = append(d, dt)
		}
	}
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return percentileSorted(d, 50)
}
