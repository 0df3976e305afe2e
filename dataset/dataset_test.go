package dataset

import (
	"context"
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

// A dataset name with nothing else set: builtin by default, inline prompts
// win, local files by path, and a clear error for anything else.
func TestLoadByName(t *testing.T) {
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
		{"local file", "testdata/prompts.csv", nil, 3, ""},
		{"not a source", "no such thing!", nil, 0, `dataset "no such thing!" is not builtin, synthetic:<tokens>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := LoadSpec(context.Background(), Spec{Name: tt.dataset, Inline: tt.inline, Hub: HubFromEnv(nil)})
			var got []string
			if set != nil {
				got = set.Prompts
			}
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

func TestLoadSpecBuiltinAndInline(t *testing.T) {
	set, err := LoadSpec(context.Background(), Spec{Name: "builtin", NumSamples: 3})
	if err != nil {
		t.Fatal(err)
	}
	b := Builtin()
	if strings.Join(set.Prompts, "|") != strings.Join(b[:3], "|") {
		t.Errorf("builtin, 3 samples = %q, want the first three built-in prompts", set.Prompts)
	}
	if set.Rows != len(b) || set.Source != "builtin" {
		t.Errorf("Rows %d Source %q, want %d builtin", set.Rows, set.Source, len(b))
	}
	set, err = LoadSpec(context.Background(), Spec{Inline: []string{"x", "y"}, NumSamples: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Prompts) != 2 || len(set.Warnings) != 1 || !strings.Contains(set.Warnings[0], "inline has 2 prompts, fewer than num_samples 5") {
		t.Errorf("inline with num_samples 5: prompts %q warnings %q", set.Prompts, set.Warnings)
	}
}

func TestDescribe(t *testing.T) {
	s := &Set{Source: "AIEnergyScore/text_generation", Config: "default", Split: "train", Column: "text", Rows: 1000, Prompts: make([]string, 10)}
	want := "AIEnergyScore/text_generation (config default, split train, column text, 10 of 1000 rows)"
	if got := s.Describe(); got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}
