package config

import (
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/aienergy/aienergy/internal/redact"
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
	// The common scalars directly: yaml's Encode renders and parses back
	// text for each value, 12 KB a time, which for 10 000 inline prompts
	// is a gigabyte. A !!str node is quoted on output where it must be.
	switch t.Kind() {
	case reflect.String:
		return scalarNode(v.String())
	case reflect.Bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v.Bool())}
	case reflect.Int, reflect.Int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(v.Int(), 10)}
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
	walkSecrets(n, all, func(n *yaml.Node, secret bool) {
		if secret {
			n.Value, n.Tag, n.Style = redact.Mask, "!!str", 0
		} else {
			n.Value = redact.URLs(n.Value)
		}
	})
}

// walkSecrets calls f for every non-null scalar of a tree, saying whether
// it is a secret as a whole: the value of a key named like a secret, or
// of a header. Other scalars may still hold a URL with a password.
func walkSecrets(n *yaml.Node, all bool, f func(n *yaml.Node, secret bool)) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			walkSecrets(n.Content[i+1], all || redact.IsSecretKey(k) || strings.EqualFold(k, "headers"), f)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			walkSecrets(c, all, f)
		}
	case yaml.ScalarNode:
		if !isNull(n) {
			f(n, all)
		}
	}
}

// Secrets returns every secret value of the configuration, for redacting
// them wherever they might appear verbatim (an error body that echoes a
// request): values that Redacted masks, the passwords of URLs (and the
// Basic credentials a client sends for them), and the values of the
// environment variables that hold the API key and the reporters' and
// Electricity Maps' passwords and tokens.
func (c *Config) Secrets() []string {
	var out []string
	walkSecrets(encodeValue(reflect.ValueOf(*c)), false, func(n *yaml.Node, secret bool) {
		if secret {
			out = append(out, n.Value)
		} else {
			out = append(out, redact.URLSecrets(n.Value)...)
		}
	})
	envs := []string{c.Backend.APIKeyEnv, c.Metrics.ElectricityMapsTokenEnv}
	for _, r := range c.Reporters {
		envs = append(envs, r.PasswordEnv, r.TokenEnv)
	}
	for _, name := range envs {
		if v := os.Getenv(name); name != "" && v != "" {
			out = append(out, v)
		}
	}
	return out
}
