package dataset

import (
	"context"
	"strconv"
	"strings"
	"testing"
)

func TestSyntheticLengthsAndDistinct(t *testing.T) {
	for _, n := range []int{1, 16, 512} {
		set, err := LoadSpec(context.Background(), Spec{Name: "synthetic:" + strconv.Itoa(n), NumSamples: 200, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(set.Prompts) != 200 || set.Source != "synthetic:"+strconv.Itoa(n) {
			t.Fatalf("n=%d: %d prompts from %q, want 200", n, len(set.Prompts), set.Source)
		}
		seen, first := map[string]bool{}, map[string]bool{}
		for i, p := range set.Prompts {
			words := strings.Fields(p)
			if len(words) != n {
				t.Fatalf("n=%d: prompt %d has %d words", n, i, len(words))
			}
			if seen[p] || first[words[0]] {
				t.Fatalf("n=%d: prompt %d repeats an earlier prompt or first word", n, i)
			}
			seen[p], first[words[0]] = true, true
			if p != SyntheticPrompt(3, n, i) {
				t.Fatalf("n=%d: prompt %d differs from SyntheticPrompt(3, %d, %d)", n, i, n, i)
			}
		}
	}
}

func TestSyntheticSeed(t *testing.T) {
	a, b, c := SyntheticPrompt(1, 64, 0), SyntheticPrompt(1, 64, 0), SyntheticPrompt(2, 64, 0)
	if a != b {
		t.Error("the same seed and index gave two prompts")
	}
	if a == c || strings.Fields(a)[0] == strings.Fields(c)[0] {
		t.Error("seeds 1 and 2 gave the same prompt or first word")
	}
	// Word bodies differ too, not just the id: two prompts share no long run of words.
	if strings.Join(strings.Fields(SyntheticPrompt(1, 64, 1))[1:9], " ") == strings.Join(strings.Fields(a)[1:9], " ") {
		t.Error("prompts 0 and 1 share their first eight words after the id")
	}
}

func TestSyntheticSpec(t *testing.T) {
	set, err := LoadSpec(context.Background(), Spec{Name: "builtin", SyntheticTokens: 8})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Prompts) != defaultSyntheticSamples || len(strings.Fields(set.Prompts[0])) != 8 {
		t.Errorf("SyntheticTokens 8: %d prompts of %d words, want %d of 8", len(set.Prompts), len(strings.Fields(set.Prompts[0])), defaultSyntheticSamples)
	}
	for _, name := range []string{"synthetic:", "synthetic:abc", "synthetic:0", "synthetic:-4", "synthetic:1.5"} {
		if _, err := LoadSpec(context.Background(), Spec{Name: name}); err == nil || !strings.Contains(err.Error(), "want synthetic:<input tokens>") {
			t.Errorf("%q: err = %v", name, err)
		}
	}
	if _, err := LoadSpec(context.Background(), Spec{SyntheticTokens: maxSyntheticTokens + 1}); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("too long: err = %v", err)
	}
}

func TestSyntheticWordsUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, w := range syntheticWords {
		if seen[w] {
			t.Errorf("word %q is listed twice", w)
		}
		seen[w] = true
	}
	if len(syntheticWords) < 200 {
		t.Errorf("%d words; want at least 200 so prompts vary", len(syntheticWords))
	}
}
