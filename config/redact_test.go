package config

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestRedacted(t *testing.T) {
	c, err := Load("testdata/secrets.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.Redacted()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, secret := range []string{"hunter2", "sk-live-123", "energy", "c0mmunity-str", "influx-token-abc", "abc\n", "pw", "s3", "/etc/key.pem"} {
		if strings.Contains(text, secret) {
			t.Errorf("Redacted output contains secret %q:\n%s", secret, text)
		}
	}
	var tree map[string]any
	if err := yaml.Unmarshal(out, &tree); err != nil {
		t.Fatal(err)
	}
	get := func(path ...any) any {
		var v any = tree
		for _, p := range path {
			switch k := p.(type) {
			case string:
				v = v.(map[string]any)[k]
			case int:
				v = v.([]any)[k]
			}
		}
		return v
	}
	tests := []struct {
		path []any
		want any
	}{
		// Secrets.
		{[]any{"backend", "endpoint"}, "https://alice:REDACTED@api.example.com/v1"},
		{[]any{"backend", "headers", "Authorization"}, "REDACTED"},
		{[]any{"backend", "headers", "X-Team"}, "REDACTED"},
		{[]any{"meters", 0, "community"}, "REDACTED"},
		{[]any{"meters", 1, "token"}, "REDACTED"},
		{[]any{"meters", 1, "authToken"}, "REDACTED"},
		{[]any{"meters", 1, "password"}, "REDACTED"},
		{[]any{"meters", 1, "client_secret"}, "REDACTED"},
		{[]any{"meters", 1, "tls", "private_key"}, "REDACTED"},
		// Not secrets, though their names come close.
		{[]any{"backend", "api_key_env"}, "OPENAI_API_KEY"},
		{[]any{"scenario", "generate_kwargs", "max_new_tokens"}, 100},
		{[]any{"meters", 0, "target"}, "10.0.0.5:161"},
		{[]any{"meters", 1, "url"}, "http://localhost:8086"},
		{[]any{"meters", 1, "tls", "insecure"}, true},
		{[]any{"metrics", "country_iso_code"}, nil},
		// Defaults are filled in.
		{[]any{"phases", "idle_before"}, "5s"},
		{[]any{"backend", "timeout"}, "5m"},
		{[]any{"load", "requests"}, 10},
	}
	for _, tt := range tests {
		if got := get(tt.path...); got != tt.want {
			t.Errorf("%v = %#v, want %#v", tt.path, got, tt.want)
		}
	}
	if !strings.HasPrefix(text, "# resolved configuration from testdata/secrets.yaml") {
		t.Errorf("output does not say where it came from:\n%s", text)
	}
	// Redaction works on the output only.
	if c.Backend.Headers["Authorization"] != "Bearer sk-live-123" {
		t.Errorf("Redacted changed the Config itself")
	}
}

func TestSecrets(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-from-env-42")
	c, err := Load("testdata/secrets.yaml", []string{"+reporter=[{type: clickhouse, url: 'http://ch:chpass99@127.0.0.1:8123'}]"})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(c.Secrets(), "\n")
	for _, want := range []string{"hunter2", "Bearer sk-live-123", "energy", "c0mmunity-str", "influx-token-abc", "/etc/key.pem", "chpass99", "sk-from-env-42"} {
		if !strings.Contains(got, want) {
			t.Errorf("Secrets lacks %q:\n%s", want, got)
		}
	}
	for _, not := range []string{"OPENAI_API_KEY", "api.example.com", "10.0.0.5:161", "gpt-4o-mini"} {
		if strings.Contains(got, not) {
			t.Errorf("Secrets holds %q, which is no secret:\n%s", not, got)
		}
	}
}

// An error about a secret, or an override that sets one, does not quote it.
func TestErrorsHideSecrets(t *testing.T) {
	for _, override := range []string{"backend.endpoint=ftp://u:pw-Secret9@h/v1", "backend.headers.X-Team=[pw-Secret9]", "+meters[0].community=[pw-Secret9]"} {
		_, err := Load("testdata/secrets.yaml", []string{override})
		if err == nil {
			t.Errorf("%s: no error", override)
		} else if strings.Contains(err.Error(), "pw-Secret9") {
			t.Errorf("%s: error shows the secret: %v", override, err)
		}
	}
}
