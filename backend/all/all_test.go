package all

import (
	"context"
	"testing"

	"github.com/aienergy/aienergy/backend"
)

// Every kind and alias is registered, and each builds a backend from the
// options the config layer gives, without contacting a server.
func TestEveryKindRegistered(t *testing.T) {
	want := map[string]string{
		"kserve": "kserve", "triton": "kserve",
		"ollama": "ollama",
		"openai": "openai", "vllm": "openai", "tgi": "openai", "sglang": "openai", "llamacpp": "openai",
	}
	for kind, protocol := range want {
		if p := backend.Protocol(kind); p != protocol {
			t.Errorf("Protocol(%q) = %q, want %q", kind, p, protocol)
		}
		b, err := backend.New(context.Background(), kind, backend.Options{BaseURL: "http://127.0.0.1:1", API: "completions", MaxConns: 2})
		if err != nil {
			t.Errorf("%s: %v", kind, err)
			continue
		}
		if err := b.Close(); err != nil {
			t.Errorf("%s: Close: %v", kind, err)
		}
	}
	if got := len(backend.Kinds()); got != len(want) {
		t.Errorf("Kinds() = %v; want the %d above", backend.Kinds(), len(want))
	}
	// A kind's own option errors come through New.
	if _, err := backend.New(context.Background(), "openai", backend.Options{BaseURL: "ftp://h"}); err == nil {
		t.Error("an ftp URL was accepted")
	}
}
