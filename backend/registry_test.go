package backend

import (
	"context"
	"slices"
	"strings"
	"testing"
)

type fakeBackend struct{ Backend }

func TestRegistry(t *testing.T) {
	var got Options
	Register(func(_ context.Context, o Options) (Backend, error) {
		got = o
		return fakeBackend{}, nil
	}, "test-kind", "test-alias")

	kinds := Kinds()
	if !slices.Contains(kinds, "test-kind") || !slices.Contains(kinds, "test-alias") || !slices.IsSorted(kinds) {
		t.Errorf("Kinds() = %v; want both names, sorted", kinds)
	}
	for name, want := range map[string]string{"test-kind": "test-kind", "test-alias": "test-kind", "nope": ""} {
		if p := Protocol(name); p != want {
			t.Errorf("Protocol(%q) = %q, want %q", name, p, want)
		}
	}
	b, err := New(context.Background(), "test-alias", Options{BaseURL: "http://h"})
	if _, ok := b.(fakeBackend); !ok || err != nil || got.BaseURL != "http://h" {
		t.Errorf("New: %v, %v; options %+v", b, err, got)
	}
	_, err = New(context.Background(), "nope", Options{})
	if err == nil || !strings.Contains(err.Error(), `unknown backend type "nope"`) || !strings.Contains(err.Error(), "test-alias, test-kind") {
		t.Errorf("unknown kind: %v", err)
	}
}

func TestRegisterMistakesPanic(t *testing.T) {
	factory := func(context.Context, Options) (Backend, error) { return nil, nil }
	Register(factory, "test-once")
	tests := []struct {
		name  string
		call  func()
		panic string
	}{
		{"twice", func() { Register(factory, "test-once") }, `"test-once" registered twice`},
		{"no name", func() { Register(factory) }, "needs a factory and a name"},
		{"no factory", func() { Register(nil, "test-nil") }, "needs a factory and a name"},
		{"empty name", func() { Register(factory, "test-empty", "") }, "empty name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), tt.panic) {
					t.Errorf("recovered %v, want a panic saying %q", r, tt.panic)
				}
			}()
			tt.call()
		})
	}
}
