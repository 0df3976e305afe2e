package config

import (
	"fmt"
	"strings"

	"github.com/aienergy/aienergy/internal/suggest"
)

// aliases maps names people often write (from other tools) to ours.
var aliases = map[string]string{
	"max_tokens":   "max_new_tokens",
	"min_tokens":   "min_new_tokens",
	"dataset":      "dataset_name",
	"base_url":     "endpoint",
	"url":          "endpoint",
	"api_base":     "endpoint",
	"model_name":   "model",
	"text_column":  "text_column_name",
	"samples":      "num_samples",
	"country":      "country_iso_code",
	"output_path":  "output_file",
	"interval_ms":  "interval",
	"warmup":       "warmup_requests",
	"idle":         "idle_before",
	"num_requests": "requests",
}

// closest returns the candidate nearest to word, if one is near enough to
// be what was meant: a known alias, a small edit distance (typos,
// transpositions, case, '-' for '_'), or a prefix of at least four letters.
func closest(word string, candidates []string) (string, bool) {
	w := normalizeWord(word)
	if target, ok := aliases[w]; ok {
		for _, c := range candidates {
			if c == target {
				return c, true
			}
		}
	}
	limit := min(3, max(1, len(w)/3))
	best, bestScore := "", limit+2
	for _, c := range candidates {
		nc := normalizeWord(c)
		score := suggest.Distance(w, nc)
		if score > limit {
			score = limit + 2
			short, long := w, nc
			if len(short) > len(long) {
				short, long = long, short
			}
			if len(short) >= 4 && strings.HasPrefix(long, short) {
				score = limit + 1
			}
		}
		if score < bestScore {
			best, bestScore = c, score
		}
	}
	return best, bestScore <= limit+1
}

// didYouMean is ` (did you mean "x"?)` or "".
func didYouMean(word string, candidates []string) string {
	if c, ok := closest(word, candidates); ok {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}

func normalizeWord(s string) string {
	return strings.ReplaceAll(strings.ToLower(s), "-", "_")
}
