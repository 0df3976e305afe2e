package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// The schema is the Config struct itself: keys are yaml tags, walked by
// reflection, so that the decoder, the override checker and the
// suggestions can never disagree about which keys exist.

var (
	durationType = reflect.TypeFor[time.Duration]()
	meterType    = reflect.TypeFor[Meter]()
	configType   = reflect.TypeFor[Config]()
)

// A field is one key of a struct in the schema.
type field struct {
	name      string // yaml key
	index     int
	oneOrMany bool // a list that also accepts a single mapping (reporter)
}

// fieldsOf lists the keys of a schema struct in declaration order.
func fieldsOf(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		out = append(out, field{name: name, index: i, oneOrMany: f.Tag.Get("config") == "one-or-many"})
	}
	return out
}

func fieldNames(fields []field) []string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return names
}

func lookupField(t reflect.Type, name string) (field, bool) {
	for _, f := range fieldsOf(t) {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

// unknownKeyHint suggests what an unknown key under a struct of type t was
// meant to be: a sibling with a similar name, or else the one key anywhere
// in the schema with exactly that name ("concurrency" → "load.concurrency").
func unknownKeyHint(t reflect.Type, name string) string {
	if hint := didYouMean(name, fieldNames(fieldsOf(t))); hint != "" {
		return hint
	}
	var matches []string
	walkSchema(configType, "", func(key string) {
		last := key[strings.LastIndexByte(key, '.')+1:]
		if normalizeWord(last) == normalizeWord(name) {
			matches = append(matches, key)
		}
	})
	switch len(matches) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf(" (did you mean %q?)", matches[0])
	}
	quoted := make([]string, len(matches))
	for i, m := range matches {
		quoted[i] = strconv.Quote(m)
	}
	return fmt.Sprintf(" (did you mean %s?)", strings.Join(quoted, " or "))
}

// walkSchema calls fn with the dotted key of every key in the schema.
func walkSchema(t reflect.Type, prefix string, fn func(key string)) {
	for t.Kind() == reflect.Pointer || (t.Kind() == reflect.Slice && t != meterType) {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == meterType {
		return
	}
	for _, f := range fieldsOf(t) {
		key := joinKey(prefix, f.name)
		fn(key)
		walkSchema(t.Field(f.index).Type, key, fn)
	}
}

// Keys lists every dotted key the schema knows, in schema order (for shell
// completion and documentation). Meter options are free-form and not listed.
func Keys() []string {
	var keys []string
	walkSchema(configType, "", func(key string) { keys = append(keys, key) })
	return keys
}

// checkPath verifies that a dotted override path names a key the schema
// has. List elements are addressed by index ("meters.0.url"); under a meter
// and under maps any key is allowed. It returns "" or what is wrong.
func checkPath(segs []string) string {
	t := configType
	for i, seg := range segs {
		sofar := strings.Join(segs[:i], ".")
		here := strings.Join(segs[:i+1], ".")
		switch {
		case t == meterType:
			return "" // meter options are free-form
		case t.Kind() == reflect.Pointer:
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Struct:
			f, ok := lookupField(t, seg)
			if !ok {
				return fmt.Sprintf("unknown key %s%s", here, unknownKeyHint(t, seg))
			}
			t = t.Field(f.index).Type
			if f.oneOrMany && i+1 < len(segs) {
				if _, err := strconv.Atoi(segs[i+1]); err != nil {
					// The single-mapping form: reporter.type=csv.
					t = t.Elem()
				}
			}
		case reflect.Slice:
			if _, err := strconv.Atoi(seg); err != nil {
				return fmt.Sprintf("%s is a list; address an element by index, e.g. %s.0", sofar, sofar)
			}
			t = t.Elem()
		case reflect.Map:
			t = t.Elem()
		default:
			return fmt.Sprintf("%s is a single value, it has no key %q", sofar, seg)
		}
	}
	return ""
}
