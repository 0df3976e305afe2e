package config

import (
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// Redacted returns the resolved configuration, with every default filled
// in, as YAML that Load accepts again. Secrets are replaced by "REDACTED":
// values of keys whose name has a word like key, token, password, secret
// or community (keys ending in _env name an environment variable and are
// kept), every HTTP header value, and passwords inside URLs.
func (c *Config) Redacted() ([]byte, error) {
	root := encodeValue(reflect.ValueOf(*c))
	if c.Backend.Type != "sim" {
		deleteKey(root, "backend", "sim")
	}
	root.HeadComment = fmt.Sprintf("resolved configuration from %s (defaults filled in, secrets redacted)", c.Source)
	redactNode(root, false)
	out, err := yaml.Marshal(root)
	if err != nil {
		return nil, fmt.Errorf("config: encoding resolved configuration: %w", err)
	}
	return out, nil
}

const redacted = "REDACTED"

// deleteKey removes the key at path from a tree of mappings, if present.
func deleteKey(m *yaml.Node, path ...string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != path[0] {
			continue
		}
		if len(path) == 1 {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
		} else {
			deleteKey(m.Content[i+1], path[1:]...)
		}
		return
	}
}

// encodeValue builds the YAML tree of a schema value, keeping the
// schema's key order. Empty strings, lists, maps and nil pointers are left
// out; zero numbers and false are kept, since they mean something.
func encodeValue(v reflect.Value) *yaml.Node {
	t := v.Type()
	switch {
	case t == durationType:
		return scalarNode(formatDuration(time.Duration(v.Int())))
	case t == meterType:
		return encodeMeter(v.Interface().(Meter))
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		return encodeValue(v.Elem())
	case reflect.Struct:
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, f := range fieldsOf(t) {
			fv := v.Field(f.index)
			if omit(fv) {
				continue
			}
			m.Content = append(m.Content, scalarNode(f.name), encodeValue(fv))
		}
		return m
	case reflect.Slice:
		s := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for i := range v.Len() {
			s.Content = append(s.Content, encodeValue(v.Index(i)))
		}
		return s
	case reflect.Map:
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			m.Content = append(m.Content, scalarNode(k.String()), encodeValue(v.MapIndex(k)))
		}
		return m
	}
	n := &yaml.Node{}
	if err := n.Encode(v.Interface()); err != nil {
		// Scalars of the schema always encode; keep the text form if not.
		return scalarNode(fmt.Sprint(v.Interface()))
	}
	return n
}

func omit(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	case reflect.String, reflect.Slice, reflect.Map:
		return v.Len() == 0
	}
	return false
}

func encodeMeter(m Meter) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	add := func(k string, v *yaml.Node) { n.Content = append(n.Content, scalarNode(k), v) }
	add("name", scalarNode(m.Name))
	add("type", scalarNode(m.Type))
	add("enabled", encodeValue(reflect.ValueOf(m.Enabled)))
	keys := make([]string, 0, len(m.Options))
	for k := range m.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := &yaml.Node{}
		if err := v.Encode(m.Options[k]); err != nil {
			v = scalarNode(fmt.Sprint(m.Options[k]))
		}
		add(k, v)
	}
	return n
}

func scalarNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// formatDuration writes 5m rather than Go's 5m0s.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// redactNode replaces secrets in a YAML tree in place; all says that
// everything below is secret.
func redactNode(n *yaml.Node, all bool) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			redactNode(n.Content[i+1], all || isSecretKey(k) || strings.EqualFold(k, "headers"))
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			redactNode(c, all)
		}
	case yaml.ScalarNode:
		if isNull(n) {
			return
		}
		if all {
			n.Value, n.Tag, n.Style = redacted, "!!str", 0
			return
		}
		if u, err := url.Parse(n.Value); err == nil && u.User != nil {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), redacted)
				n.Value = u.String()
			}
		}
	}
}

// secretWords are the words of a key name that mark its value secret.
var secretWords = []string{"key", "token", "secret", "password", "passwd", "credential", "credentials", "auth", "authorization", "community", "cookie", "bearer"}

// isSecretKey reports whether a key's value is a secret: one of its words
// (split at _, -, . and camelCase) ends with a secret word ("apikey").
// "max_new_tokens" is not secret ("tokens" is a count); "api_key_env" is
// not either, since it names the variable, not the key.
func isSecretKey(key string) bool {
	words := splitWords(key)
	if len(words) == 0 || words[len(words)-1] == "env" {
		return false
	}
	for _, w := range words {
		for _, s := range secretWords {
			if strings.HasSuffix(w, s) {
				return true
			}
		}
	}
	return false
}

func splitWords(s string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	prevLower := false
	for _, r := range s {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			flush()
		}
		cur = append(cur, r)
		prevLower = unicode.IsLower(r)
	}
	flush()
	return words
}
