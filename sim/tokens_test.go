package sim

import "testing"

func TestCountTokens(t *testing.T) {
	tests := []struct {
		text string
		want int
	}{
		{"", 0},
		{"   \n\t ", 0},
		{"hello", 1},
		{"Hello, world!", 4},
		{"don't", 3},          // don ' t
		{"...", 3},            // each mark is a token
		{"a+b=c", 5},          // symbols split words
		{"GPU0 draws 85W", 3}, // digits belong to words
		{"énergie électrique", 2},
		{"emoji 🙂 here", 3}, // a symbol
		{"line one\nline two", 4},
	}
	for _, tt := range tests {
		if got := countTokens(tt.text); got != tt.want {
			t.Errorf("countTokens(%q) = %d, want %d", tt.text, got, tt.want)
		}
	}
}

func TestOutputLength(t *testing.T) {
	tests := []struct {
		name       string
		min, max   int
		ignoreEOS  bool
		wantLen    int // -1: any in range
		wantFinish string
	}{
		{"ignore_eos gives max", 0, 17, true, 17, finishLength},
		{"ignore_eos ignores min", 5, 17, true, 17, finishLength},
		{"min equals max is a cut", 9, 9, false, 9, finishLength},
		{"max 1 is a cut", 0, 1, false, 1, finishLength},
	}
	for _, tt := range tests {
		for h := range uint64(50) {
			n, finish := outputLength(splitmix64(h), tt.min, tt.max, tt.ignoreEOS)
			if n != tt.wantLen || finish != tt.wantFinish {
				t.Errorf("%s: outputLength(h=%d) = %d %q, want %d %q", tt.name, h, n, finish, tt.wantLen, tt.wantFinish)
			}
		}
	}

	// Without ignore_eos the length covers [max(min,1), max], and only the
	// cap is reported as "length".
	seen := map[int]bool{}
	for h := range uint64(2000) {
		n, finish := outputLength(splitmix64(h), 3, 8, false)
		if n < 3 || n > 8 {
			t.Fatalf("length %d outside [3, 8]", n)
		}
		if want := map[bool]string{true: finishLength, false: finishStop}[n == 8]; finish != want {
			t.Errorf("length %d of max 8: finish %q, want %q", n, finish, want)
		}
		seen[n] = true
	}
	if len(seen) != 6 {
		t.Errorf("lengths seen %v, want all of 3..8", seen)
	}
}

func TestPromptHashDependsOnEverything(t *testing.T) {
	base := promptHash(1, "m", "role", "text")
	for name, h := range map[string]uint64{
		"seed":     promptHash(2, "m", "role", "text"),
		"model":    promptHash(1, "n", "role", "text"),
		"text":     promptHash(1, "m", "role", "texts"),
		"boundary": promptHash(1, "m", "rolet", "ext"),
	} {
		if h == base {
			t.Errorf("changing the %s does not change the hash", name)
		}
	}
	if promptHash(1, "m", "role", "text") != base {
		t.Error("hash is not deterministic")
	}
}

func TestTokenTextIsAWordAndSpace(t *testing.T) {
	for i := range 100 {
		text := tokenText(42, i)
		if countTokens(text) != 1 || text[len(text)-1] != ' ' {
			t.Fatalf("token %d = %q, want one word and a space", i, text)
		}
	}
}
