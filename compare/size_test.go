package compare

import (
	"strings"
	"testing"
)

func TestModelSize(t *testing.T) {
	tests := []struct {
		name string
		want float64 // 0: unknown
	}{
		{"llama3.1:8b", 8e9},
		{"qwen2.5:0.5b", 0.5e9},
		{"Qwen2.5-0.5B-Instruct", 0.5e9},
		{"meta-llama/Llama-3.3-70B-Instruct", 70e9},
		{"gpt-oss-20b", 20e9},
		{"phi3:3.8b", 3.8e9},
		{"llama3.1:8b-instruct-q4_0", 8e9},
		{"HuggingFaceTB/SmolLM-135M", 135e6},
		{"Qwen2.5-7B-Instruct-1M", 7e9}, // 1M is the context
		{"mixtral-8x7b", 0},
		{"llama3", 0},
		{"gpt4o", 0},
		{"resnet18", 0},
	}
	for _, tt := range tests {
		got, ok := ModelSize(tt.name)
		if ok != (tt.want != 0) || got != tt.want {
			t.Errorf("ModelSize(%q) = %g, %v; want %g", tt.name, got, ok, tt.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in    string
		model string
		want  float64
		err   string
	}{
		{"llama3.1:8b=8e9", "llama3.1:8b", 8e9, ""},
		{"m=0.5B", "m", 0.5e9, ""},
		{"m = 135M", "m", 135e6, ""},
		{"m=7000000000", "m", 7e9, ""},
		{"m", "", 0, "MODEL=PARAMETERS"},
		{"=8b", "", 0, "MODEL=PARAMETERS"},
		{"m=big", "", 0, "not a positive parameter count"},
		{"m=-3b", "", 0, "not a positive parameter count"},
	}
	for _, tt := range tests {
		model, got, err := ParseSize(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseSize(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || model != tt.model || got != tt.want {
			t.Errorf("ParseSize(%q) = %q, %g, %v", tt.in, model, got, err)
		}
	}
}
