package suggest

import "testing"

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"model", "model", 0},
		{"modle", "model", 1}, // one swap of neighbours
		{"mdoel", "model", 1},
		{"vlm", "vllm", 1},
		{"modl", "model", 1},
		{"kitten", "sitting", 3},
		{"", "abc", 3},
		{"ca", "abc", 3}, // optimal string alignment, not full Damerau
		{"dürée", "duree", 2},
		{"abcd", "badc", 2}, // two separate swaps
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Distance(tt.b, tt.a); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (not symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestNearest(t *testing.T) {
	cands := []string{"exporter", "nvml", "rapl", "timeout"}
	tests := []struct {
		in   string
		want string
	}{
		{"exportr", "exporter"},
		{"EXPORTER", "exporter"},
		{"nvm", "nvml"},
		{"timout", "timeout"},
		{"tiemout", "timeout"}, // a swap is one edit
		{"zzzzzzzz", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Nearest(tt.in, cands); got != tt.want {
			t.Errorf("Nearest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := Nearest("rapl", nil); got != "" {
		t.Errorf("Nearest without candidates = %q, want none", got)
	}
	// Ties go to the earlier candidate.
	if got := Nearest("ab", []string{"ax", "ay"}); got != "ax" {
		t.Errorf("Nearest(ab, [ax ay]) = %q, want ax", got)
	}
}
