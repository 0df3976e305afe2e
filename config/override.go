package config

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/aienergy/aienergy/internal/redact"
)

// Overrides follow Hydra's command-line grammar:
//
//	a.b=v    set a.b (the key must exist in the schema; it need not be in the file)
//	+a.b=v   add a.b; an error when the file already sets it
//	++a.b=v  set a.b whether or not the file sets it
//	~a.b     delete a.b, so that it reverts to its default
//	~a.b=v   delete a.b only if its value is v
//
// Values are YAML: x=5, x=true, x=5s, x=[1,2], x='{a: 1}'. List elements
// are addressed by index, as meters.0.url or meters[0].url. Overrides are
// applied to the YAML tree before decoding, so they are checked by the same
// rules as the file, and errors in their values name the override.

type overrideOp int

const (
	opSet overrideOp = iota
	opAdd
	opForce
	opDelete
)

type override struct {
	raw   string
	op    overrideOp
	segs  []string
	value *yaml.Node // nil for a delete without a value
}

// dotted is the override's key as the user would read it.
func (o *override) dotted(n int) string { return strings.Join(o.segs[:n], ".") }

func (o *override) errorf(format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	if v := o.valueText(); v != "" && isSecretOverride(o.raw) {
		msg = strings.ReplaceAll(msg, v, redact.Mask)
	}
	return &Error{Override: o.raw, Msg: msg}
}

// describe is the package's describe, except for a secret.
func (o *override) describe(n *yaml.Node) string {
	if isSecretOverride(o.raw) {
		return "a secret (not shown)"
	}
	return describe(n)
}

var indexSuffix = regexp.MustCompile(`\[(\d+)\]`)

func parseOverride(raw string, src *source) (*override, *Error) {
	o := &override{raw: raw}
	text := raw
	switch {
	case strings.HasPrefix(text, "++"):
		o.op, text = opForce, text[2:]
	case strings.HasPrefix(text, "+"):
		o.op, text = opAdd, text[1:]
	case strings.HasPrefix(text, "~"):
		o.op, text = opDelete, text[1:]
	}
	path, value, hasValue := strings.Cut(text, "=")
	if !hasValue && o.op != opDelete {
		return nil, o.errorf("expected key=value (or ~key to delete a key)")
	}
	path = indexSuffix.ReplaceAllString(strings.TrimSpace(path), ".$1")
	o.segs = strings.Split(path, ".")
	for _, s := range o.segs {
		if s == "" {
			return nil, o.errorf("malformed key %q", path)
		}
	}
	if msg := checkPath(o.segs); msg != "" {
		return nil, o.errorf("%s", msg)
	}
	if hasValue {
		n, err := parseOverrideValue(value)
		if err != nil {
			return nil, o.errorf("invalid value %q: %s", value, strings.TrimPrefix(err.Error(), "yaml: "))
		}
		markOrigin(n, raw, src)
		o.value = n
	}
	return o, nil
}

// parseOverrideValue reads a value as YAML; an empty value is the empty
// string, as in Hydra.
func parseOverrideValue(text string) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: text}, nil
	}
	return doc.Content[0], nil
}

// markOrigin records that n and everything under it came from override.
func markOrigin(n *yaml.Node, override string, src *source) {
	src.origins[n] = override
	for _, c := range n.Content {
		markOrigin(c, override, src)
	}
}

// apply performs the override on the document's root mapping.
func (o *override) apply(root *yaml.Node, src *source) *Error {
	parent := root
	for i := range o.segs[:len(o.segs)-1] {
		child, err := o.child(parent, i, o.op != opDelete, src)
		if err != nil {
			return err
		}
		parent = child
	}
	if parent.Kind == yaml.SequenceNode {
		return o.applySequence(parent)
	}
	return o.applyMapping(parent, src)
}

// child returns the mapping or list at segment i under parent (itself a
// mapping or list), creating an empty mapping for a missing or null key
// when create is set.
func (o *override) child(parent *yaml.Node, i int, create bool, src *source) (*yaml.Node, *Error) {
	seg := o.segs[i]
	switch parent.Kind {
	case yaml.MappingNode:
		for j := 0; j+1 < len(parent.Content); j += 2 {
			if parent.Content[j].Value != seg {
				continue
			}
			v := resolveAlias(parent.Content[j+1])
			if isNull(v) {
				if !create {
					return nil, o.errorf("%s is not set in the config", o.dotted(len(o.segs)))
				}
				v = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
				src.origins[v] = o.raw
				parent.Content[j+1] = v
			}
			if v.Kind != yaml.MappingNode && v.Kind != yaml.SequenceNode {
				return nil, o.errorf("cannot set %s: %s is %s, not a mapping", o.dotted(len(o.segs)), o.dotted(i+1), o.here(v, src))
			}
			return v, nil
		}
		if !create {
			return nil, o.errorf("%s is not set in the config", o.dotted(len(o.segs)))
		}
		if _, err := strconv.Atoi(o.segs[i+1]); err == nil {
			return nil, o.errorf("%s is not set in the config, so it has no element %s; set the whole list, e.g. %s=[...]", o.dotted(i+1), o.segs[i+1], o.dotted(i+1))
		}
		k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: seg}
		v := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		src.origins[k], src.origins[v] = o.raw, o.raw
		parent.Content = append(parent.Content, k, v)
		return v, nil
	case yaml.SequenceNode:
		idx, err := strconv.Atoi(seg)
		if err != nil {
			return nil, o.errorf("%s is a list in the config; address an element by index, e.g. %s.0.%s", o.dotted(i), o.dotted(i), strings.Join(o.segs[i:], "."))
		}
		if idx < 0 || idx >= len(parent.Content) {
			return nil, o.errorf("%s has %d element(s); there is no %s", o.dotted(i), len(parent.Content), o.dotted(i+1))
		}
		v := resolveAlias(parent.Content[idx])
		if v.Kind != yaml.MappingNode && v.Kind != yaml.SequenceNode {
			return nil, o.errorf("cannot set %s: %s is %s, not a mapping", o.dotted(len(o.segs)), o.dotted(i+1), o.here(v, src))
		}
		return v, nil
	}
	// Unreachable: callers pass only mappings and lists.
	return nil, o.errorf("cannot set %s", o.dotted(len(o.segs)))
}

