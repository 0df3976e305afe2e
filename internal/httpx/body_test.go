package httpx

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/internal/redact"
)

func TestQuoteBody(t *testing.T) {
	const key = "sk-SECRET-abcdefgh"
	red := redact.New(key)
	long := strings.Repeat("x", 195) + " " + key + " was refused" // the cut at 200 falls inside the key
	tests := []struct {
		name, body string
		n          int
		want       string
	}{
		{"short", "  bad\n request ", 200, "bad request"},
		{"empty", "", 200, ""},
		{"key masked", "key " + key + " refused", 200, "key REDACTED refused"},
		{"secret-named pair masked", `{"authorization": "Bearer tok-xyz-123"}`, 200, `{"authorization": "Bearer REDACTED"}`},
		{"masked before the cut", long, 200, strings.Repeat("x", 195) + " REDA…"},
		{"cut", strings.Repeat("é", 300), 10, strings.Repeat("é", 10) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := QuoteBody(strings.NewReader(tt.body), red, tt.n); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// However long the body, QuoteBody reads a bounded start of it.
func TestQuoteBodyReadsBounded(t *testing.T) {
	r := &countingReader{}
	QuoteBody(r, nil, 100)
	if r.n > 4*100+secretRoom {
		t.Errorf("read %d bytes", r.n)
	}
}

type countingReader struct{ n int }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	r.n += len(p)
	return len(p), nil
}

func TestRequestSecrets(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "http://u:url-pass-1@h/x", nil)
	req.Header.Set("Authorization", "Token tok-abcdef")
	req.Header.Set("X-Auth-Token", "session-123456")
	req.Header.Set("X-Scope-OrgID", "team-a")
	req.Header.Set("Accept", "application/json")
	got := RequestSecrets(req)
	for _, want := range []string{"Token tok-abcdef", "session-123456", "url-pass-1"} {
		if !slices.Contains(got, want) {
			t.Errorf("secrets %q lack %q", got, want)
		}
	}
	for _, not := range []string{"team-a", "application/json"} {
		if slices.Contains(got, not) {
			t.Errorf("secrets %q hold %q, which is no secret", got, not)
		}
	}

	req.Header.Del("Authorization")
	req.SetBasicAuth("admin", "basic-pw-42")
	if got := RequestSecrets(req); !slices.Contains(got, "basic-pw-42") || !slices.Contains(got, "Basic "+redact.BasicAuth("admin", "basic-pw-42")) {
		t.Errorf("secrets %q lack the Basic password and credentials", got)
	}
}
