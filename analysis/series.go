package analysis

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/aienergy/aienergy/trace"
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

	// chgT, chgC are the change points: the readings where the counter
	// moved. Energy interpolates between them, not between repeats.
	chgT, chgC []float64
	// staleCounter: the counter changes less often than it is read, so a
	// change point's time is known to half a read spacing only.
	staleCounter bool
	// Segments between successive change points, for power derived from
	// a counter that updates in steps (NVML every ~100 ms): stepT[k] is
	// where segment k ends and stepW[k] its average power.
	stepT, stepW []float64
	maxRange     float64

	// counterRes is the step the counter reports in: the coarser of the
	// meter's declaration and the smallest change seen. powerRes is the
	// power reading's declared step.
	counterRes, powerRes float64
	declaredCounterRes   float64

	// floorW is the lowest power the channel showed in the run (readings
	// or counter steps): how far the load may fall between two phases.
	floorW float64

	// Rejected counts readings left out as impossible, by reason.
	Rejected map[string]int

	powerSpacing   float64 // median spacing of power samples, s
	counterSpacing float64 // median spacing of counter readings, s
	counterUpdate  float64 // median time between counter changes, s
	powerUpdate    float64 // median time between changes of the power reading, s
}

// Key names the channel as "meter/channel", the form Options.MaxRange uses.
func (s *Series) Key() string { return s.Meter + "/" + s.Channel }

// HasCounter reports whether the channel has enough counter readings to
// take a delta.
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

// PowerUpdateInterval is the median time between changes of the power
// reading (0 without power): how often the meter refreshes it.
func (s *Series) PowerUpdateInterval() float64 { return s.powerUpdate }

// Declared is what the meters declare about their channels, each map
// keyed "meter/channel".
type Declared struct {
	// MaxRangeJ is the value at which a counter wraps to zero (RAPL's
	// max_energy_range_uj, an SNMP Counter32's 2^32 units, in joules); a
	// channel without one treats a decrease as a reset.
	MaxRangeJ map[string]float64
	// CounterResolutionJ and PowerResolutionW are the steps in which the
	// meter reports (a PDU's 0.1 kWh and 10 W); the analysis uses the
	// coarser of these and the steps it observes.
	CounterResolutionJ map[string]float64
	PowerResolutionW   map[string]float64
}

func (d Declared) check() error {
	for name, m := range map[string]map[string]float64{"max range": d.MaxRangeJ, "counter resolution": d.CounterResolutionJ, "power resolution": d.PowerResolutionW} {
		for key, r := range m {
			if !(r >= 0) || math.IsInf(r, 0) {
				return fmt.Errorf("%s for %s is %v: want a finite number, 0 (unknown) or more", name, key, r)
			}
		}
	}
	return nil
}

// Reasons a reading is rejected: it cannot be true of any meter, so it is
// left out, counted, and the rest of the channel is kept.
const (
	rejectTime        = "time not finite"
	rejectComponent   = "unknown component"
	rejectSwitch      = "component differs from the channel's"
	rejectEmpty       = "neither power nor energy"
	rejectPower       = "power not finite"
	rejectNegative    = "negative power"
	rejectCounter     = "energy counter not finite or negative"
	rejectAboveRange  = "energy counter above its range"
	rejectBackwards   = "energy counter ran backwards for one reading"
	rejectUnnamedChan = "no channel name"
)

// GroupSeries splits samples into one Series per channel, sorted by key.
// Samples need not be in time order. A reading that is physically
// impossible (negative power, a time or value that is not a number, a
// counter that steps back for one reading and returns) is left out and
// counted in the channel's Rejected, never failing the analysis; the
// error is only for declarations that make no sense.
func GroupSeries(samples []trace.Sample, decl Declared) ([]*Series, error) {
	return GroupSeriesFrom(trace.SampleSlice(samples), decl)
}

// GroupSeriesFrom is GroupSeries over samples read in passes (a run
// directory's power.csv): one to count each channel's readings, one to
// keep them, a third of a trace.Sample each, until its series is built.
func GroupSeriesFrom(samples trace.Samples, decl Declared) ([]*Series, error) {
	if err := decl.check(); err != nil {
		return nil, err
	}
	if samples == nil {
		samples = trace.SampleSlice(nil)
	}
	// A struct key spares a string allocation per sample.
	type channelID struct{ meter, channel string }
	byID := map[channelID]int{}
	var ids []channelID
	var counts []int
	if err := samples.Each(func(s trace.Sample) error {
		id := channelID{s.Meter, s.Channel}
		k, ok := byID[id]
		if !ok {
			k = len(ids)
			byID[id] = k
			ids, counts = append(ids, id), append(counts, 0)
		}
		counts[k]++
		return nil
	}); err != nil {
		return nil, err
	}
	pts := make([][]point, len(ids))
	for k, n := range counts {
		pts[k] = make([]point, 0, n)
	}
	compIdx := map[string]uint32{}
	var comps []string
	if err := samples.Each(func(s trace.Sample) error {
		k, ok := byID[channelID{s.Meter, s.Channel}]
		if !ok || len(pts[k]) == cap(pts[k]) {
			return nil // the samples changed between the passes: keep what was counted
		}
		c, ok := compIdx[s.Component]
		if !ok {
			c = uint32(len(comps))
			compIdx[s.Component] = c
			comps = append(comps, s.Component)
		}
		pts[k] = append(pts[k], point{t: s.T, w: s.Watts, j: s.Joules, comp: c})
		return nil
	}); err != nil {
		return nil, err
	}
	out := make([]*Series, 0, len(ids))
	for k, id := range ids {
		key := id.meter + "/" + id.channel
		out = append(out, newSeries(id.meter, id.channel, pts[k], comps, decl.MaxRangeJ[key], decl.CounterResolutionJ[key], decl.PowerResolutionW[key]))
		pts[k] = nil // built: let it go before the next
	}
	slices.SortFunc(out, func(a, b *Series) int { return strings.Compare(a.Key(), b.Key()) })
	return out, nil
}

