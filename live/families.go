package live

import (
	"cmp"
	"math"
	"slices"

	dto "github.com/prometheus/client_model/go"
)

// Families returns the current metrics, each family's series sorted by
// their label values so that scrapes are stable. Families with no series
// yet are left out.
func (e *Exporter) Families() []*dto.MetricFamily {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()

	var fams []*dto.MetricFamily
	add := func(name, help string, typ dto.MetricType, ms []*dto.Metric) {
		if len(ms) == 0 {
			return
		}
		slices.SortFunc(ms, compareLabels)
		fams = append(fams, &dto.MetricFamily{Name: &name, Help: &help, Type: &typ, Metric: ms})
	}

	var power, energy []*dto.Metric
	for k, c := range e.channels {
		labels := []string{"meter", k.meter, "channel", k.channel, "component", string(c.component)}
		if !math.IsNaN(c.watts) {
			power = append(power, gauge(c.watts, labels...))
		}
		if c.hasCounter || c.hasPower {
			energy = append(energy, counter(c.joules, labels...))
		}
	}
	add(MetricPower, "Latest power of each meter channel, in watts (for a channel with only an energy counter, the average over its last interval).", dto.MetricType_GAUGE, power)
	add(MetricEnergy, "Energy of each meter channel since its first reading of the run, in joules: a counter's delta (resets and wraps resolved) or power integrated over time.", dto.MetricType_COUNTER, energy)

	var phases []*dto.Metric
	if e.hasCurrent {
		phases = append(phases, gauge(1, "model", e.current.model, "phase", e.current.phase))
	}
	add(MetricPhase, "The phase running now (always 1; absent between runs and phases).", dto.MetricType_GAUGE, phases)

	var reqs []*dto.Metric
	for k, n := range e.requests {
		reqs = append(reqs, counter(float64(n), "model", k.model, "phase", k.phase, "outcome", k.outcome))
	}
	add(MetricRequests, "Finished requests, by outcome (ok or error).", dto.MetricType_COUNTER, reqs)

	var out, in []*dto.Metric
	for mp, n := range e.outputTokens {
		out = append(out, counter(float64(n), "model", mp.model, "phase", mp.phase))
	}
	for mp, n := range e.inputTokens {
		in = append(in, counter(float64(n), "model", mp.model, "phase", mp.phase))
	}
	add(MetricOutputTokens, "Output tokens of finished requests, as the server reported them (or estimated when it reported none).", dto.MetricType_COUNTER, out)
	add(MetricInputTokens, "Input tokens of finished requests, as the server reported them (or estimated when it reported none).", dto.MetricType_COUNTER, in)

	var flight []*dto.Metric
	for model, n := range e.inFlight {
		flight = append(flight, gauge(float64(n), "model", model))
	}
	add(MetricInFlight, "Requests sent and not yet finished.", dto.MetricType_GAUGE, flight)

	if e.runSet {
		add(MetricRun, "The run: always 1.", dto.MetricType_GAUGE, []*dto.Metric{gauge(1, "name", e.runName, "run_id", e.runID)})
	}
	return fams
}

func gauge(v float64, labels ...string) *dto.Metric {
	return &dto.Metric{Label: labelPairs(labels), Gauge: &dto.Gauge{Value: &v}}
}

func counter(v float64, labels ...string) *dto.Metric {
	return &dto.Metric{Label: labelPairs(labels), Counter: &dto.Counter{Value: &v}}
}

// labelPairs turns name, value, name, value… into label pairs sorted by
// name, the canonical order client_golang also emits.
func labelPairs(kv []string) []*dto.LabelPair {
	lp := make([]*dto.LabelPair, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		lp = append(lp, &dto.LabelPair{Name: &kv[i], Value: &kv[i+1]})
	}
	slices.SortFunc(lp, func(a, b *dto.LabelPair) int { return cmp.Compare(a.GetName(), b.GetName()) })
	return lp
}

func compareLabels(a, b *dto.Metric) int {
	for i := range min(len(a.Label), len(b.Label)) {
		if c := cmp.Compare(a.Label[i].GetValue(), b.Label[i].GetValue()); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a.Label), len(b.Label))
}
