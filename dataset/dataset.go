package dataset

import (
	"context"
	"fmt"
	"strings"
)

// Spec says which prompts to load. The zero value (plus a Name) is
// usable: text column "text", every row, file order.
type Spec struct {
	// Name picks the source; see the package documentation.
	Name string
	// Dir is the folder a relative file path in Name is read from: the
	// config file's, as a user reading the file expects. Empty means the
	// working directory.
	Dir string
	// Inline prompts, when given, are used instead of the named source.
	Inline []string
	// Config and Split select a Hub dataset's table; empty picks the
	// default (first config; "train", else "test").
	Config, Split string
	// TextColumn holds the prompt; empty means "text".
	TextColumn string
	// NumSamples > 0 keeps that many prompts; 0 keeps all. For synthetic
	// prompts it is the number generated (default 1000).
	NumSamples int
	// Shuffle shuffles the rows with Seed before taking NumSamples.
	Shuffle bool
	// Seed drives Shuffle and synthetic prompts.
	Seed int64
	// SyntheticTokens > 0 asks for synthetic prompts of about that many
	// input tokens, as the name "synthetic:<n>" does.
	SyntheticTokens int
	// Hub says how to reach the Hugging Face Hub; HubFromEnv fills it.
	Hub Hub
}

// Set is a loaded prompt set and what was resolved on the way, for the
// run's manifest and report.
type Set struct {
	Prompts []string
	// Source names what was read: "builtin", "inline", "synthetic",
	// a file path or a Hub dataset id.
	Source string
	// Config and Split are the Hub table that was read.
	Config, Split string
	// Column is the column the prompts came from ("" when not a table).
	Column string
	// Rows is the number of usable rows read before sampling: without
	// Shuffle, reading stops once NumSamples rows are in hand, so a
	// source with more shows NumSamples.
	Rows int
	// Skipped counts null or empty values left out.
	Skipped int
	// Warnings are things the user should know but that do not stop a
	// run (fewer rows than asked, cache used because the Hub was down).
	Warnings []string
}

// Describe is a one-line summary such as
// "AIEnergyScore/text_generation (config default, split train, column text, 10 of 1000 rows)".
func (s *Set) Describe() string {
	var parts []string
	if s.Config != "" {
		parts = append(parts, "config "+s.Config)
	}
	if s.Split != "" {
		parts = append(parts, "split "+s.Split)
	}
	if s.Column != "" {
		parts = append(parts, "column "+s.Column)
	}
	parts = append(parts, fmt.Sprintf("%d of %d rows", len(s.Prompts), s.Rows))
	return s.Source + " (" + strings.Join(parts, ", ") + ")"
}

// LoadSpec loads the prompts a Spec names. Errors name the source and say
// how to fix it.
func LoadSpec(ctx context.Context, spec Spec) (*Set, error) {
	if len(spec.Inline) > 0 {
		return sample(&Set{Source: "inline"}, spec.Inline, spec), nil
	}
	if spec.SyntheticTokens > 0 {
		return synthetic(spec, spec.SyntheticTokens)
	}
	name := strings.TrimSpace(spec.Name)
	switch {
	case name == "" || name == BuiltinName:
		return sample(&Set{Source: BuiltinName}, Builtin(), spec), nil
	case strings.HasPrefix(name, syntheticPrefix):
		n, err := parseSynthetic(name)
		if err != nil {
			return nil, err
		}
		return synthetic(spec, n)
	}
	if path, ok := localPath(name, spec.Dir); ok {
		return loadFile(path, spec)
	}
	return loadHub(ctx, name, spec)
}
