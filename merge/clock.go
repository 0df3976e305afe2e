package merge

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aienergy/aienergy/rundir"
)

// Clock alignment.
//
// A shard's times are placed first by its started_at, a wall clock: any
// skew between the machines' clocks moves its requests and phases against
// the power readings by as much. Where the shards read one energy counter
// (the cluster's exporter), the counter is a clock both saw: each value it
// took was read by the shard whose copy is kept (the reference, whose
// clock the merged run keeps) and by the others, and the difference of
// their times for the same value is the skew of the other's clock.
//
// Each reading where the counter's value changed is matched against the
// reference's: the same value (both read the same refresh of a counter
// that changes less often than it is read), or a value between two of
// the reference's, whose time there is interpolated. The skew is the
// median of the differences. Its uncertainty adds up:
//   - the counter's time resolution: a value seen first at one reading
//     took it at some moment since the reading before, so a match of the
//     same value is good to the longer of the two read spacings; so is an
//     interpolated one where either copy shows the counter holding values
//     (a refreshed counter), widened by the reference's interpolation
//     span. A counter that changes at every read is taken as current at
//     its reading times, as the analysis takes it. Of these bounds the
//     median's is the median of the matches' (more than half of the
//     matches are that good, so the median of the differences is too);
//   - the counter's declared step, in seconds of its mean power;
//   - the spread of the differences: the distribution-free 95 %
//     confidence interval of their median (order statistics);
//   - the mean read latency of the two copies (when in the read the value
//     was taken is unknown), and the run directory's microsecond times
//     (timeResolution).
//
// A skew at least twice its uncertainty is corrected: the shard's times
// move by −skew on top of its wall-clock offset, and are then good to the
// uncertainty. A smaller one is left (correcting by a figure that is
// mostly its own error helps no one), with a warning when the clocks may
// then disagree by more than clockWarnS.

// A point is one energy reading: its time on the wall-clock merged
// timeline (the shard's own time plus its wall offset) and its value.
type point struct{ t, j float64 }

// clockWarnS is the clock error between shards worth a warning: 50 ms
// moves a request's share of a 1 kW server's energy by 50 J.
const clockWarnS = 0.05

// minClockMatches is how many readings a clock check needs.
const minClockMatches = 5

// correctFactor: a skew is corrected when it is at least this many times
// its uncertainty.
const correctFactor = 2

// staleFactor: a counter whose changes are spaced this many times its
// readings or more holds values between refreshes (as analysis counts it).
const staleFactor = 1.5

// timeResolution bounds what the run directory's decimals add to a
// match: its times are rounded to the microsecond, and a match takes a
// difference of two (one interpolated), so 1 µs, and as much again for
// the counter's own decimals and the arithmetic.
const timeResolution = 2e-6

// A clockCheck is one shard's clock against the reference's.
type clockCheck struct {
	measured          bool
	skew, uncertainty float64 // s; skew > 0: its clock is ahead
	matches           int
	// The parts of the uncertainty, to say why a check is too coarse.
	resolution, step, spread, latency float64
	correction                        float64 // added to its wall offset
	note                              string
}

// alignClocks places every shard on the merged clock: its wall-clock
// offset, corrected by its measured skew where that is precise enough.
func (m *merger) alignClocks() error {
	wall := m.wallOrigin()
	for _, s := range m.shards {
		s.wallOffset = s.meta.StartedAt.Sub(wall).Seconds()
	}
	if err := m.checkClocks(); err != nil {
		return err
	}
	// The merged origin is the earliest shard's, on the merged clock.
	lo := math.Inf(1)
	for _, s := range m.shards {
		lo = min(lo, s.wallOffset+s.clock.correction)
	}
	m.start = wall.Add(time.Duration(math.Round(lo * float64(time.Second))))
	for _, s := range m.shards {
		s.wallOffset = s.meta.StartedAt.Sub(m.start).Seconds()
		s.offset = s.wallOffset + s.clock.correction
	}
	return nil
}

