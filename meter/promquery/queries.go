package promquery

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aienergy/aienergy/meter"
)

var queryKeys = []string{"query", "kind", "unit", "component", "channel", "channel_label", "channel_prefix", "sum"}

// customQueries decodes the queries: list.
func customQueries(spec meter.Spec, haveSelector bool) ([]query, error) {
	items, err := spec.List("queries")
	if err != nil {
		return nil, err
	}
	out := make([]query, 0, len(items))
	for _, o := range items {
		q, err := customQuery(o, haveSelector)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, nil
}

func customQuery(o meter.OptionSet, haveSelector bool) (query, error) {
	var q query
	if err := o.CheckKeys(queryKeys...); err != nil {
		return q, err
	}
	var err error
	if q.expr, err = o.RequiredString("query"); err != nil {
		return q, err
	}
	b, bare := parseBareSelector(q.expr)
	if haveSelector && !bare && !strings.Contains(q.expr, selectorPlaceholder) {
		return q, o.Errorf("query", "the selector can be added only to a bare selector such as metric{…}; in an expression write %s where it goes, e.g. sum by (gpu) (metric{%s})", selectorPlaceholder, selectorPlaceholder)
	}
	if q.quantity, q.scale, q.component, err = o.Measure(); err != nil {
		return q, err
	}
	if err := channelOptions(o, &q, b.name, bare); err != nil {
		return q, err
	}
	if q.sum, err = o.Bool("sum", false); err != nil {
		return q, err
	}
	return q, nil
}

// channelOptions decodes how the query's series name their channels.
func channelOptions(o meter.OptionSet, q *query, metric string, bare bool) error {
	var err error
	if q.channel, err = o.String("channel", ""); err != nil {
		return err
	}
	if q.channelLabel, err = o.String("channel_label", ""); err != nil {
		return err
	}
	if q.channelPrefix, err = o.String("channel_prefix", q.channelLabel); err != nil {
		return err
	}
	switch {
	case q.channelLabel != "" && q.channel != "":
		return o.Errorf("channel", "set channel (a fixed name) or channel_label (a name per series), not both")
	case q.channelLabel == "" && o.Has("channel_prefix"):
		return o.Errorf("channel_prefix", "only means something with channel_label")
	case q.channelLabel == "" && q.channel == "" && bare && metric != "":
		q.channel = meter.SanitizeChannel(metric)
	case q.channelLabel == "" && q.channel == "":
		return o.Errorf("channel", "an expression needs channel (a fixed name) or channel_label (a label naming each series' channel)")
	}
	for key, name := range map[string]string{"channel": q.channel, "channel_prefix": q.channelPrefix} {
		if !meter.ValidChannelName(name) {
			return o.Errorf(key, "%q may hold only letters, digits, '-', '_' and '.'", name)
		}
	}
	return nil
}

// describeSeries writes a series the way PromQL does, for messages.
func describeSeries(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		if k != "__name__" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%q", k, labels[k])
	}
	return labels["__name__"] + "{" + strings.Join(parts, ",") + "}"
}
