package dataset

import (
	_ "embed"
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
