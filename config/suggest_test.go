package config

import (
	"reflect"
	"testing"
)

func TestEditDistance(t *testing.T) {
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
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := editDistance(tt.b, tt.a); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d (not symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	backend := fieldNames(fieldsOf(reflect.TypeFor[Backend]()))
	tests := []struct {
		word       string
		candidates []string
		want       string // "" for no suggestion
	}{
		{"modle", backend, "model"},
		{"Model", backend, "model"},
		{"endpiont", backend, "endpoint"},
		{"device-ids", backend, "device_ids"},
		{"base_url", backend, "endpoint"},
		{"modles", backend, "models"},
		{"time", backend, "timeout"}, // prefix of four letters or more
		{"xyz", backend, ""},
		{"temperature", backend, ""},
		{"sgl", BackendTypes, ""},
		{"sglan", BackendTypes, "sglang"},
		{"llama.cpp", BackendTypes, "llamacpp"},
	}
	for _, tt := range tests {
		got, ok := closest(tt.word, tt.candidates)
		if !ok {
			got = ""
		}
		if got != tt.want {
			t.Errorf("closest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}
