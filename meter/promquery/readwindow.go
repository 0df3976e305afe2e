package promquery

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/aienergy/aienergy/meter"
)

var _ meter.WindowReader = (*Meter)(nil)

// ReadWindow returns the samples Prometheus holds in [from, to] as
// readings on their scrape timestamps, for the runner to record in place
// of the live reads, which trail them by a scrape interval. It fetches
// what EnergyOverWindow fetches, but over the window alone: one reading
// per sample and channel, named, scaled and summed as Read does it, in
// time order (channels by name within one instant). A channel's power
// and energy samples of one scrape share a reading; a sample without a
// partner has NaN for the other figure. Counter resets are left in, as
// the analysis handles them. Expressions come from query_range, so their
// readings are on the step grid from from, each holding the last sample
// at or before it (values repeat between scrapes), not scrape times.
// Meter is left empty. When no channel has a sample in the window the
// error wraps ErrNoData.
func (m *Meter) ReadWindow(ctx context.Context, from, to time.Time) ([]meter.Reading, error) {
	if !to.After(from) {
		return nil, fmt.Errorf("window [%s, %s]: want an end after the start", from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano))
	}
	// Samples are stamped in whole milliseconds: the window's whole
	// milliseconds hold exactly its samples, and the API, which takes
	// times to the millisecond, is asked for those instead of rounding.
	start, end := ceilMilli(from), to.Truncate(time.Millisecond)
	if end.Before(start) {
		return nil, m.noSamples(from, to)
	}
	limit := max(m.timeout, minWindowTimeout)
	step := m.stepFor(end.Sub(start))
	results, err := m.runAll(ctx, func(ctx context.Context, c compiled) ([]series, error) {
		return m.fetchSpan(ctx, c, start, end, step, limit)
	})
	if err != nil {
		return nil, err
	}
	for _, rs := range results {
		for i := range rs {
			rs[i].points = within(rs[i].points, start, end)
		}
	}
	out, err := m.windowReadings(results, step)
	if err == nil && len(out) == 0 {
		err = m.noSamples(from, to)
	}
	return out, err
}

// windowReadings turns the queries' series into readings in time order,
// channels by name within one instant.
func (m *Meter) windowReadings(results [][]series, step time.Duration) ([]meter.Reading, error) {
	channels, order, err := m.groupByChannel(results, step)
	if err != nil {
		return nil, err
	}
	var out []meter.Reading
	for _, name := range order { // sorted by name
		rs, err := channels[name].readings(name)
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}

func (m *Meter) noSamples(from, to time.Time) error {
	return fmt.Errorf("%w: Prometheus at %s holds no samples of this meter's %d queries in [%s, %s]",
		ErrNoData, m.api.shown, len(m.queries), from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano))
}

// readings pairs the channel's power and energy timelines by timestamp.
func (ch *windowChannel) readings(name string) ([]meter.Reading, error) {
	watts, err := timeline(name, ch.gauges)
	if err != nil {
		return nil, err
	}
	joules, err := timeline(name, ch.counters)
	if err != nil {
		return nil, err
	}
	out := make([]meter.Reading, 0, max(len(watts), len(joules)))
	for i, j := 0, 0; i < len(watts) || j < len(joules); {
		r := meter.Reading{Channel: name, Component: ch.component, Watts: meter.NoValue, Joules: meter.NoValue}
		var ms int64
		switch {
		case j == len(joules) || i < len(watts) && millis(watts[i].t) < millis(joules[j].t):
			ms, r.Watts = millis(watts[i].t), watts[i].v
			i++
		case i == len(watts) || millis(joules[j].t) < millis(watts[i].t):
			ms, r.Joules = millis(joules[j].t), joules[j].v
			j++
		default:
			ms, r.Watts, r.Joules = millis(watts[i].t), watts[i].v, joules[j].v
			i++
			j++
		}
		r.Time = time.UnixMilli(ms)
		out = append(out, r)
	}
	return out, nil
}

// timeline is the one figure the groups give the channel, as one series
// of samples in time order; nil when no query gives it.
func timeline(name string, groups []*queryGroup) ([]point, error) {
	g, err := onlyGroup(name, groups)
	if g == nil || err != nil {
		return nil, err
	}
	if !g.query.sum {
		return mergeSeries(g.series, name, g.query.quantity)
	}
	return sumShared(g.series), nil
}

// sumShared adds up series that are parts of one device (Kepler's modes)
// at the instants where every one of them has a sample: they come from
// one scrape, so they share its timestamps, and a sum missing a part would
// be short: a false counter reset or power dip, not a missing sample.
func sumShared(ss []series) []point {
	type acc struct {
		v float64
		n int
	}
	at := map[int64]*acc{}
	for _, s := range ss {
		for _, p := range s.points {
			ms := millis(p.t)
			a := at[ms]
			if a == nil {
				a = &acc{}
				at[ms] = a
			}
			a.v += p.v
			a.n++
		}
	}
	out := make([]point, 0, len(at))
	for ms, a := range at {
		if a.n == len(ss) {
			out = append(out, point{float64(ms) / 1000, a.v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].t < out[j].t })
	return out
}

// within keeps the samples in [start, end], both whole milliseconds.
func within(p []point, start, end time.Time) []point {
	lo, hi := start.UnixMilli(), end.UnixMilli()
	out := p[:0]
	for _, q := range p {
		if ms := millis(q.t); lo <= ms && ms <= hi {
			out = append(out, q)
		}
	}
	return out
}

// millis is a sample's Unix time, in seconds as the API writes it, in
// whole milliseconds as Prometheus stores it.
func millis(t float64) int64 { return int64(math.Round(t * 1000)) }

// ceilMilli rounds t up to a whole millisecond.
func ceilMilli(t time.Time) time.Time {
	if d := t.Truncate(time.Millisecond); d.Before(t) {
		return d.Add(time.Millisecond)
	}
	return t
}
