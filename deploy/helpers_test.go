// Package deploy_test checks the deployment examples in this folder
// (compose.yaml, k8s/, grafana/, prometheus.yml, bench.yaml) and the
// repository's Dockerfile against the code they drive: the configs load and
// their meters build, the command lines parse, the files refer to each
// other consistently, and every dashboard query runs in a real Prometheus
// and gives hand-computed figures. No Docker engine or Kubernetes API is
// needed (none exists on CI machines).
package deploy_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// readYAMLDocs decodes every document of a YAML file into generic values.
func readYAMLDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
}

func readYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	docs := readYAMLDocs(t, path)
	if len(docs) != 1 {
		t.Fatalf("%s: want one YAML document, got %d", path, len(docs))
	}
	return docs[0]
}

// dig walks a path of mapping keys and list indexes through decoded YAML
// or JSON, failing the test with the path when a step is missing.
func dig(t *testing.T, v any, path ...any) any {
	t.Helper()
	for i, step := range path {
		switch s := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v: not a mapping at %v", path, path[:i])
			}
			if v, ok = m[s]; !ok {
				t.Fatalf("%v: no key %q", path, s)
			}
		case int:
			l, ok := v.([]any)
			if !ok || s >= len(l) {
				t.Fatalf("%v: no item %d at %v", path, s, path[:i])
			}
			v = l[s]
		}
	}
	return v
}

func strs(t *testing.T, v any) []string {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("want a list of strings, got %T", v)
	}
	out := make([]string, len(l))
	for i, x := range l {
		s, ok := x.(string)
		if !ok {
			t.Fatalf("item %d: want a string, got %v (%T)", i, x, x)
		}
		out[i] = s
	}
	return out
}

var composeVar = regexp.MustCompile(`\$\{([A-Z_][A-Z0-9_]*)(:?-([^}]*))?\}`)

// interpolate resolves compose's ${VAR:-default} as it would with none of
// the variables set: every one takes its default.
func interpolate(s string) string {
	return composeVar.ReplaceAllStringFunc(s, func(m string) string {
		return composeVar.FindStringSubmatch(m)[3]
	})
}

// splitCommand splits `run CONFIG [OVERRIDE]... [--flag value]...` into
// the config path, the overrides and the flags with their values.
func splitCommand(t *testing.T, args []string) (config string, overrides []string, flags map[string]string) {
	t.Helper()
	if len(args) < 2 || args[0] != "run" {
		t.Fatalf("want `run CONFIG ...`, got %q", args)
	}
	flags = map[string]string{}
	for i := 2; i < len(args); i++ {
		a := args[i]
		switch {
		case strings.HasPrefix(a, "--") && strings.Contains(a, "="):
			k, v, _ := strings.Cut(a, "=")
			flags[k] = v
		case strings.HasPrefix(a, "--"):
			if i+1 >= len(args) {
				t.Fatalf("flag %s has no value in %q", a, args)
			}
			flags[a] = args[i+1]
			i++
		default:
			overrides = append(overrides, a)
		}
	}
	return args[1], overrides, flags
}