// point is one reading of a channel, as GroupSeries keeps it: its time,
// power and counter, and its component as an index into the run's names.
type point struct {
	t, w, j float64
	comp    uint32
}

func knownComponent(c string) bool {
	switch c {
	case ComponentGPU, ComponentCPU, ComponentDRAM, ComponentWall, ComponentOther, ComponentPart:
		return true
	}
	return false
}

func newSeries(meter, channel string, pts []point, comps []string, maxRange, counterRes, powerRes float64) *Series {
	s := &Series{Meter: meter, Channel: channel, maxRange: maxRange, Rejected: map[string]int{}}
	reject := func(why string) { s.Rejected[why]++ }
	// Readings whose time is unusable are counted before sorting.
	kept := pts[:0]
	for _, x := range pts {
		switch {
		case channel == "":
			reject(rejectUnnamedChan)
		case math.IsNaN(x.t) || math.IsInf(x.t, 0):
			reject(rejectTime)
		case !knownComponent(comps[x.comp]):
			reject(rejectComponent)
		default:
			kept = append(kept, x)
		}
	}
	// A stable sort keeps the recorded order of samples that share a time.
	slices.SortStableFunc(kept, func(a, b point) int {
		switch {
		case a.t < b.t:
			return -1
		case a.t > b.t:
			return 1
		}
		return 0
	})
	var rawT, raw []float64
	for _, x := range kept {
		comp := comps[x.comp]
		if s.Component == "" {
			s.Component = comp
		}
		if comp != s.Component {
			reject(rejectSwitch)
			continue
		}
		if math.IsNaN(x.w) && math.IsNaN(x.j) {
			reject(rejectEmpty)
			continue
		}
		switch w := x.w; {
		case math.IsNaN(w):
		case math.IsInf(w, 0):
			reject(rejectPower)
		case w < 0:
			reject(rejectNegative)
		default:
			s.powerT = append(s.powerT, x.t)
			s.powerW = append(s.powerW, w)
		}
		switch j := x.j; {
		case math.IsNaN(j):
		case math.IsInf(j, 0) || j < 0:
			reject(rejectCounter)
		case maxRange > 0 && j > maxRange:
			reject(rejectAboveRange)
		default:
			rawT = append(rawT, x.t)
			raw = append(raw, j)
		}
	}
	if s.Component == "" {
		s.Component = ComponentOther // no usable reading: the channel has no figures
	}
	rawT, raw = dropBackSteps(rawT, raw, func() { reject(rejectBackwards) })
	s.counterT = rawT
	var back int
	s.counterC, s.counterEvent, back = unwrapCounter(raw, maxRange)
	if back > 0 {
		s.Rejected["energy counter ran backwards (not a reset or a wrap): no energy counted for the step"] += back
	}
	s.powerSpacing = medianSpacing(s.powerT)
	s.counterSpacing = medianSpacing(s.counterT)
	s.chgT, s.chgC = changePoints(s.counterT, s.counterC)
	// A counter that changes less often than it is read refreshed at some
	// moment between the last reading of the old value and the first of
	// the new: the middle is the unbiased guess (the first new reading is
	// on average half a spacing late, the same at every change, so it
	// shortens every window that starts under lower power than it ends).
	if u := medianSpacing(s.chgT); u > staleFactor*s.counterSpacing {
		s.staleCounter = true
		s.chgT = midChangeTimes(s.counterT, s.counterC)
	}
	s.powerUpdate = refreshInterval(s.powerT, s.powerW, s.powerSpacing)
	s.stepT, s.stepW, s.counterUpdate = counterSteps(s.chgT, s.chgC)
	if all := slices.Concat(s.powerW, s.stepW); len(all) > 0 {
		s.floorW = slices.Min(all)
	}
	s.counterRes = math.Max(counterRes, minPositiveStep(s.chgC))
	// Power steps are not inferred: a load that switches between a few
	// levels looks just like a quantized reading.
	s.powerRes = powerRes
	s.declaredCounterRes = counterRes
	// All readings at one instant say nothing about energy over time.
	if s.counterSpacing == 0 && len(s.counterT) > 0 {
		s.Rejected["energy counter readings all at one time"] += len(s.counterT)
		s.counterT, s.counterC, s.counterEvent, s.chgT, s.chgC = nil, nil, nil, nil, nil
	}
	if s.powerSpacing == 0 && len(s.powerT) > 0 {
		s.Rejected["power readings all at one time"] += len(s.powerT)
		s.powerT, s.powerW = nil, nil
	}
	if len(s.Rejected) == 0 {
		s.Rejected = nil
	}
	return s
}

