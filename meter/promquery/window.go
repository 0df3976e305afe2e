package promquery

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/aienergy/aienergy/meter"
)

// Energy methods, the same words the analysis package records.
const (
	MethodCounter     = "counter"     // increase of a cumulative energy counter
	MethodIntegration = "integration" // trapezoidal integration of power samples
)

// ErrNoData says no channel has samples that cover the window.
var ErrNoData = errors.New("no samples cover the window")

// minCoverage is the covered fraction below which a figure is flagged.
const minCoverage = 0.99

// ChannelEnergy is one channel's energy over a window, with what the
// figure rests on.
type ChannelEnergy struct {
	Channel   string
	Component meter.Component
	// Joules is the energy over the Covered part of the window, never
	// scaled up to the whole window.
	Joules   float64
	Method   string        // MethodCounter or MethodIntegration
	Source   string        // "raw samples", or "query_range, step 1s" for expressions
	Series   int           // series that went into the figure
	Samples  int           // their samples inside the window
	Covered  time.Duration // part of the window the samples cover
	Coverage float64       // Covered / window length
	MaxGap   time.Duration // longest stretch of the window without a sample
	Resets   int           // counter resets inside the window
	Warnings []string
}

// EnergyOverWindow returns the energy of every channel over [from, to],
// keyed by channel, computed from the samples Prometheus holds (see the
// package doc): a counter's increase where the channel has a counter,
// otherwise its power integrated. Channels without samples near the window
// are left out; when none has any the error wraps ErrNoData.
func (m *Meter) EnergyOverWindow(ctx context.Context, from, to time.Time) (map[string]ChannelEnergy, error) {
	if !to.After(from) {
		return nil, fmt.Errorf("window [%s, %s]: want an end after the start", from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano))
	}
	limit := max(m.timeout, minWindowTimeout)
	step := m.gridStep(from, to)
	results, err := m.runAll(ctx, func(ctx context.Context, c compiled) ([]series, error) {
		return m.fetchWindow(ctx, c, from, to, step, limit)
	})
	if err != nil {
		return nil, err
	}
	return m.windowEnergy(results, from, to, step)
}

