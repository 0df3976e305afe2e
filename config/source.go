package config

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A location says where a value came from.
type location struct {
	line     int    // line in the file; 0 when unknown
	override string // the override that set it, when it did not come from the file
	null     bool   // the key was present with no value (null keeps the default)
}

// A source remembers, for one loaded configuration, where every key was
// set, so that checks made after decoding can still point at a line.
type source struct {
	file    string
	origins map[*yaml.Node]string // nodes created by overrides → the override
	dropped map[string]bool       // file keys an override of their alternative removed
	keys    map[string]location   // dotted key → location of its value
}

func newSource(file string) *source {
	return &source{file: file, origins: map[*yaml.Node]string{}, dropped: map[string]bool{}, keys: map[string]location{}}
}

// at is the location of a node.
func (s *source) at(n *yaml.Node) location {
	if o, ok := s.origins[n]; ok {
		return location{override: o}
	}
	return location{line: n.Line}
}

// record notes that key was given a value at node n, unless recordPair
// already placed it at its key.
func (s *source) record(key string, n *yaml.Node) {
	if _, done := s.keys[key]; done {
		return
	}
	loc := s.at(n)
	loc.null = isNull(n)
	s.keys[key] = loc
}

// recordPair notes that key was given the value v on the line of its key
// k; an override's value is located at the override.
func (s *source) recordPair(key string, k, v *yaml.Node) {
	loc := s.at(v)
	if loc.override == "" {
		loc = s.at(k)
	}
	loc.null = isNull(resolveAlias(v))
	s.keys[key] = loc
}

// set reports whether key was given a non-null value, in the file or by an
// override.
func (s *source) set(key string) bool {
	loc, ok := s.keys[key]
	return ok && !loc.null
}

// where is the location of key, or of its nearest ancestor present when the
// key itself was not given; line 1 when nothing on the path was given.
func (s *source) where(key string) location {
	for k := key; k != ""; k = parentKey(k) {
		if loc, ok := s.keys[k]; ok {
			return loc
		}
	}
	return location{line: 1}
}

// errAt builds an error at loc.
func (s *source) errAt(loc location, key, format string, args ...any) *Error {
	return &Error{File: s.file, Line: loc.line, Override: loc.override, Key: key, Msg: fmt.Sprintf(format, args...)}
}

// errKey builds an error about key at the place the key was set.
func (s *source) errKey(key, format string, args ...any) *Error {
	return s.errAt(s.where(key), key, format, args...)
}

// parentKey strips the last element from a dotted key:
// "meters[0].url" → "meters[0]" → "meters" → "".
func parentKey(key string) string {
	if strings.HasSuffix(key, "]") {
		if i := strings.LastIndexByte(key, '['); i >= 0 {
			return key[:i]
		}
	}
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		return key[:i]
	}
	return ""
}

// joinKey appends a mapping key to a dotted key.
func joinKey(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// indexKey appends a list index to a dotted key.
func indexKey(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

// isNull reports whether n holds no value ("key:", "key: ~", "key: null").
func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// resolveAlias follows YAML aliases (*name) to the node they refer to.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// describe names what a node holds, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return strconv.Quote(n.Value)
	default:
		return "nothing"
	}
}
