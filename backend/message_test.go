package backend

import (
	"strings"
	"testing"

	"github.com/aienergy/aienergy/internal/redact"
)

func TestServerMessage(t *testing.T) {
	const key = "sk-SECRET-abcdefgh"
	red := redact.New(key)
	tests := []struct{ name, body, want string }{
		{"OpenAI", `{"error":{"message":"max_tokens must be at least 1","type":"invalid_request_error"}}`, "max_tokens must be at least 1"},
		{"TGI", `{"error":"Input validation error","error_type":"validation"}`, "Input validation error"},
		{"older vLLM", `{"object":"error","message":"The model 'x' does not exist."}`, "The model 'x' does not exist."},
		{"FastAPI string", `{"detail":"Not Found"}`, "Not Found"},
		{"FastAPI list", `{"detail":[{"msg":"field required"}]}`, `[{"msg":"field required"}]`},
		{"error without message", `{"error":{"code":500}}`, `{"error":{"code":500}}`},
		{"text", "Bad Gateway\n", "Bad Gateway"},
		{"empty", "  ", "(empty response body)"},
		{"echoed key", `{"error":"bad key ` + key + `"}`, "bad key REDACTED"},
		{"cut", strings.Repeat("word ", 100), strings.Repeat("word ", 40) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ServerMessage(red, []byte(tt.body)); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestErrorFieldMessage(t *testing.T) {
	tests := []struct{ raw, want string }{
		{`"out of memory"`, "out of memory"},
		{`{"message":"out of memory","code":1}`, "out of memory"},
		{`{"code":1}`, `{"code":1}`},
	}
	for _, tt := range tests {
		if got := ErrorFieldMessage(nil, []byte(tt.raw)); got != tt.want {
			t.Errorf("ErrorFieldMessage(%s) = %q, want %q", tt.raw, got, tt.want)
		}
	}
	for raw, want := range map[string]bool{"": false, "null": false, `""`: true, `{"message":"x"}`: true} {
		if HasError([]byte(raw)) != want {
			t.Errorf("HasError(%q) = %v", raw, !want)
		}
	}
}

func TestServed(t *testing.T) {
	if got := Served([]string{"b", "a"}); got != "a, b" {
		t.Errorf("got %q", got)
	}
	if got := Served(nil); got != "(none)" {
		t.Errorf("got %q", got)
	}
}
