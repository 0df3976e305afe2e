package rundir

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"reflect"
)

// WriteJSON writes v as indented JSON to name inside dir, atomically: a
// reader never sees half a file. Non-finite numbers are written as null
// (see EncodeJSON).
func WriteJSON(dir, name string, v any) error {
	data, err := EncodeJSON(v)
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, name), data)
}

// EncodeJSON is json.MarshalIndent plus a newline, except that an Inf or
// NaN, which JSON cannot hold, is written as null ("no value") instead of
// failing: one impossible figure must not cost a run its run.json or
// summary.json after it has run. v itself is left as it is.
func EncodeJSON(v any) ([]byte, error) {
	data, err := json.MarshalIndent(v, "", "  ")
	var unsupported *json.UnsupportedValueError
	if errors.As(err, &unsupported) {
		if c, changed := withSentinels(reflect.ValueOf(v), 0); changed {
			if data, err = json.MarshalIndent(c.Interface(), "", "  "); err == nil {
				data = nullSentinels(data)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// sentinel stands in for a non-finite number while encoding: a negative
// subnormal that no measurement produces, and whose text nullSentinels
// turns into null.
var (
	sentinel     = math.Float64frombits(0x800dead0beefcafe)
	sentinelText = func() []byte { b, _ := json.Marshal(sentinel); return b }()
)

// maxDepth stops withSentinels on a cyclic value, which json.Marshal
// refuses anyway.
const maxDepth = 1000

// withSentinels returns v with every non-finite float64 replaced by
// sentinel, copying only the parts that change; changed is false when
// nothing did.
func withSentinels(v reflect.Value, depth int) (c reflect.Value, changed bool) {
	if !v.IsValid() || depth > maxDepth {
		return v, false
	}
	switch v.Kind() {
	case reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			c = reflect.New(v.Type()).Elem()
			c.SetFloat(sentinel)
			return c, true
		}
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return v, false
		}
		e, ok := withSentinels(v.Elem(), depth+1)
		if !ok {
			return v, false
		}
		if v.Kind() == reflect.Interface {
			c = reflect.New(v.Type()).Elem()
			c.Set(e)
			return c, true
		}
		c = reflect.New(v.Type().Elem())
		c.Elem().Set(e)
		return c, true
	case reflect.Struct:
		for i := range v.NumField() {
			if !v.Type().Field(i).IsExported() {
				continue
			}
			if f, ok := withSentinels(v.Field(i), depth+1); ok {
				if !changed {
					c, changed = reflect.New(v.Type()).Elem(), true
					c.Set(v)
				}
				c.Field(i).Set(f)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if e, ok := withSentinels(v.Index(i), depth+1); ok {
				if !changed {
					c, changed = reflect.New(v.Type()).Elem(), true
					if v.Kind() == reflect.Slice {
						c.Set(reflect.MakeSlice(v.Type(), v.Len(), v.Len()))
						reflect.Copy(c, v)
					} else {
						c.Set(v)
					}
				}
				c.Index(i).Set(e)
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if e, ok := withSentinels(it.Value(), depth+1); ok {
				if !changed {
					c, changed = reflect.MakeMapWithSize(v.Type(), v.Len()), true
					for all := v.MapRange(); all.Next(); {
						c.SetMapIndex(all.Key(), all.Value())
					}
				}
				c.SetMapIndex(it.Key(), e)
			}
		}
	}
	if !changed {
		return v, false
	}
	return c, true
}

// nullSentinels replaces the sentinel's number by null wherever it stands
// as a value, leaving the text of strings alone.
func nullSentinels(data []byte) []byte {
	var out bytes.Buffer
	inString, escaped := false, false
	for i := 0; i < len(data); i++ {
		b := data[i]
		switch {
		case inString:
			inString = escaped || b != '"'
			escaped = !escaped && b == '\\'
		case b == '"':
			inString = true
		case bytes.HasPrefix(data[i:], sentinelText):
			out.WriteString("null")
			i += len(sentinelText) - 1
			continue
		}
		out.WriteByte(b)
	}
	return out.Bytes()
}