// checkClocks measures each shard's clock on the counter m.clockOn against
// the reference shard's, corrects what it can and warns of the rest.
func (m *merger) checkClocks() error {
	if m.clockOn == (pair{}) {
		for _, s := range m.shards {
			s.clock.note = "not checked: the shards read no energy counter in common; placed by its started_at (wall clock)"
		}
		return nil
	}
	refPos := m.owner[m.clockOn]
	ref := m.shards[refPos]
	refIndex := ref.meta.Shard.Index
	series, err := m.readCounter(m.clockOn)
	if err != nil {
		return err
	}
	base := newCounterSeries(series[refPos])
	ref.clock.note = fmt.Sprintf("reference: the kept copy of %s is this shard's, and its clock the merged clock", m.clockOn)
	var unchecked []string
	for i, s := range m.shards {
		if i == refPos {
			continue
		}
		c := &s.clock
		own := newCounterSeries(series[i])
		switch {
		case len(series[i]) == 0:
			c.note = fmt.Sprintf("not checked: it has no readings of %s", m.clockOn)
		case base.reset || len(base.changes) < 2:
			c.note = fmt.Sprintf("not checked: shard %d's copy of %s %s", refIndex, m.clockOn, orText(base.why(), "changed fewer than twice"))
		case own.reset:
			c.note = fmt.Sprintf("not checked: its copy of %s %s", m.clockOn, own.why())
		default:
			*c = m.measureSkew(base, own, m.shards[refPos].meta, s.meta)
		}
		idx := s.meta.Shard.Index
		if !c.measured {
			unchecked = append(unchecked, fmt.Sprintf("shard %d (%s)", idx, c.note))
			continue
		}
		if math.Abs(c.skew) >= correctFactor*c.uncertainty {
			c.correction = -c.skew
			c.note = fmt.Sprintf("corrected by %+.6f s: the clock check, %+.6f ± %.6f s, is at least %d times its uncertainty", c.correction, c.skew, c.uncertainty, correctFactor)
			if math.Abs(c.skew) > clockWarnS {
				dir, when := "ahead of", "early"
				if c.skew < 0 {
					dir, when = "behind", "late"
				}
				m.warnf("shard %d's clock is %.3f s %s shard %d's (±%.3f s, measured on %s over %d readings): its times are corrected by %+.3f s; by the true clock it sent its share of the load %.3f s %s — synchronise the clocks (NTP)",
					idx, math.Abs(c.skew), dir, refIndex, c.uncertainty, m.clockOn, c.matches, c.correction, math.Abs(c.skew), when)
			}
		} else {
			c.note = fmt.Sprintf("not corrected: the clock check, %+.6f ± %.6f s, is less than %d times its uncertainty (%s)", c.skew, c.uncertainty, correctFactor, c.coarseness())
			if math.Abs(c.skew)+c.uncertainty > clockWarnS {
				m.warnf("shard %d's clock against shard %d's, %+.3f ± %.3f s (measured on %s over %d readings), is not precise enough to correct: %s, and a correction needs the uncertainty at most 1/%d of the skew; its times are placed by its started_at alone and may be off by up to %.3f s",
					idx, refIndex, c.skew, c.uncertainty, m.clockOn, c.matches, c.coarseness(), correctFactor, math.Abs(c.skew)+c.uncertainty)
			}
		}
		if tol := m.opts.PhaseTolerance.Seconds(); math.Abs(c.skew) > tol {
			m.warnf("shard %d's clock is %+.3f s (±%.3f s) off shard %d's, more than the phase tolerance (%s): it began its share of the schedule at load.shard.start_at by its own clock, so the shards' loads did not start together — synchronise the clocks (NTP) and run again",
				idx, c.skew, c.uncertainty, refIndex, m.opts.PhaseTolerance)
		}
	}
	if len(unchecked) > 0 {
		m.warnf("clocks not checked against shard %d's on %s, placed by their started_at alone (wall clocks: keep them on NTP): %s",
			refIndex, m.clockOn, strings.Join(unchecked, "; "))
	}
	return nil
}

// readCounter reads every shard's readings of the counter p, on the
// wall-clock merged timeline, keyed by shard position.
func (m *merger) readCounter(p pair) (map[int][]point, error) {
	series := map[int][]point{}
	for i, s := range m.shards {
		if !m.hasCounter[i][p] {
			continue
		}
		t, err := openTable(s.dir, rundir.PowerFile, "t_s", "meter", "channel", "joules")
		if err != nil {
			return nil, fmt.Errorf("shard %s: %w", s.dir, err)
		}
		tc, mc, cc, jc := t.col["t_s"], t.col["meter"], t.col["channel"], t.col["joules"]
		// Unreadable rows are counted when power.csv is written.
		if _, _, err := t.each(func(row []string) error {
			if row[mc] != p.meter || row[cc] != p.channel || row[jc] == "" {
				return nil
			}
			ts, err1 := strconv.ParseFloat(row[tc], 64)
			j, err2 := strconv.ParseFloat(row[jc], 64)
			if err1 != nil || err2 != nil || math.IsNaN(ts) || math.IsInf(ts, 0) || math.IsNaN(j) || math.IsInf(j, 0) {
				return nil
			}
			series[i] = append(series[i], point{ts + s.wallOffset, j})
			return nil
		}); err != nil {
			return nil, fmt.Errorf("shard %s: %w", s.dir, err)
		}
	}
	return series, nil
}

// A change is a reading at which the counter showed a new value: it took
// it at some moment in the since seconds before.
type change struct{ t, j, since float64 }

// A counterSeries is one copy of the counter, in time order.
type counterSeries struct {
	changes       []change // the first reading left out: when it took its value is unknown
	readSpacing   float64  // median spacing of the readings
	changeSpacing float64  // median spacing of the changes
	rate          float64  // mean J/s
	reset         bool     // the counter went back: no single time per value
}

