package meter

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aienergy/aienergy/internal/redact"
	"github.com/aienergy/aienergy/internal/suggest"
)

// A Spec is one configured meter, as the config package hands it over.
type Spec struct {
	Name    string         // configured name, e.g. "gpu"
	Type    string         // meter kind, e.g. "exporter"
	Options map[string]any // kind-specific keys, as decoded from YAML
	Source  string         // "file.yaml:12" for error messages; "" if unknown
}

// An OptionError is a configuration mistake in one meter option. Its text
// reads "file.yaml:12: meters[gpu].timeout: want a duration such as "2s", got 5".
type OptionError struct {
	Source string // "file.yaml:12", or ""
	Path   string // "meters[gpu].timeout"
	Err    error
}

func (e *OptionError) Error() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source)
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(redact.URLs(e.Err.Error())) // a value quoted back may be a URL with a password
	return b.String()
}

func (e *OptionError) Unwrap() error { return e.Err }

// An OptionSet decodes one YAML mapping of meter options: the meter's own
// options, or one item of a list inside them. Every error it returns is an
// *OptionError naming the file, the meter and the key.
type OptionSet struct {
	values map[string]any
	path   string // "meters[gpu]" or "meters[gpu].metrics[1]"
	source string
	kind   string // meter kind, for "unknown option" messages
}

// Opts returns the decoder for the meter's own options.
func (s Spec) Opts() OptionSet {
	return OptionSet{values: s.Options, path: s.path(), source: s.Source, kind: s.Type}
}

func (s Spec) path() string { return "meters[" + s.Name + "]" }

// The Spec methods below are shorthands for the same calls on Spec.Opts().

// String returns the option key as a string, or def when absent.
func (s Spec) String(key, def string) (string, error) { return s.Opts().String(key, def) }

// RequiredString returns the option key, which must be set and non-empty.
func (s Spec) RequiredString(key string) (string, error) { return s.Opts().RequiredString(key) }

// Duration returns the option key as a positive duration, or def when absent.
func (s Spec) Duration(key string, def time.Duration) (time.Duration, error) {
	return s.Opts().Duration(key, def)
}

// Float returns the option key as a finite number, or def when absent.
func (s Spec) Float(key string, def float64) (float64, error) { return s.Opts().Float(key, def) }

// Bool returns the option key as a boolean, or def when absent.
func (s Spec) Bool(key string, def bool) (bool, error) { return s.Opts().Bool(key, def) }

// StringMap returns the option key as a mapping of strings, nil when absent.
func (s Spec) StringMap(key string) (map[string]string, error) { return s.Opts().StringMap(key) }

// List returns the option key as a list of mappings.
func (s Spec) List(key string) ([]OptionSet, error) { return s.Opts().List(key) }

// CheckKeys rejects options other than valid.
func (s Spec) CheckKeys(valid ...string) error { return s.Opts().CheckKeys(valid...) }

// Errorf returns an *OptionError about the option key ("" for the meter).
func (s Spec) Errorf(key, format string, args ...any) error {
	return s.Opts().Errorf(key, format, args...)
}

// Has reports whether the option key is set.
func (s Spec) Has(key string) bool { return s.Opts().Has(key) }

// Path is where these options sit in the config, e.g. "meters[gpu]".
func (o OptionSet) Path() string { return o.path }

// Has reports whether key is set.
func (o OptionSet) Has(key string) bool {
	_, ok := o.values[key]
	return ok
}

// Errorf returns an *OptionError about key ("" for the mapping itself).
func (o OptionSet) Errorf(key, format string, args ...any) error {
	p := o.path
	if key != "" {
		p += "." + key
	}
	return &OptionError{Source: o.source, Path: p, Err: fmt.Errorf(format, args...)}
}

// CheckKeys rejects keys that are not in valid, suggesting the nearest
// valid key and listing them all.
func (o OptionSet) CheckKeys(valid ...string) error {
	known := make(map[string]bool, len(valid))
	for _, k := range valid {
		known[k] = true
	}
	var unknown []string
	for k := range o.values {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	sorted := append([]string(nil), valid...)
	sort.Strings(sorted)
	var errs []error
	for _, k := range unknown {
		msg := "unknown option"
		if o.kind != "" {
			msg += " for a meter of type " + strconv.Quote(o.kind)
		}
		if s := suggest.Nearest(k, sorted); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		errs = append(errs, o.Errorf(k, "%s (valid options: %s)", msg, strings.Join(sorted, ", ")))
	}
	return errors.Join(errs...)
}

// String returns the string at key, or def when it is absent. Numbers and
// booleans are accepted and formatted, because YAML reads `gpu: 0` as a
// number although the user meant the label value "0".
func (o OptionSet) String(key, def string) (string, error) {
	v, ok := o.values[key]
	if !ok || v == nil {
		return def, nil
	}
	s, ok := scalarString(v)
	if !ok {
		return "", o.Errorf(key, "want a string, got %s", describe(v))
	}
	return s, nil
}

// RequiredString is String for a key that must be set and non-empty.
func (o OptionSet) RequiredString(key string) (string, error) {
	s, err := o.String(key, "")
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", o.Errorf(key, "required but not set")
	}
	return s, nil
}

