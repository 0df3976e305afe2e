package meter

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// channelValues gathers the power and energy of one channel in one scrape.
type channelValues struct {
	reading               Reading
	wattsFrom, joulesFrom *promSample // the series each figure came from
}

// collect turns the wanted samples of one scrape into one Reading per
// channel, power and energy of a channel combined. labels must match every
// series (the meter's `labels:` option). Two series that land on the same
// figure of the same channel are added when the rule says so, tolerated
// when equal (dcgm-exporter repeats a GPU once per pod using it), and an
// error otherwise: picking one silently would be a guess.
func collect(samples []promSample, rules []metricRule, labels map[string]string) ([]Reading, matchSummary, error) {
	var summary matchSummary
	byMetric := map[string][]*metricRule{}
	for i := range rules {
		r := &rules[i]
		byMetric[r.metric] = append(byMetric[r.metric], r)
	}
	var order []string
	channels := map[string]*channelValues{}
	for i := range samples {
		s := &samples[i]
		summary.found(s)
		if !labelsMatch(s, labels) {
			continue
		}
		for _, r := range byMetric[s.name] {
			if !labelsMatch(s, r.match) || (r.skip != nil && r.skip(s)) {
				continue
			}
			summary.matched++
			name, err := r.channelName(s)
			if err != nil {
				return nil, summary, err
			}
			if math.IsInf(s.value, 0) {
				return nil, summary, fmt.Errorf("line %d: %s has the value %v", s.line, s, s.value)
			}
			if math.IsNaN(s.value) {
				continue // the exporter has no figure right now
			}
			c := channels[name]
			if c == nil {
				c = &channelValues{reading: Reading{Channel: name, Component: r.component, Watts: NoValue, Joules: NoValue}}
				channels[name] = c
				order = append(order, name)
			} else if c.reading.Component != r.component {
				return nil, summary, fmt.Errorf("channel %q would be both %s and %s; give the metrics distinct channels", name, c.reading.Component, r.component)
			}
			if err := c.add(r, s); err != nil {
				return nil, summary, err
			}
		}
	}
	readings := make([]Reading, 0, len(order))
	for _, name := range order {
		readings = append(readings, channels[name].reading)
	}
	return readings, summary, nil
}

// add puts the sample's value, scaled, into the rule's figure.
func (c *channelValues) add(r *metricRule, s *promSample) error {
	value, from := &c.reading.Watts, &c.wattsFrom
	if r.quantity == energy {
		value, from = &c.reading.Joules, &c.joulesFrom
	}
	v := s.value * r.scale
	switch {
	case *from == nil:
		*value, *from = v, s
	case r.sum:
		*value += v
	case *value == v:
		// The same figure again under other labels: nothing new.
	default:
		return fmt.Errorf("%s and %s both give the %s of channel %q, with different values (lines %d and %d); "+
			"pick one with the labels option or name channels by a label with channel_label", *from, s, r.quantity, c.reading.Channel, (*from).line, s.line)
	}
	return nil
}

// channelName names the channel a sample of this rule belongs to.
func (r *metricRule) channelName(s *promSample) (string, error) {
	if r.channelLabel == "" {
		return r.channel, nil
	}
	v, ok := s.label(r.channelLabel)
	if !ok || v == "" {
		return "", fmt.Errorf("line %d: %s has no %q label to name its channel by (channel_label)", s.line, s, r.channelLabel)
	}
	return r.channelPrefix + SanitizeChannel(v), nil
}

func labelsMatch(s *promSample, want map[string]string) bool {
	for k, v := range want {
		if got, _ := s.label(k); got != v {
			return false
		}
	}
	return true
}

// matchSummary remembers what a scrape held, to explain an empty result.
type matchSummary struct {
	seen    map[string]int // wanted metric → series count
	example *promSample    // one series of a wanted metric
	matched int            // series that passed every matcher
}

func (m *matchSummary) found(s *promSample) {
	if m.seen == nil {
		m.seen = map[string]int{}
	}
	m.seen[s.name]++
	if m.example == nil {
		m.example = s
	}
}

// explain says why a scrape gave no channel, given the metrics the meter
// looks for and its `labels:` matcher.
func (m *matchSummary) explain(url string, metrics []string, labels map[string]string, p preset) string {
	if len(m.seen) == 0 {
		return fmt.Sprintf("scraped %s but found none of %s; is this %s? set preset: (dcgm, kepler, node_rapl) or metrics:",
			url, strings.Join(metrics, ", "), p.describe)
	}
	if m.matched > 0 {
		return fmt.Sprintf("scraped %s: every matching series had the value NaN, for example %s", url, m.example)
	}
	var found []string
	for name, n := range m.seen {
		found = append(found, fmt.Sprintf("%d series of %s", n, name))
	}
	sort.Strings(found)
	msg := fmt.Sprintf("scraped %s and found %s, but no series matched", url, strings.Join(found, ", "))
	if len(labels) > 0 {
		msg += " labels: " + formatMatcher(labels)
	} else {
		msg += " the preset's label matchers"
	}
	return msg + "; for example " + m.example.String()
}

func formatMatcher(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.Quote(m[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