func newCounterSeries(pts []point) counterSeries {
	var c counterSeries
	if len(pts) < 2 {
		return c
	}
	pts = slices.Clone(pts)
	sort.SliceStable(pts, func(a, b int) bool { return pts[a].t < pts[b].t })
	var reads, changes []float64
	for k := 1; k < len(pts); k++ {
		p, q := pts[k-1], pts[k]
		reads = append(reads, q.t-p.t)
		switch {
		case q.j < p.j:
			return counterSeries{reset: true}
		case q.j > p.j:
			if n := len(c.changes); n > 0 {
				changes = append(changes, q.t-c.changes[n-1].t)
			}
			c.changes = append(c.changes, change{q.t, q.j, q.t - p.t})
		}
	}
	c.readSpacing = medianOf(reads)
	c.changeSpacing = medianOf(changes)
	first, last := pts[0], pts[len(pts)-1]
	if last.t > first.t {
		c.rate = (last.j - first.j) / (last.t - first.t)
	}
	return c
}

func (c counterSeries) why() string {
	if c.reset {
		return "reset or wrapped (went back), so a value has no single time"
	}
	return ""
}

// stale: the counter holds its values between refreshes (or steps)
// longer than it is read.
func (c counterSeries) stale() bool {
	return c.changeSpacing > staleFactor*c.readSpacing
}

// measureSkew matches own's changes against base's (see the top of this
// file); refMeta and ownMeta describe the two shards' meters.
func (m *merger) measureSkew(base, own counterSeries, refMeta, ownMeta rundir.Meta) clockCheck {
	stale := base.stale() || own.stale()
	maxGap := 2 * base.changeSpacing
	var d, w []float64
	for _, p := range own.changes {
		k := sort.Search(len(base.changes), func(k int) bool { return base.changes[k].j >= p.j })
		switch {
		case k < len(base.changes) && base.changes[k].j == p.j:
			r := base.changes[k]
			d = append(d, p.t-r.t)
			w = append(w, max(p.since, r.since))
		case k > 0 && k < len(base.changes):
			a, b := base.changes[k-1], base.changes[k]
			if b.t-a.t > maxGap {
				continue // a gap in the reference's readings
			}
			d = append(d, p.t-(a.t+(p.j-a.j)/(b.j-a.j)*(b.t-a.t)))
			bound := 0.0
			if stale {
				bound = p.since + (b.t - a.t) + a.since
			}
			w = append(w, bound)
		}
	}
	n := len(d)
	if n < minClockMatches {
		return clockCheck{note: fmt.Sprintf("not checked: only %d of its readings of %s could be placed on the reference's (%d needed): the counter changed too rarely, in steps too large, or the shards read it at different times",
			n, m.clockOn, minClockMatches)}
	}
	slices.Sort(d)
	slices.Sort(w)
	c := clockCheck{measured: true, matches: n, skew: d[n/2], resolution: w[n/2]}
	// The distribution-free 95 % interval of the median: the order
	// statistics n/2 ± 1.96·√n/2.
	h := 0.98 * math.Sqrt(float64(n))
	lo := max(int(math.Floor(float64(n)/2-h)), 0)
	hi := min(int(math.Ceil(float64(n)/2+h)), n-1)
	c.spread = max(c.skew-d[lo], d[hi]-c.skew)
	if q := max(declaredStep(refMeta, m.clockOn), declaredStep(ownMeta, m.clockOn)); q > 0 && base.rate > 0 {
		c.step = q / base.rate
	}
	c.latency = max(readLatency(refMeta, m.clockOn.meter), readLatency(ownMeta, m.clockOn.meter))
	c.uncertainty = c.resolution + c.step + c.spread + c.latency + timeResolution
	return c
}

// coarseness names the largest part of a clock check's uncertainty.
func (c clockCheck) coarseness() string {
	switch max(c.resolution, c.step, c.spread, c.latency) {
	case 0:
		return "the run directory's microsecond times"
	case c.resolution:
		return fmt.Sprintf("a counter value is placed only to within ±%.3f s: it may have stood that long before it was read", c.resolution)
	case c.step:
		return fmt.Sprintf("the counter's step is %.3f s of its mean power", c.step)
	case c.spread:
		return fmt.Sprintf("the %d measurements spread by ±%.3f s about their median", c.matches, c.spread)
	}
	return fmt.Sprintf("a read of the meter takes %.3f s", c.latency)
}

// declaredStep is the energy resolution the meter declared for channel p.
func declaredStep(meta rundir.Meta, p pair) float64 {
	if e := meterEntry(meta, p.meter); e != nil {
		return e.Resolution[p.String()].EnergyJ
	}
	return 0
}

// readLatency is a meter's mean read latency, s.
func readLatency(meta rundir.Meta, name string) float64 {
	if e := meterEntry(meta, name); e != nil {
		return e.MeanReadLatencyMS / 1000
	}
	return 0
}

// medianOf is the upper median of vs; 0 when empty.
func medianOf(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	return s[len(s)/2]
}