// dropBackSteps removes counter readings that step back and are followed
// by a reading at or above the one before them: a glitch of one reading,
// not a reset or a wrap (after which the counter stays low).
func dropBackSteps(t, c []float64, rejected func()) ([]float64, []float64) {
	outT, outC := t[:0:0], c[:0:0]
	for i := range c {
		if n := len(outC); n > 0 && c[i] < outC[n-1] && i+1 < len(c) && c[i+1] >= outC[n-1] {
			rejected()
			continue
		}
		outT, outC = append(outT, t[i]), append(outC, c[i])
	}
	return outT, outC
}

// changePoints are the counter readings that carry news: those where the
// value moved. A counter refreshed every second but read ten times a
// second repeats each value ten times; interpolating between the repeats
// would draw a staircase, while interpolating between the changes draws
// the energy the meter saw. The first reading counts as a change when the
// second already moved (the meter refreshes at least as fast as it is
// read); else its value may be stale and the first change starts.
func changePoints(t, c []float64) (ct, cc []float64) {
	for i := range c {
		moved := i > 0 && c[i] != c[i-1]
		if i == 0 {
			moved = len(c) > 1 && c[1] != c[0]
		}
		if moved {
			ct, cc = append(ct, t[i]), append(cc, c[i])
		}
	}
	return ct, cc
}

// refreshInterval estimates how often a power reading really refreshes.
// Changes come only at refreshes, so the shortest time between two
// changes bounds the refresh interval from above; a steady load changes
// rarely, so with fewer than three such times nothing is known and the
// reading is taken as fresh at every sample.
func refreshInterval(t, w []float64, spacing float64) float64 {
	ct, _ := changePoints(t, w)
	if len(ct) < 4 {
		return spacing
	}
	shortest := math.Inf(1)
	for i := 1; i < len(ct); i++ {
		if d := ct[i] - ct[i-1]; d > 0 {
			shortest = math.Min(shortest, d)
		}
	}
	return math.Max(shortest, spacing)
}

// staleFactor: a counter whose changes come more than this many read
// spacings apart is refreshed more slowly than it is read.
const staleFactor = 1.5

// midChangeTimes is, for each change point changePoints finds, the time
// halfway between it and the reading before.
func midChangeTimes(t, c []float64) []float64 {
	var out []float64
	for i := range c {
		switch {
		case i == 0 && len(c) > 1 && c[1] != c[0]:
			out = append(out, t[0])
		case i > 0 && c[i] != c[i-1]:
			out = append(out, (t[i-1]+t[i])/2)
		}
	}
	return out
}

// minPositiveStep is the smallest non-zero difference between successive
// values: the finest step the meter showed (0 when none moved).
func minPositiveStep(v []float64) float64 {
	step := math.Inf(1)
	for i := 1; i < len(v); i++ {
		if d := math.Abs(v[i] - v[i-1]); d > 0 {
			step = math.Min(step, d)
		}
	}
	if math.IsInf(step, 1) {
		return 0
	}
	return step
}

// unwrapCounter turns raw counter readings into a running total from the
// first reading. A decrease is a wrap when the range is known and the
// counter was in the upper half of it (add the range), a reset when the
// range is unknown and the counter fell below half its value (the reading
// after it is the energy since the reset). Any other decrease is a meter
// stepping back: no energy is counted for it and it is reported in back.
func unwrapCounter(raw []float64, maxRange float64) (c []float64, ev []int8, back int) {
	c = make([]float64, len(raw))
	ev = make([]int8, len(raw))
	for i := 1; i < len(raw); i++ {
		d := raw[i] - raw[i-1]
		switch {
		case d >= 0:
		case maxRange > 0 && -d > maxRange/2:
			d += maxRange
			ev[i] = counterWrap
		case maxRange <= 0 && raw[i] < raw[i-1]/2:
			d = raw[i]
			ev[i] = counterReset
		default:
			d = 0
			back++
		}
		c[i] = c[i-1] + d
	}
	return c, ev, back
}

// counterSteps gives the average power of each stretch between successive
// change points (stepT[k] is where stretch k ends) and the median time
// between changes: how often the meter really refreshes its counter.
func counterSteps(ct, cc []float64) (stepT, stepW []float64, update float64) {
	for i := 1; i < len(ct); i++ {
		if dt := ct[i] - ct[i-1]; dt > 0 {
			stepT = append(stepT, ct[i])
			stepW = append(stepW, (cc[i]-cc[i-1])/dt)
		}
	}
	return stepT, stepW, medianSpacing(ct)
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
