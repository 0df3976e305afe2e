package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed default.yaml
var defaultYAML []byte

// DefaultSource is Config.Source for the embedded default configuration.
const DefaultSource = "embedded default"

// DefaultYAML returns the text of the embedded default configuration.
func DefaultYAML() []byte { return bytes.Clone(defaultYAML) }

// Load reads the YAML configuration at path, applies the overrides in
// order, fills defaults and validates. Errors are one line each and name
// file:line (or the override) and the dotted key; several problems come
// back together as Errors.
func Load(path string, overrides []string) (*Config, error) {
	return load(path, overrides, parseMode{})
}

// LoadForCommand is Load for `aienergy measure`, which runs the user's
// command instead of sending requests: the backend section may be left
// out and is not checked.
func LoadForCommand(path string, overrides []string) (*Config, error) {
	return load(path, overrides, parseMode{command: true})
}

func load(path string, overrides []string, mode parseMode) (*Config, error) {
	data, err := readLimited(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: config file not found: %w", path, err)
		}
		return nil, fmt.Errorf("%s: cannot read config file: %w", path, err)
	}
	return parse(path, data, overrides, mode)
}

// readLimited reads path, stopping one byte past MaxConfigBytes: enough for
// parse to refuse a file that is too large (or endless, like /dev/zero)
// without holding it.
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxConfigBytes+1))
}

// Default is the embedded default configuration (a short run against the
// built-in simulator) with the overrides applied.
func Default(overrides []string) (*Config, error) {
	c, err := parse("default.yaml", defaultYAML, overrides, parseMode{embedded: true})
	if c != nil {
		c.Source = DefaultSource
	}
	return c, err
}

// Parse is Load for configuration text already in memory; name is used in
// error messages and as Config.Source.
func Parse(name string, data []byte, overrides []string) (*Config, error) {
	return parse(name, data, overrides, parseMode{})
}

// parseMode says what a configuration is read for.
type parseMode struct {
	// embedded: the embedded default, whose simulator gives way to an
	// endpoint the user names.
	embedded bool
	// command: a measured command's run, which has no backend.
	command bool
}

func parse(name string, data []byte, overrides []string, mode parseMode) (*Config, error) {
	if len(data) > MaxConfigBytes {
		return nil, Errors{{File: name, Msg: fmt.Sprintf("config file is larger than the %d MiB limit", MaxConfigBytes>>20)}}
	}
	src := newSource(name)
	root, err := parseDocument(src, data)
	if err != nil {
		return nil, err
	}
	for _, raw := range overrides {
		o, e := parseOverride(raw, src)
		if e == nil {
			e = o.apply(root, src)
		}
		if e != nil {
			return nil, Errors{e}
		}
	}
	// After the overrides, which can nest and alias too; before decoding,
	// which would build the whole expanded tree.
	if e := checkSize(src, root); e != nil {
		return nil, Errors{e}
	}

	c := defaults()
	c.src, c.Source = src, name
	d := &decoder{src: src}
	d.decodeStruct(root, reflect.ValueOf(&c).Elem(), "")
	if len(d.errs) > 0 {
		// Checks of values would only repeat these problems in other words.
		return nil, d.errs
	}
	c.resolve(strings.TrimSuffix(filepath.Base(name), filepath.Ext(name)))
	if mode.embedded {
		c.measureNamedEndpoint()
	}
	c.command = mode.command
	if errs := c.validate(); len(errs) > 0 {
		return nil, errs
	}
	return &c, nil
}

// parseDocument reads exactly one YAML document whose top level is a
// mapping (an empty file counts as an empty mapping) and returns that
// mapping.
func parseDocument(src *source, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, syntaxError(src.file, data, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil && len(extra.Content) > 0 && !isNull(extra.Content[0]):
		return nil, Errors{src.errAt(src.at(extra.Content[0]), "", "a second YAML document starts here; a config file holds only one")}
	case err != nil && !errors.Is(err, io.EOF):
		return nil, syntaxError(src.file, data, err)
	}
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1}, nil
	}
	root := resolveAlias(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return nil, Errors{src.errAt(src.at(root), "", "expected a mapping of keys (name:, backend:, ...) at the top level, got %s", describe(root))}
	}
	return root, nil
}

var (
	yamlLine      = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	unknownAnchor = regexp.MustCompile(`^yaml: unknown anchor '(.*)' referenced$`)
)

// syntaxError turns a YAML parser error into "file:line: YAML syntax
// error: ...". The parser leaves the line out of its message when the
// problem is on the first line, and for unknown anchors, which we find.
func syntaxError(file string, data []byte, err error) error {
	msg := err.Error()
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else if m := unknownAnchor.FindStringSubmatch(msg); m != nil {
		line = lineOf(data, "*"+m[1])
		msg = fmt.Sprintf("unknown anchor %q referenced (define it first with &%s)", m[1], m[1])
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	return Errors{{File: file, Line: line, Msg: "YAML syntax error: " + msg}}
}

// lineOf is the 1-based line of the first occurrence of s in data, or 1.
func lineOf(data []byte, s string) int {
	i := bytes.Index(data, []byte(s))
	if i < 0 {
		return 1
	}
	return 1 + bytes.Count(data[:i], []byte("\n"))
}
