package influx

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aienergy/aienergy/meter"
)

// SmartWatts' aggregate targets: each covers a whole socket (see doc.go).
var aggregates = []string{"rapl", "global"}

const allTargets = "*"

// selection says which points a meter reads: one measurement and field,
// the chosen targets, and extra tag matchers.
type selection struct {
	measurement, field, targetTag string
	targets                       []string          // explicit names; nil when all is set
	all                           bool              // every target except the aggregates
	tags                          map[string]string // extra matchers (tags: option)
}

func parseSelection(spec meter.Spec) (selection, error) {
	s := selection{}
	var err error
	if s.measurement, err = spec.String("measurement", defaultMeasurement); err != nil {
		return s, err
	}
	if s.field, err = spec.String("field", defaultField); err != nil {
		return s, err
	}
	if s.targetTag, err = spec.String("target_tag", defaultTargetTag); err != nil {
		return s, err
	}
	for key, v := range map[string]string{"measurement": s.measurement, "field": s.field, "target_tag": s.targetTag} {
		if v == "" {
			return s, spec.Errorf(key, "must not be empty")
		}
	}
	targets, err := stringList(spec, "targets")
	if err != nil {
		return s, err
	}
	if targets == nil {
		targets = []string{"rapl"}
	}
	if err := checkTargets(spec, targets); err != nil {
		return s, err
	}
	if len(targets) == 1 && targets[0] == allTargets {
		s.all = true
	} else {
		s.targets = targets
	}
	if s.tags, err = spec.StringMap("tags"); err != nil {
		return s, err
	}
	for k := range s.tags {
		if k == s.targetTag {
			return s, spec.Errorf("tags."+k, "choose targets with targets:, not tags:")
		}
	}
	return s, nil
}

// stringList decodes a list of strings; a single string is a list of one.
func stringList(spec meter.Spec, key string) ([]string, error) {
	v, ok := spec.Options[key]
	if !ok || v == nil {
		return nil, nil
	}
	if s, isString := v.(string); isString {
		v = []any{s}
	}
	items, isList := v.([]any)
	if !isList || len(items) == 0 {
		return nil, spec.Errorf(key, "want a list of target names such as [rapl], got %v", v)
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		s, isString := item.(string)
		if !isString || s == "" {
			return nil, spec.Errorf(fmt.Sprintf("%s[%d]", key, i), "want a target name, got %v", item)
		}
		out = append(out, s)
	}
	return out, nil
}

// checkTargets refuses selections that would double count: an aggregate
// together with anything else, or "*" together with names.
func checkTargets(spec meter.Spec, targets []string) error {
	seen := map[string]bool{}
	for _, t := range targets {
		if seen[t] {
			return spec.Errorf("targets", "%q is listed twice", t)
		}
		seen[t] = true
	}
	if len(targets) == 1 {
		return nil
	}
	if seen[allTargets] {
		return spec.Errorf("targets", `"*" already means every target except rapl and global; list names or "*", not both`)
	}
	for _, a := range aggregates {
		if seen[a] {
			return spec.Errorf("targets", "%q covers the whole socket, and the other targets are parts of it (rapl ≈ global ≈ the sum of the rest): "+
				"reading them together counts the same energy twice; configure one meter per choice", a)
		}
	}
	return nil
}

// keeps reports whether a series with these tags is one the meter reads.
// The query already filtered; this guards against a server or proxy that
// ignored part of the filter.
func (s *selection) keeps(tags map[string]string) bool {
	for k, v := range s.tags {
		if tags[k] != v {
			return false
		}
	}
	t := tags[s.targetTag]
	if s.all {
		return t != "" && !isAggregate(t)
	}
	for _, want := range s.targets {
		if t == want {
			return true
		}
	}
	return false
}

func isAggregate(t string) bool {
	for _, a := range aggregates {
		if t == a {
			return true
		}
	}
	return false
}

// describe names the selected targets for messages.
func (s *selection) describe() string {
	var b strings.Builder
	switch {
	case s.all:
		b.WriteString("every target except rapl and global")
	case len(s.targets) == 1:
		fmt.Fprintf(&b, "%s=%q", s.targetTag, s.targets[0])
	default:
		fmt.Fprintf(&b, "%s in %s", s.targetTag, quoteList(s.targets))
	}
	if len(s.tags) > 0 {
		b.WriteString(" with ")
		b.WriteString(formatTags(s.tags))
	}
	return b.String()
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// formatTags writes tags in a stable order: {a="1", b="2"}.
func formatTags(tags map[string]string) string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%q", k, tags[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// sortedTags lists the keys of the tag matchers in a stable order.
func (s *selection) sortedTags() []string {
	keys := make([]string, 0, len(s.tags))
	for k := range s.tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
