package dataset

import (
	"strings"
	"testing"
)

func TestBuiltinSkipsCommentsAndBlanks(t *testing.T) {
	prompts := Builtin()
	if len(prompts) < 30 {
		t.Fatalf("built-in set has %d prompts, want at least 30", len(prompts))
	}
	for i, p := range prompts {
		if p == "" || strings.HasPrefix(p, "#") {
			t.Errorf("prompt %d is a blank or comment line: %q", i, p)
		}
	}
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		dataset string
		inline  []string
		want    int
		wantErr string
	}{
		{"default is builtin", "", nil, len(Builtin()), ""},
		{"builtin by name", "builtin", nil, len(Builtin()), ""},
		{"inline wins", "AIEnergyScore/text_generation", []string{"a", "b"}, 2, ""},
		{"hub not yet", "AIEnergyScore/text_generation", nil, 0, "not supported yet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Load(tt.dataset, tt.inline)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Errorf("got %d prompts, want %d", len(got), tt.want)
			}
		})
	}
}

func TestTakeCycles(t *testing.T) {
	got := Take([]string{"a", "b", "c"}, 7)
	want := "a b c a b c a"
	if strings.Join(got, " ") != want {
		t.Errorf("Take = %q, want %q", strings.Join(got, " "), want)
	}
}
