package meter

import (
	"math"
	"slices"
	"time"
)

// Stats says how one meter behaved during a sampling run, so that a report
// can tell a figure built on a healthy 10 Hz stream from one built on gaps.
type Stats struct {
	Meter     string
	Reads     int    // successful reads
	Errors    int    // failed reads (a read cancelled by Stop is neither)
	LastError string // text of the latest error, "" if none

	FirstRead, LastRead time.Time // timestamps of the first and last successful read

	// AchievedHz is successful reads per second of the whole run (Start to
	// Stop), so a meter that died half-way shows half the requested rate.
	AchievedHz float64
	MaxGap     time.Duration // largest spacing between successful reads
	Gaps       int           // spacings between successful reads longer than 2× the interval
	Skipped    int           // ticks skipped because the previous read was still in flight

	// UpdateInterval is how often the meter's values really change: the
	// median spacing between readings whose value changed, per channel,
	// then the median across channels. It reveals meters that refresh more
	// slowly than we poll (NVML energy ~100 ms, 1 s power averages). Zero
	// when no channel changed value at least twice. A channel whose value
	// truly stays constant (an idle integer-watt sensor) looks slower than
	// it is; energy counters, preferred when present, rarely have that flaw.
	UpdateInterval time.Duration

	MeanReadLatency time.Duration // mean duration of successful Read calls
}

// tracker accumulates one meter's Stats. Only the meter's own goroutine
// touches it, so it needs no lock; Stop reads it after that goroutine ends.
type tracker struct {
	stats        Stats
	interval     time.Duration // this meter's read interval, for gap detection
	every        time.Duration // read interval (a multiple of the sampler's)
	readTimeout  time.Duration
	totalLatency time.Duration
	updates      updateDetector
}

func newTracker(name string, interval time.Duration) *tracker {
	return &tracker{stats: Stats{Meter: name}, interval: interval, every: interval, readTimeout: max(interval, MinReadTimeout)}
}

func (t *tracker) failure(err error) {
	t.stats.Errors++
	t.stats.LastError = err.Error()
}

// success records a read stamped at ts that took latency.
func (t *tracker) success(ts time.Time, latency time.Duration, readings []Reading) {
	st := &t.stats
	if st.Reads == 0 {
		st.FirstRead = ts
	} else {
		gap := ts.Sub(st.LastRead)
		st.MaxGap = max(st.MaxGap, gap)
		if gap > 2*t.interval {
			st.Gaps++
		}
	}
	st.Reads++
	st.LastRead = ts
	t.totalLatency += latency
	for _, r := range readings {
		t.updates.observe(r.Channel, ts, changeValue(r))
	}
}

// finish fills the derived figures for a run that lasted runFor.
func (t *tracker) finish(runFor time.Duration) Stats {
	st := t.stats
	if st.Reads > 0 {
		st.MeanReadLatency = t.totalLatency / time.Duration(st.Reads)
	}
	if runFor > 0 {
		st.AchievedHz = float64(st.Reads) / runFor.Seconds()
	}
	st.UpdateInterval = t.updates.interval()
	return st
}

// changeValue picks the figure whose changes mark a meter update: the energy
// counter when there is one (it moves on every update while anything draws
// power), otherwise the power.
func changeValue(r Reading) float64 {
	if !math.IsNaN(r.Joules) {
		return r.Joules
	}
	return r.Watts
}

// updateDetector finds how often each channel's value changes.
type updateDetector struct {
	channels map[string]*channelChanges
}

type channelChanges struct {
	last       float64
	lastChange time.Time // zero until the first observed change
	spacings   spacingSample
}

// observe feeds one value of a channel seen at ts. The spacing from the
// first reading to the first change is not counted: the meter's update
// phase relative to our first poll is arbitrary.
func (d *updateDetector) observe(channel string, ts time.Time, v float64) {
	if d.channels == nil {
		d.channels = map[string]*channelChanges{}
	}
	c, seen := d.channels[channel]
	if !seen {
		d.channels[channel] = &channelChanges{last: v}
		return
	}
	if sameValue(c.last, v) {
		return
	}
	c.last = v
	if !c.lastChange.IsZero() {
		c.spacings.add(ts.Sub(c.lastChange))
	}
	c.lastChange = ts
}

// interval is the median across channels of each channel's median spacing
// between changes; zero when no channel changed twice.
func (d *updateDetector) interval() time.Duration {
	var perChannel []time.Duration
	for _, c := range d.channels {
		if m, ok := median(c.spacings.values); ok {
			perChannel = append(perChannel, m)
		}
	}
	m, _ := median(perChannel)
	return m
}

func sameValue(a, b float64) bool {
	return a == b || (math.IsNaN(a) && math.IsNaN(b))
}

// spacingSample keeps a bounded, evenly spread sample of a long stream of
// spacings: when full it drops every other value and from then on keeps
// only every second new one, and so on. Memory stays fixed for runs of any
// length while the sample still covers the whole run, not just its end.
type spacingSample struct {
	values []time.Duration
	stride int // keep the values whose position in the stream is a multiple of stride
	seen   int // values offered so far
}

const maxSpacings = 2048

func (s *spacingSample) add(d time.Duration) {
	if s.stride == 0 {
		s.stride = 1
	}
	pos := s.seen
	s.seen++
	if pos%s.stride != 0 {
		return
	}
	s.values = append(s.values, d)
	if len(s.values) >= maxSpacings {
		// Kept values sit at multiples of stride; every other one of them
		// sits at the multiples of 2·stride, which the next values follow.
		kept := s.values[:0]
		for i := 0; i < len(s.values); i += 2 {
			kept = append(kept, s.values[i])
		}
		s.values = kept
		s.stride *= 2
	}
}

// median of ds (the mean of the two middle values for an even count).
func median(ds []time.Duration) (time.Duration, bool) {
	if len(ds) == 0 {
		return 0, false
	}
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2], true
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2, true
}