func (o *override) applyMapping(m *yaml.Node, src *source) *Error {
	seg := o.segs[len(o.segs)-1]
	key := o.dotted(len(o.segs))
	for j := 0; j+1 < len(m.Content); j += 2 {
		if m.Content[j].Value != seg {
			continue
		}
		switch o.op {
		case opAdd:
			return o.errorf("%s is already set (%s); use %s=%s to change it", key, o.here(m.Content[j+1], src), key, o.valueText())
		case opDelete:
			if o.value != nil && !sameValue(m.Content[j+1], o.value) {
				return o.errorf("%s is %s, not %s; not deleted", key, o.describe(resolveAlias(m.Content[j+1])), o.describe(o.value))
			}
			m.Content = append(m.Content[:j], m.Content[j+2:]...)
		default:
			m.Content[j+1] = o.value
			o.dropAlternative(m, src)
		}
		return nil
	}
	if o.op == opDelete {
		if src.dropped[key] {
			return nil // an override of its alternative removed it already
		}
		return o.errorf("%s is not set in the config", key)
	}
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: seg}
	src.origins[k] = o.raw
	m.Content = append(m.Content, k, o.value)
	o.dropAlternative(m, src)
	return nil
}

// alternatives are keys that say the same thing two ways, so that a
// config gives one or the other.
var alternatives = map[string]string{
	"backend.model":  "backend.models",
	"backend.models": "backend.model",
}

// dropAlternative removes from m the file's alternative of the key just
// set: `backend.models=[a,b]` on a file that says `model: x` replaces the
// model, as any override replaces what the file says. Two overrides that
// give both still conflict, and validation says so.
func (o *override) dropAlternative(m *yaml.Node, src *source) {
	alt, ok := alternatives[o.dotted(len(o.segs))]
	if !ok {
		return
	}
	seg := alt[strings.LastIndex(alt, ".")+1:]
	for j := 0; j+1 < len(m.Content); j += 2 {
		if m.Content[j].Value == seg && src.origins[m.Content[j]] == "" {
			m.Content = append(m.Content[:j], m.Content[j+2:]...)
			src.dropped[alt] = true
			return
		}
	}
}

func (o *override) applySequence(s *yaml.Node) *Error {
	seg := o.segs[len(o.segs)-1]
	parentKey := o.dotted(len(o.segs) - 1)
	idx, err := strconv.Atoi(seg)
	if err != nil {
		return o.errorf("%s is a list in the config; address an element by index, e.g. %s.0.%s", parentKey, parentKey, seg)
	}
	switch {
	case o.op == opAdd && idx == len(s.Content):
		s.Content = append(s.Content, o.value)
		return nil
	case idx < 0 || idx >= len(s.Content):
		return o.errorf("%s has %d element(s); there is no %s", parentKey, len(s.Content), o.dotted(len(o.segs)))
	case o.op == opAdd:
		return o.errorf("%s is already set; use %s=%s to change it", o.dotted(len(o.segs)), o.dotted(len(o.segs)), o.valueText())
	case o.op == opDelete:
		if o.value != nil && !sameValue(s.Content[idx], o.value) {
			return o.errorf("%s is %s, not %s; not deleted", o.dotted(len(o.segs)), o.describe(resolveAlias(s.Content[idx])), o.describe(o.value))
		}
		s.Content = append(s.Content[:idx], s.Content[idx+1:]...)
	default:
		s.Content[idx] = o.value
	}
	return nil
}

// here says where a node of the file is, for messages about overrides.
func (o *override) here(n *yaml.Node, src *source) string {
	loc := src.at(n)
	if loc.override != "" {
		return fmt.Sprintf("by override %q", loc.override)
	}
	if n.Kind == yaml.ScalarNode {
		return fmt.Sprintf("%s at %s:%d", o.describe(n), src.file, loc.line)
	}
	return fmt.Sprintf("%s:%d", src.file, loc.line)
}

func (o *override) valueText() string {
	_, v, _ := strings.Cut(o.raw, "=")
	return v
}

// sameValue compares two YAML values by what they decode to.
func sameValue(a, b *yaml.Node) bool {
	var x, y any
	if resolveAlias(a).Decode(&x) != nil || b.Decode(&y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