// Duration returns the positive duration at key, written with a unit
// ("500ms", "2s"), or def when it is absent. A bare number is an error:
// nobody can tell whether 5 meant seconds or milliseconds.
func (o OptionSet) Duration(key string, def time.Duration) (time.Duration, error) {
	v, ok := o.values[key]
	if !ok || v == nil {
		return def, nil
	}
	s, isString := v.(string)
	if !isString {
		return 0, o.Errorf(key, "want a duration with a unit such as \"2s\" or \"500ms\", got %s", describe(v))
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, o.Errorf(key, "want a duration such as \"2s\" or \"500ms\", got %q", s)
	}
	if d <= 0 {
		return 0, o.Errorf(key, "must be positive, got %q", s)
	}
	return d, nil
}

// Float returns the finite number at key, or def when it is absent.
func (o OptionSet) Float(key string, def float64) (float64, error) {
	v, ok := o.values[key]
	if !ok || v == nil {
		return def, nil
	}
	var f float64
	switch n := v.(type) {
	case int:
		f = float64(n)
	case int64:
		f = float64(n)
	case uint64:
		f = float64(n)
	case float64:
		f = n
	default:
		return 0, o.Errorf(key, "want a number, got %s", describe(v))
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, o.Errorf(key, "want a finite number, got %v", f)
	}
	return f, nil
}

// Bool returns the boolean at key, or def when it is absent.
func (o OptionSet) Bool(key string, def bool) (bool, error) {
	v, ok := o.values[key]
	if !ok || v == nil {
		return def, nil
	}
	b, isBool := v.(bool)
	if !isBool {
		return false, o.Errorf(key, "want true or false, got %s", describe(v))
	}
	return b, nil
}

// StringMap returns the mapping at key with every value as a string (nil
// when absent).
func (o OptionSet) StringMap(key string) (map[string]string, error) {
	v, ok := o.values[key]
	if !ok || v == nil {
		return nil, nil
	}
	m, isMap := asMap(v)
	if !isMap {
		return nil, o.Errorf(key, "want a mapping such as {gpu: \"0\"}, got %s", describe(v))
	}
	out := make(map[string]string, len(m))
	for k, val := range m {
		s, isScalar := scalarString(val)
		if !isScalar {
			return nil, o.Errorf(key+"."+k, "want a string, got %s", describe(val))
		}
		out[k] = s
	}
	return out, nil
}

// List returns the list of mappings at key, one OptionSet per item, whose
// errors name the item: "meters[gpu].metrics[1].unit".
func (o OptionSet) List(key string) ([]OptionSet, error) {
	v, ok := o.values[key]
	if !ok || v == nil {
		return nil, nil
	}
	items, isList := v.([]any)
	if !isList {
		return nil, o.Errorf(key, "want a list, got %s", describe(v))
	}
	out := make([]OptionSet, len(items))
	for i, item := range items {
		itemPath := fmt.Sprintf("%s[%d]", key, i)
		m, isMap := asMap(item)
		if !isMap {
			return nil, o.Errorf(itemPath, "want a mapping, got %s", describe(item))
		}
		out[i] = OptionSet{values: m, path: o.path + "." + itemPath, source: o.source}
	}
	return out, nil
}

func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case map[string]string:
		out := make(map[string]any, len(m))
		for k, s := range m {
			out[k] = s
		}
		return out, true
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, val := range m {
			ks, ok := k.(string)
			if !ok {
				ks = fmt.Sprint(k)
			}
			out[ks] = val
		}
		return out, true
	}
	return nil, false
}

func scalarString(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case int:
		return strconv.Itoa(s), true
	case int64:
		return strconv.FormatInt(s, 10), true
	case uint64:
		return strconv.FormatUint(s, 10), true
	case float64:
		return strconv.FormatFloat(s, 'g', -1, 64), true
	case bool:
		return strconv.FormatBool(s), true
	}
	return "", false
}

// describe names a decoded YAML value for error messages.
func describe(v any) string {
	switch v.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case int, int64, uint64, float64:
		return fmt.Sprintf("the number %v", v)
	case bool:
		return fmt.Sprintf("%v", v)
	case []any:
		return "a list"
	case map[string]any, map[any]any, map[string]string:
		return "a mapping"
	}
	return fmt.Sprintf("a %T", v)
}
