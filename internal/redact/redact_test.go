package redact

import (
	"errors"
	"io/fs"
	"reflect"
	"strings"
	"testing"
)

func TestIsSecretKey(t *testing.T) {
	for key, want := range map[string]bool{
		"api_key": true, "apikey": true, "X-Api-Key": true, "api-key": true, "Authorization": true,
		"X-Auth-Token": true, "authToken": true, "auth_password": true, "priv_password": true,
		"community": true, "client_secret": true, "token": true, "Cookie": true,
		"max_new_tokens": false, "api_key_env": false, "password_env": false, "url": false,
		"host": false, "username": false, "X-Team": false, "security_level": false, "auth_protocol": false,
		"private_key": true, "bearer_token_env": false,
		"APIKey": true, "db-password": true, "min_new_tokens": false, "country_iso_code": false, "": false,
	} {
		if got := IsSecretKey(key); got != want {
			t.Errorf("IsSecretKey(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestURLs(t *testing.T) {
	for in, want := range map[string]string{
		"http://alice:hunter2@host/v1":                      "http://alice:REDACTED@host/v1",
		"POST https://u:p@ss:w0rd@h:8123/?database=default": "POST https://u:REDACTED@h:8123/?database=default",
		"http://host:8080/v1":                               "http://host:8080/v1",
		"http://alice:xxxxx@host/v1":                        "http://alice:xxxxx@host/v1",
		"http://user@host/v1":                               "http://user@host/v1",
		"GET http://h/x?api_key=abc&model=m&token=t#f":      "GET http://h/x?api_key=REDACTED&model=m&token=REDACTED#f",
		"http://h/x?max_tokens=5":                           "http://h/x?max_tokens=5",
		"plain text & more=less":                            "plain text & more=less",
	} {
		if got := URLs(in); got != want {
			t.Errorf("URLs(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOptions(t *testing.T) {
	in := map[string]any{
		"host": "10.0.0.5", "port": 161, "community": "c0mm", "auth_password": "authpass", "priv_password": "privpass",
		"url":     "http://m:meterpass@h/metrics",
		"headers": map[string]any{"Authorization": "Bearer x", "X-Team": "energy"},
		"metrics": []any{map[string]any{"name": "power", "token": "t0k"}},
		"enabled": true,
	}
	want := map[string]any{
		"host": "10.0.0.5", "port": 161, "community": Mask, "auth_password": Mask, "priv_password": Mask,
		"url":     "http://m:REDACTED@h/metrics",
		"headers": map[string]any{"Authorization": Mask, "X-Team": Mask},
		"metrics": []any{map[string]any{"name": "power", "token": Mask}},
		"enabled": true,
	}
	if got := Options(in); !reflect.DeepEqual(got, want) {
		t.Errorf("Options:\n got %v\nwant %v", got, want)
	}
	if in["community"] != "c0mm" {
		t.Error("Options changed its argument")
	}
}

func TestArgs(t *testing.T) {
	got := Args([]string{"vllm", "serve", "m", "--api-key", "k1", "--port", "8000", "--hf-token=t2", "--url", "http://u:p@h"})
	want := []string{"vllm", "serve", "m", "--api-key", Mask, "--port", "8000", "--hf-token=" + Mask, "--url", "http://u:REDACTED@h"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Args = %q, want %q", got, want)
	}
}

func TestRedactorString(t *testing.T) {
	r := New(append([]string{"Bearer sk-live-123", "energy-team", "1", ""}, URLSecrets("http://alice:hun%20ter2@h/v1")...)...)
	for in, want := range map[string]string{
		"echo: Bearer sk-live-123 and sk-live-123":    "echo: REDACTED and REDACTED",
		"team energy-team":                            "team REDACTED",
		"got 1 error":                                 "got 1 error", // too short to be a secret
		"password hun ter2, escaped hun%20ter2":       "password REDACTED, escaped REDACTED",
		"Authorization: Basic YWxpY2U6aHVuIHRlcjI=":   "Authorization: Basic REDACTED",
		"GET http://bob:other@h/: connection refused": "GET http://bob:REDACTED@h/: connection refused",
	} {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
	var nilR *Redactor
	if got := nilR.String("http://a:b@h"); got != "http://a:REDACTED@h" {
		t.Errorf("nil Redactor: %q", got)
	}
}

// A server's text is redacted before it is cut: a secret that straddles
// the cut leaves no prefix behind.
func TestQuoteRedactsBeforeTruncating(t *testing.T) {
	const secret = "sk-PREFIXLEAK-0123456789"
	r := New("Bearer " + secret)
	pad := strings.Repeat("x", 190)
	body := pad + " echo " + secret + " and more"
	got := r.Quote(body, 200)
	if strings.Contains(got, "sk-P") || strings.Contains(got, "PREFIX") {
		t.Errorf("Quote leaks a prefix of the secret: %q", got)
	}
	if !strings.HasSuffix(got, "…") || len([]rune(got)) != 201 {
		t.Errorf("Quote did not cut to 200 characters and mark it: %d %q", len([]rune(got)), got)
	}

	// The same for a secret only the structural rules know.
	body = pad + ` {"x-api-key": "unknown-key-abcdef", "authorization":"Bearer unknown-token-zz"}`
	got = New().Quote(body, 200)
	if strings.Contains(got, "unknown-") {
		t.Errorf("Quote leaks an echoed header: %q", got)
	}
	got = New().Quote(`{"detail":"authorization: Bearer tok-123456","max_tokens":5}`, 0)
	if want := `{"detail":"authorization: Bearer REDACTED","max_tokens":5}`; got != want {
		t.Errorf("Quote = %q, want %q", got, want)
	}
}

func TestRedactorError(t *testing.T) {
	r := New("s3cret-value")
	err := r.Error(&fs.PathError{Op: "open", Path: "/x/s3cret-value", Err: fs.ErrNotExist})
	if strings.Contains(err.Error(), "s3cret") || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Error: %v (Is ErrNotExist: %v)", err, errors.Is(err, fs.ErrNotExist))
	}
	if r.Error(nil) != nil {
		t.Error("Error(nil) != nil")
	}
}
