package safename

import "testing"

func TestMap(t *testing.T) {
	tests := []struct {
		in   string
		with rune
		want string
	}{
		{"gpu0", '-', "gpu0"},
		{"Qwen/Qwen2.5-7B_x", '_', "Qwen_Qwen2.5-7B_x"},
		{"/docker/3f2a", '-', "-docker-3f2a"},
		{"a b:c", '-', "a-b-c"},
		{"dürée", '_', "d_r_e"},
		{"", '_', ""},
	}
	for _, tt := range tests {
		got := Map(tt.in, tt.with)
		if got != tt.want {
			t.Errorf("Map(%q, %q) = %q, want %q", tt.in, tt.with, got, tt.want)
		}
		if !Valid(got) {
			t.Errorf("Map(%q, %q) = %q, which Valid refuses", tt.in, tt.with, got)
		}
	}
}

func TestValid(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"gpu0-instant", true},
		{"cpu_package.0", true},
		{"", true}, // nothing unsafe in it; callers that need a name check for ""
		{"gpu 0", false},
		{"a/b", false},
		{"é", false},
	}
	for _, tt := range tests {
		if got := Valid(tt.in); got != tt.want {
			t.Errorf("Valid(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
