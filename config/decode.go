package config

import (
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// A decoder fills a Config from a YAML node tree, checking every key
// against the schema and every value against its field's type, and
// collecting one error per problem. It writes over the defaults already in
// the Config: a key that is absent or null keeps its default.
type decoder struct {
	src  *source
	errs Errors
}

func (d *decoder) fail(n *yaml.Node, key, format string, args ...any) {
	d.errs = append(d.errs, d.src.errAt(d.src.at(n), key, format, args...))
}

// decode stores the value at n into v; key is n's dotted key.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, key string) {
	n = resolveAlias(n)
	d.src.record(key, n)
	if isNull(n) {
		return
	}
	t := v.Type()
	switch {
	case t == durationType:
		if dur, msg := durationOf(n); msg != "" {
			d.fail(n, key, "%s", msg)
		} else {
			v.SetInt(int64(dur))
		}
		return
	case t == meterType:
		d.decodeMeter(n, v, key)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, key)
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		d.decode(n, p.Elem(), key)
		v.Set(p)
	case reflect.Slice:
		d.decodeSlice(n, v, key, false)
	case reflect.Map:
		d.decodeMap(n, v, key)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.fail(n, key, "expected a string, got %s", describe(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			d.fail(n, key, "expected true or false, got %s", describe(n))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		var i int64
		if n.Kind == yaml.ScalarNode && isOutOfRangeInt(n.Value) {
			d.fail(n, key, "integer %s is out of range", n.Value)
			return
		}
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			d.fail(n, key, "expected an integer, got %s", describe(n))
			return
		}
		if n.Decode(&i) != nil || v.OverflowInt(i) {
			d.fail(n, key, "integer %s is out of range", n.Value)
			return
		}
		v.SetInt(i)
	case reflect.Interface:
		// Free-form values (backend.extra_body), sent as they are.
		var x any
		if err := resolveAlias(n).Decode(&x); err != nil {
			d.fail(n, key, "cannot read value: %v", err)
			return
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
	case reflect.Float64:
		f, ok := floatOf(n)
		if !ok {
			d.fail(n, key, "expected a number, got %s", describe(n))
			return
		}
		v.SetFloat(f)
	default:
		// Unreachable for the Config schema; guards against a field type
		// added without teaching the decoder about it.
		d.fail(n, key, "cannot decode into %s", t)
	}
}

// pairs calls fn for each key/value pair of a mapping, reporting duplicate
// and non-scalar keys itself. The mapping's own keys come first, then those
// of YAML merge keys ("<<: *base") that it does not set itself, so that its
// own keys win.
func (d *decoder) pairs(n *yaml.Node, key string, fn func(k, v *yaml.Node, childKey string)) {
	seen := map[string]*yaml.Node{}
	visit := func(m *yaml.Node, merged bool) {
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i], m.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
				continue
			}
			if k.Kind != yaml.ScalarNode {
				d.fail(k, key, "keys must be plain names, got %s", describe(k))
				continue
			}
			childKey := joinKey(key, k.Value)
			if first, dup := seen[k.Value]; dup {
				if !merged {
					d.fail(k, childKey, "duplicate key (first set at line %d)", first.Line)
				}
				continue
			}
			seen[k.Value] = k
			d.src.recordPair(childKey, k, v)
			fn(k, v, childKey)
		}
	}
	visit(n, false)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolveAlias(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!merge" {
			continue
		}
		sources := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			sources = v.Content
		}
		for _, s := range sources {
			if s = resolveAlias(s); s.Kind == yaml.MappingNode {
				visit(s, true)
			} else {
				d.fail(s, key, "a merge (<<) needs a mapping, got %s", describe(s))
			}
		}
	}
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, key string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, key, "expected a mapping of keys, got %s", describe(n))
		return
	}
	t := v.Type()
	d.pairs(n, key, func(k, val *yaml.Node, childKey string) {
		f, ok := lookupField(t, k.Value)
		if !ok {
			d.fail(k, childKey, "unknown key%s", unknownKeyHint(t, k.Value))
			return
		}
		if f.oneOrMany {
			d.decodeSlice(resolveAlias(val), v.Field(f.index), childKey, true)
			return
		}
		d.decode(val, v.Field(f.index), childKey)
	})
}

