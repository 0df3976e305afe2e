// Package dataset provides the prompts a benchmark sends: the built-in
// prompt set (the embedded default) and inline prompts from the config.
package dataset

import (
	_ "embed"
	"fmt"
	"strings"
)

//go:embed builtin.txt
var builtinText string

// BuiltinName is the dataset name of the built-in prompt set.
const BuiltinName = "builtin"

// Builtin returns the built-in prompts: short and long questions of the
// kind chat assistants get, written for aienergy. Lines starting with '#'
// are comments.
func Builtin() []string {
	var prompts []string
	for _, line := range strings.Split(builtinText, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		prompts = append(prompts, line)
	}
	return prompts
}

// Load returns the prompts for a dataset name, or inline prompts when
// given. Hub datasets are not readable in this version; the error says
// what to use instead.
func Load(name string, inline []string) ([]string, error) {
	if len(inline) > 0 {
		return inline, nil
	}
	switch name {
	case "", BuiltinName:
		return Builtin(), nil
	}
	return nil, fmt.Errorf("dataset %q: Hugging Face Hub datasets are not supported yet; "+
		"set scenario.dataset_name=builtin or list prompts under scenario.prompts", name)
}

// Take returns n prompts, cycling through the set when n is larger, so a
// run by count always has a prompt for every request.
func Take(prompts []string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prompts[i%len(prompts)]
	}
	return out
}
