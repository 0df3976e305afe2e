package config

import (
	"fmt"
	"math"
	"sort"
	"time"

	"go.yaml.in/yaml/v3"
)

// Meter is one item of the meters: list. Meter kinds grow over time, so the
// config package knows only the keys every meter has (name, type, enabled)
// and keeps all others in Options for the meter's own code to read with
// the typed getters below, which report errors at the item's file:line.
//
//	meters:
//	  - name: gpu
//	    type: exporter
//	    url: http://localhost:9400/metrics
//	    preset: dcgm
//	    timeout: 2s
type Meter struct {
	Name    string // defaults to Type, or Type-N when several meters share a type
	Type    string // required
	Enabled bool   // default true
	// Options holds every other key, as YAML decoded it (string, int,
	// float64, bool, []any, map[string]any).
	Options map[string]any
	// Node is the item's YAML mapping (after overrides), for meter code that
	// wants positions of its own; nil for a Meter built in code.
	Node *yaml.Node
	// Key is the item's dotted key, e.g. "meters[0]".
	Key string

	src *source
}

// Errorf makes a one-line error about an option of this meter, pointing at
// where it was set: "my.yaml:12: meters[0].url: ...".
func (m *Meter) Errorf(option, format string, args ...any) error {
	key := joinKey(m.Key, option)
	if m.Key == "" {
		key = joinKey("meters["+m.Name+"]", option)
	}
	if m.src == nil {
		return &Error{Key: key, Msg: fmt.Sprintf(format, args...), File: "meter " + m.Name}
	}
	return m.src.errKey(key, format, args...)
}

// CheckKeys reports the first option that is not among known, suggesting
// the nearest known one.
func (m *Meter) CheckKeys(known ...string) error {
	names := make([]string, 0, len(m.Options))
	for k := range m.Options {
		names = append(names, k)
	}
	// Report in file order, so that the first error is the first line.
	sort.Slice(names, func(i, j int) bool {
		li, lj := m.optionLine(names[i]), m.optionLine(names[j])
		if li != lj {
			return li < lj
		}
		return names[i] < names[j]
	})
	for _, k := range names {
		ok := false
		for _, c := range known {
			ok = ok || c == k
		}
		if !ok {
			return m.Errorf(k, "unknown key for a %s meter%s", m.Type, didYouMean(k, append(append([]string(nil), meterKeys...), known...)))
		}
	}
	return nil
}

func (m *Meter) optionLine(option string) int {
	if m.src == nil {
		return 0
	}
	return m.src.where(joinKey(m.Key, option)).line
}

// Has reports whether the option was given.
func (m *Meter) Has(option string) bool {
	v, ok := m.Options[option]
	return ok && v != nil
}

// String returns a string option, or def when it is absent.
func (m *Meter) String(option, def string) (string, error) {
	v, ok := m.Options[option]
	if !ok || v == nil {
		return def, nil
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case int, float64, bool:
		return fmt.Sprint(x), nil
	}
	return "", m.Errorf(option, "expected a string, got %s", describeValue(v))
}

// Int returns an integer option, or def when it is absent.
func (m *Meter) Int(option string, def int) (int, error) {
	v, ok := m.Options[option]
	if !ok || v == nil {
		return def, nil
	}
	if i, ok := v.(int); ok {
		return i, nil
	}
	return 0, m.Errorf(option, "expected an integer, got %s", describeValue(v))
}

// Float returns a numeric option, or def when it is absent.
func (m *Meter) Float(option string, def float64) (float64, error) {
	v, ok := m.Options[option]
	if !ok || v == nil {
		return def, nil
	}
	switch x := v.(type) {
	case int:
		return float64(x), nil
	case float64:
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			return x, nil
		}
	}
	return 0, m.Errorf(option, "expected a number, got %s", describeValue(v))
}

// Bool returns a boolean option, or def when it is absent.
func (m *Meter) Bool(option string, def bool) (bool, error) {
	v, ok := m.Options[option]
	if !ok || v == nil {
		return def, nil
	}
	if b, ok := v.(bool); ok {
		return b, nil
	}
	return false, m.Errorf(option, "expected true or false, got %s", describeValue(v))
}

// Duration returns a duration option ("2s", "500ms", or a number of
// seconds), or def when it is absent.
func (m *Meter) Duration(option string, def time.Duration) (time.Duration, error) {
	v, ok := m.Options[option]
	if !ok || v == nil {
		return def, nil
	}
	var (
		d   time.Duration
		msg string
	)
	switch x := v.(type) {
	case int:
		d, msg = secondsToDuration(float64(x), fmt.Sprint(x))
	case float64:
		d, msg = secondsToDuration(x, fmt.Sprint(x))
	case string:
		d, msg = parseDuration(x)
	default:
		msg = "expected a duration such as 5s, got " + describeValue(v)
	}
	if msg != "" {
		return 0, m.Errorf(option, "%s", msg)
	}
	return d, nil
}

// StringMap returns a mapping option of strings (e.g. HTTP headers, labels),
// or nil when it is absent.
func (m *Meter) StringMap(option string) (map[string]string, error) {
	v, ok := m.Options[option]
	if !ok || v == nil {
		return nil, nil
	}
	raw, ok := v.(map[string]any)
	if !ok {
		return nil, m.Errorf(option, "expected a mapping, got %s", describeValue(v))
	}
	out := make(map[string]string, len(raw))
	for k, x := range raw {
		switch x.(type) {
		case string, int, float64, bool:
			out[k] = fmt.Sprint(x)
		default:
			return nil, m.Errorf(joinKey(option, k), "expected a string, got %s", describeValue(x))
		}
	}
	return out, nil
}

// describeValue names a decoded YAML value for "expected X, got Y".
func describeValue(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%q", fmt.Sprint(v))
}