// windowEnergy computes every channel's figure from the queries' series.
func (m *Meter) windowEnergy(results [][]series, from, to time.Time, step time.Duration) (map[string]ChannelEnergy, error) {
	channels, order, err := m.groupByChannel(results, step)
	if err != nil {
		return nil, err
	}
	lo, hi := unixSeconds(from), unixSeconds(to)
	out := map[string]ChannelEnergy{}
	for _, name := range order {
		ch := channels[name]
		e, ok, err := ch.energy(name, lo, hi)
		if err != nil {
			return nil, err
		}
		if ok {
			out[name] = e
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: Prometheus at %s holds no samples of %d channel(s) within %s of [%s, %s]",
			ErrNoData, m.api.shown, len(order), m.margin, from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return out, nil
}

// fetchWindow gets a query's samples from margin before the window to
// margin after it.
func (m *Meter) fetchWindow(ctx context.Context, c compiled, from, to time.Time, step, limit time.Duration) ([]series, error) {
	return m.fetchSpan(ctx, c, from.Add(-m.margin), to.Add(m.margin), step, limit)
}

// fetchSpan gets a query's samples in [start, end]: raw samples for a bare
// selector, a query_range grid for an expression. The range selector
// reaches a millisecond further back than start, because Prometheus 3
// leaves a range's first instant out (2.x keeps it): a sample exactly at
// start is then always there, and one a millisecond earlier may be too.
func (m *Meter) fetchSpan(ctx context.Context, c compiled, start, end time.Time, step, limit time.Duration) ([]series, error) {
	if c.bare {
		expr := fmt.Sprintf("%s[%dms]", c.promql, end.Sub(start).Milliseconds()+1)
		return m.api.instantAt(ctx, expr, end, limit)
	}
	return m.api.rangeQuery(ctx, c.promql, start, end, step, limit)
}

// gridStep is the step for an expression over the window and its margins.
func (m *Meter) gridStep(from, to time.Time) time.Duration {
	return m.stepFor(to.Sub(from) + 2*m.margin)
}

// stepFor is the step for an expression over a span: the configured step,
// coarsened where the span would need more points than Prometheus
// returns per series.
func (m *Meter) stepFor(span time.Duration) time.Duration {
	step := max(m.step, span/maxPointsPerQuery)
	return step.Round(time.Millisecond)
}

// A queryGroup is the series one query gave for one channel.
type queryGroup struct {
	query  compiled
	series []series
}

// windowChannel holds what the queries gave for one channel.
type windowChannel struct {
	component meter.Component
	counters  []*queryGroup
	gauges    []*queryGroup
	source    string
}

// groupByChannel scales the samples and sorts every series into its
// channel and quantity.
func (m *Meter) groupByChannel(results [][]series, step time.Duration) (map[string]*windowChannel, []string, error) {
	channels := map[string]*windowChannel{}
	var order []string
	for i, c := range m.queries {
		groups := map[string]*queryGroup{}
		for _, s := range results[i] {
			pts, err := scaled(s, c.scale)
			if err != nil {
				return nil, nil, err
			}
			if len(pts) == 0 {
				continue
			}
			name, err := channelName(c.query, s.labels)
			if err != nil {
				return nil, nil, err
			}
			ch := channels[name]
			if ch == nil {
				ch = &windowChannel{component: c.component, source: "raw samples"}
				channels[name] = ch
				order = append(order, name)
			} else if ch.component != c.component {
				return nil, nil, fmt.Errorf("channel %q would be both %s and %s; give the queries distinct channels", name, ch.component, c.component)
			}
			if !c.bare {
				ch.source = fmt.Sprintf("query_range, step %s", step)
			}
			g := groups[name]
			if g == nil {
				g = &queryGroup{query: c}
				groups[name] = g
				if c.quantity == energy {
					ch.counters = append(ch.counters, g)
				} else {
					ch.gauges = append(ch.gauges, g)
				}
			}
			g.series = append(g.series, series{labels: s.labels, points: pts})
		}
	}
	sort.Strings(order)
	return channels, order, nil
}

// scaled returns the series' samples in W or J, without NaN samples (an
// exporter without a figure at that scrape).
func scaled(s series, scale float64) ([]point, error) {
	out := make([]point, 0, len(s.points))
	for _, p := range s.points {
		switch {
		case math.IsNaN(p.v):
			continue
		case math.IsInf(p.v, 0):
			return nil, fmt.Errorf("%s has the value %v at %s", describeSeries(s.labels), p.v, time.UnixMilli(int64(p.t*1000)).UTC().Format(time.RFC3339))
		}
		out = append(out, point{p.t, p.v * scale})
	}
	return out, nil
}

// energy computes the channel's figure: from its counter when that covers
// the window, else from its power.
func (ch *windowChannel) energy(name string, from, to float64) (ChannelEnergy, bool, error) {
	for _, try := range []struct {
		groups []*queryGroup
		method string
		fn     func([]point, float64, float64) (span, bool)
	}{
		{ch.counters, MethodCounter, counterSpan},
		{ch.gauges, MethodIntegration, gaugeSpan},
	} {
		g, err := onlyGroup(name, try.groups)
		if err != nil {
			return ChannelEnergy{}, false, err
		}
		if g == nil {
			continue
		}
		s, ok, err := g.span(name, from, to, try.fn)
		if err != nil {
			return ChannelEnergy{}, false, err
		}
		if ok {
			return ch.describe(name, g, s, try.method, from, to), true, nil
		}
	}
	return ChannelEnergy{}, false, nil
}

// onlyGroup returns the one query that gives a figure of the channel, nil
// when none does; two would be two devices or a configuration mistake.
func onlyGroup(name string, groups []*queryGroup) (*queryGroup, error) {
	switch len(groups) {
	case 0:
		return nil, nil
	case 1:
		return groups[0], nil
	}
	return nil, fmt.Errorf("channel %q gets its %s from two queries, %s and %s; give them distinct channels",
		name, groups[0].query.quantity, groups[0].query.promql, groups[1].query.promql)
}

// span computes the group's figure: series added up when the query says
// sum, otherwise merged into one timeline.
func (g *queryGroup) span(name string, from, to float64, fn func([]point, float64, float64) (span, bool)) (span, bool, error) {
	if !g.query.sum {
		pts, err := mergeSeries(g.series, name, g.query.quantity)
		if err != nil {
			return span{}, false, err
		}
		s, ok := fn(pts, from, to)
		return s, ok, nil
	}
	var total span
	for i, se := range g.series {
		s, ok := fn(se.points, from, to)
		if !ok {
			// A part of the device without samples here would leave the
			// sum short without saying so.
			return span{}, false, nil
		}
		if i == 0 {
			total = s
		} else {
			total = total.plus(s)
		}
	}
	return total, true, nil
}

func (ch *windowChannel) describe(name string, g *queryGroup, s span, method string, from, to float64) ChannelEnergy {
	e := ChannelEnergy{
		Channel:   name,
		Component: ch.component,
		Joules:    s.joules,
		Method:    method,
		Source:    ch.source,
		Series:    len(g.series),
		Samples:   s.samples,
		Covered:   seconds(s.hi - s.lo),
		Coverage:  (s.hi - s.lo) / (to - from),
		MaxGap:    seconds(s.maxGap),
		Resets:    s.resets,
	}
	if s.resets > 0 {
		e.Warnings = append(e.Warnings, fmt.Sprintf("counter reset %d time(s) in the window: energy since each reset counted, energy between the last sample before it and the reset lost (a raw RAPL counter's wrap reads as a reset too)", s.resets))
	}
	if s.gaps > 0 {
		e.Warnings = append(e.Warnings, fmt.Sprintf("figure built on a gap: %d stretch(es) without samples longer than %d× the scrape interval, longest %s", s.gaps, gapFactor, e.MaxGap))
	}
	if e.Coverage < minCoverage {
		e.Warnings = append(e.Warnings, fmt.Sprintf("samples cover only %.1f%% of the window (%s of %s); was Prometheus queried before it scraped past the window's end?", 100*e.Coverage, e.Covered, seconds(to-from)))
	}
	if !g.query.bare {
		e.Warnings = append(e.Warnings, "an expression is evaluated on a grid, not at scrape times: its edges are exact only to a scrape interval; a bare selector gives raw samples")
	}
	return e
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func seconds(s float64) time.Duration { return time.Duration(math.Round(s * 1e9)) }