// decodeSlice replaces v's contents with the list at n. With oneOrMany a
// single mapping counts as a one-element list and keeps the key unindexed.
func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, key string, oneOrMany bool) {
	if isNull(n) {
		return
	}
	elems, indexed := n.Content, true
	switch {
	case n.Kind == yaml.SequenceNode:
	case oneOrMany && n.Kind == yaml.MappingNode:
		elems, indexed = []*yaml.Node{n}, false
	case oneOrMany:
		d.fail(n, key, "expected a mapping or a list of mappings, got %s", describe(n))
		return
	default:
		d.fail(n, key, "expected a list, got %s", describe(n))
		return
	}
	out := reflect.MakeSlice(v.Type(), len(elems), len(elems))
	for i, e := range elems {
		elemKey := key
		if indexed {
			elemKey = indexKey(key, i)
		}
		if indexed && isNull(resolveAlias(e)) {
			d.src.record(elemKey, e)
			d.fail(e, elemKey, "empty list element")
			continue
		}
		d.decode(e, out.Index(i), elemKey)
	}
	v.Set(out)
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, key string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, key, "expected a mapping, got %s", describe(n))
		return
	}
	out := reflect.MakeMap(v.Type())
	d.pairs(n, key, func(k, val *yaml.Node, childKey string) {
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, elem, childKey)
		out.SetMapIndex(reflect.ValueOf(k.Value), elem)
	})
	v.Set(out)
}

func (d *decoder) decodeMeter(n *yaml.Node, v reflect.Value, key string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, key, "expected a meter mapping such as {name: gpu, type: nvml}, got %s", describe(n))
		return
	}
	m := Meter{Enabled: true, Options: map[string]any{}, Node: n, Key: key}
	d.pairs(n, key, func(k, val *yaml.Node, childKey string) {
		switch k.Value {
		case "name":
			d.decode(val, reflect.ValueOf(&m.Name).Elem(), childKey)
		case "type":
			d.decode(val, reflect.ValueOf(&m.Type).Elem(), childKey)
		case "enabled":
			d.decode(val, reflect.ValueOf(&m.Enabled).Elem(), childKey)
		default:
			var x any
			if err := resolveAlias(val).Decode(&x); err != nil {
				d.fail(val, childKey, "cannot read value: %v", err)
				return
			}
			m.Options[k.Value] = x
		}
	})
	v.Set(reflect.ValueOf(m))
}

// isOutOfRangeInt reports whether text is an integer too large for int64
// (which YAML would otherwise read as a float).
func isOutOfRangeInt(text string) bool {
	_, err := strconv.ParseInt(strings.ReplaceAll(text, "_", ""), 0, 64)
	return errors.Is(err, strconv.ErrRange)
}

// floatOf reads a finite number from a scalar node.
func floatOf(n *yaml.Node) (float64, bool) {
	var f float64
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") || n.Decode(&f) != nil {
		return 0, false
	}
	return f, !math.IsInf(f, 0) && !math.IsNaN(f)
}

// durationOf reads a duration: a Go duration string ("5s", "1m30s",
// "100ms") or a plain number of seconds. The message is "" on success.
func durationOf(n *yaml.Node) (time.Duration, string) {
	if n.Kind != yaml.ScalarNode {
		return 0, "expected a duration such as 5s, got " + describe(n)
	}
	if f, ok := floatOf(n); ok {
		return secondsToDuration(f, n.Value)
	}
	return parseDuration(n.Value)
}

// parseDuration reads a duration from text; the message is "" on success.
func parseDuration(s string) (time.Duration, string) {
	if d, err := time.ParseDuration(s); err == nil {
		return d, ""
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		return secondsToDuration(f, s)
	}
	return 0, "invalid duration " + strconv.Quote(s) + " (use e.g. 5s, 500ms, or a number of seconds)"
}

func secondsToDuration(f float64, text string) (time.Duration, string) {
	if math.Abs(f) > math.MaxInt64/float64(time.Second) {
		return 0, "duration " + strconv.Quote(text) + " is out of range"
	}
	return time.Duration(f * float64(time.Second)), ""
}
