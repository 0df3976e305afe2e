package config

import (
	"reflect"
	"testing"
)

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
		{"sgl", BackendTypes(), ""},
		{"sglan", BackendTypes(), "sglang"},
		{"llama.cpp", BackendTypes(), "llamacpp"},
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
