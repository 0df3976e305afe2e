package promquery

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/aienergy/aienergy/meter"
)

// Read runs every query as an instant query, all at once, and returns one
// reading per channel: the values of the last scrape, so up to a scrape
// interval old (see the package doc).
func (m *Meter) Read(ctx context.Context) ([]meter.Reading, error) {
	results, err := m.runAll(ctx, func(ctx context.Context, c compiled) ([]series, error) {
		return m.api.instant(ctx, c.promql, m.timeout)
	})
	if err != nil {
		return nil, err
	}
	var acc channelSet
	var nan map[string]string // a series whose value is NaN, for the message
	for i, c := range m.queries {
		for _, s := range results[i] {
			if len(s.points) == 0 {
				continue
			}
			v := s.points[len(s.points)-1].v
			if math.IsNaN(v) {
				nan = s.labels
			}
			if err := acc.add(c, s, v); err != nil {
				return nil, err
			}
		}
	}
	switch {
	case len(acc.order) == 0 && nan != nil:
		return nil, fmt.Errorf("every series from Prometheus at %s has the value NaN (no figure from the exporter), for example %s", m.api.shown, describeSeries(nan))
	case len(acc.order) == 0:
		return nil, m.explainEmpty(ctx)
	}
	readings := make([]meter.Reading, 0, len(acc.order))
	for _, name := range acc.order {
		r := acc.channels[name].reading
		r.Meter = m.name
		readings = append(readings, r)
	}
	return readings, nil
}

// runAll runs fn for every query concurrently and returns the results in
// query order, or the first query's error.
func (m *Meter) runAll(ctx context.Context, fn func(context.Context, compiled) ([]series, error)) ([][]series, error) {
	results := make([][]series, len(m.queries))
	errs := make([]error, len(m.queries))
	var wg sync.WaitGroup
	for i, c := range m.queries {
		wg.Go(func() { results[i], errs[i] = fn(ctx, c) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return results, nil
}

// channelSet gathers one reading per channel from the series of one round
// of instant queries.
type channelSet struct {
	order    []string
	channels map[string]*channelValues
}

type channelValues struct {
	reading               meter.Reading
	wattsFrom, joulesFrom map[string]string // labels of the series each figure came from
}

// add puts one series' value, scaled, into its channel's figure. Two
// series on one figure are added when the query says sum, tolerated when
// equal (dcgm-exporter repeats a GPU once per pod using it), and an error
// otherwise: picking one silently would be a guess.
func (cs *channelSet) add(c compiled, s series, raw float64) error {
	if math.IsNaN(raw) {
		return nil // the exporter has no figure right now
	}
	if math.IsInf(raw, 0) {
		return fmt.Errorf("%s has the value %v", describeSeries(s.labels), raw)
	}
	name, err := channelName(c.query, s.labels)
	if err != nil {
		return err
	}
	if cs.channels == nil {
		cs.channels = map[string]*channelValues{}
	}
	ch := cs.channels[name]
	if ch == nil {
		ch = &channelValues{reading: meter.Reading{Channel: name, Component: c.component, Watts: meter.NoValue, Joules: meter.NoValue}}
		cs.channels[name] = ch
		cs.order = append(cs.order, name)
	} else if ch.reading.Component != c.component {
		return fmt.Errorf("channel %q would be both %s and %s; give the queries distinct channels", name, ch.reading.Component, c.component)
	}
	value, from := &ch.reading.Watts, &ch.wattsFrom
	if c.quantity == energy {
		value, from = &ch.reading.Joules, &ch.joulesFrom
	}
	v := raw * c.scale
	switch {
	case *from == nil:
		*value, *from = v, s.labels
	case c.sum:
		*value += v
	case *value == v:
		// The same figure again under other labels: nothing new.
	default:
		return conflictError(name, c.quantity, *from, s.labels)
	}
	return nil
}

func conflictError(channel string, q quantity, a, b map[string]string) error {
	return fmt.Errorf("%s and %s both give the %s of channel %q, with different values: two nodes or two scrape jobs? "+
		"narrow them with selector (e.g. on %s), or name channels by a label with channel_label",
		describeSeries(a), describeSeries(b), q, channel, differingLabels(a, b))
}

// differingLabels names the labels that tell two series apart.
func differingLabels(a, b map[string]string) string {
	var diff []string
	for k, v := range a {
		if b[k] != v && k != "__name__" {
			diff = append(diff, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok && k != "__name__" {
			diff = append(diff, k)
		}
	}
	sort.Strings(diff)
	if len(diff) == 0 {
		return "their labels"
	}
	return strings.Join(diff, ", ")
}

// channelName names the channel a series of query q belongs to.
func channelName(q query, labels map[string]string) (string, error) {
	if q.channelLabel == "" {
		return q.channel, nil
	}
	v := labels[q.channelLabel]
	if v == "" {
		return "", fmt.Errorf("%s has no %q label to name its channel by (channel_label)", describeSeries(labels), q.channelLabel)
	}
	return q.channelPrefix + meter.SanitizeChannel(v), nil
}

// explainEmpty says why no query found a series: the metrics are nowhere
// in this Prometheus (the exporter is not scraped: unavailable here), or
// they are, but not under the selector and the preset's matchers.
func (m *Meter) explainEmpty(ctx context.Context) error {
	var names []string
	seen := map[string]bool{}
	var exprs []string
	for _, c := range m.queries {
		exprs = append(exprs, c.promql)
		if c.metric != "" && !seen[c.metric] {
			seen[c.metric] = true
			names = append(names, c.metric)
		}
	}
	base := fmt.Sprintf("no series for %s from Prometheus at %s", strings.Join(exprs, ", "), m.api.shown)
	if len(names) == 0 {
		return errors.New(base + "; check the queries in its web UI")
	}
	probe := fmt.Sprintf(`topk by (__name__) (1, {__name__=~"%s"})`, strings.Join(names, "|"))
	found, err := m.api.instant(ctx, probe, m.timeout)
	if err != nil {
		return fmt.Errorf("%s, and asking which of them exist failed: %w", base, err)
	}
	if len(found) == 0 {
		p := presets[m.preset]
		return meter.Unavailable(m.spec,
			fmt.Sprintf("Prometheus at %s has no series named %s", m.api.shown, strings.Join(names, " or ")),
			fmt.Sprintf("check that %s is scraped by this Prometheus (its Status → Targets page), or set another preset (%s) or queries", p.describe, strings.Join(presetNames(), ", ")))
	}
	examples := make([]string, len(found))
	for i, s := range found {
		examples[i] = describeSeries(s.labels)
	}
	sort.Strings(examples)
	msg := base + ", but it has series such as " + strings.Join(examples, ", ")
	if m.selector != "" {
		msg += "; does selector {" + m.selector + "} match their labels?"
	} else {
		msg += "; do their labels match the preset's or query's matchers?"
	}
	return errors.New(msg)
}
