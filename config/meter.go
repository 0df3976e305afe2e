package config

import (
	"go.yaml.in/yaml/v3"
)

// Meter is one item of the meters: list. Meter kinds grow over time, so the
// config package knows only the keys every meter has (name, type, enabled)
// and keeps all others in Options for the meter's own code to read
// (meter.Spec's getters, whose errors the CLI restates at the option's
// file:line).
//
//	meters:
//	  - name: gpu
//	    type: exporter
//	    url: http://localhost:9400/metrics
//	    preset: dcgm
//	    timeout: 2s
type Meter struct {
	Name    string // defaults to Type, or Type-N when several meters share a type
	Type    string // required
	Enabled bool   // default true
	// Options holds every other key, as YAML decoded it (string, int,
	// float64, bool, []any, map[string]any).
	Options map[string]any
	// Node is the item's YAML mapping (after overrides), for meter code that
	// wants positions of its own; nil for a Meter built in code.
	Node *yaml.Node
	// Key is the item's dotted key, e.g. "meters[0]".
	Key string
}
