package redfish

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// caFile writes the fake BMC's self-signed certificate as PEM.
func caFile(t *testing.T, f *fakeBMC) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "bmc-ca.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw})
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTLS(t *testing.T) {
	f := newFakeBMC(t, "public-rackmount1")
	ca := caFile(t, f)
	localhost := strings.Replace(f.srv.URL, "127.0.0.1", "localhost", 1)
	tests := []struct {
		name string
		opts map[string]any
		err  []string // nil: works
	}{
		{"self-signed certificate refused by default, the message names both fixes",
			map[string]any{"insecure_skip_verify": nil},
			[]string{"not signed by an authority", "self-signed", "ca_file:", "insecure_skip_verify: true"}},
		{"insecure_skip_verify accepts it", map[string]any{"insecure_skip_verify": true}, nil},
		{"ca_file trusts it", map[string]any{"insecure_skip_verify": nil, "ca_file": ca}, nil},
		{"ca_file, certificate not for this name",
			map[string]any{"insecure_skip_verify": nil, "ca_file": ca, "url": localhost},
			[]string{`not valid for "localhost"`, "example.com", "127.0.0.1", "insecure_skip_verify: true"}},
		{"ca_file missing", map[string]any{"insecure_skip_verify": nil, "ca_file": filepath.Join(t.TempDir(), "none.pem")},
			[]string{"meters[bmc].ca_file: ", "no such file"}},
		{"ca_file without a certificate", map[string]any{"insecure_skip_verify": nil, "ca_file": "testdata/README.md"},
			[]string{"meters[bmc].ca_file: ", "holds no PEM certificate"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := open(t, f, tc.opts)
			if tc.err == nil {
				if err != nil {
					t.Fatal(err)
				}
				check(t, read(t, m), map[string]want{"bmc-1U": {374, nan}})
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range tc.err {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%v\nlacks %q", err, s)
				}
			}
		})
	}
}

func TestHTTPSToPlainHTTP(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	_, err := open(t, nil, map[string]any{"url": strings.Replace(srv.URL, "http://", "https://", 1)})
	if err == nil || !strings.Contains(err.Error(), "does not speak TLS on this port; use an http:// URL") {
		t.Errorf("error %v, want advice to use http://", err)
	}
}
