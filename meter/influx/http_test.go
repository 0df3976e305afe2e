package influx

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

func TestDetectVersion(t *testing.T) {
	tests := []struct {
		header  string // X-Influxdb-Version; "" sends none
		want    int
		wantErr string
	}{
		{"1.6.7~rc0", 1, ""}, // Debian 12's influxdb
		{"1.8.10", 1, ""},
		{"v2.7.4", 2, ""},
		{"2.0", 2, ""},
		{"3.0.1", 0, "is InfluxDB 3.0.1; this meter speaks 1.x (InfluxQL) and 2.x (Flux)"},
		{"", 0, "no X-Influxdb-Version header; is it InfluxDB?"},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/ping" || r.Header.Get("Authorization") != "" {
					t.Errorf("asked %s with Authorization %q; want /ping without credentials", r.URL.Path, r.Header.Get("Authorization"))
				}
				if tt.header != "" {
					w.Header().Set("X-Influxdb-Version", tt.header)
				}
				w.WriteHeader(http.StatusNoContent)
			}))
			defer srv.Close()
			base, _ := url.Parse(srv.URL)
			v, err := (&server{base: base, shown: srv.URL, client: srv.Client()}).detectVersion(ctx(t))
			if tt.wantErr != "" {
				wantErr(t, err, tt.wantErr)
				return
			}
			if err != nil || v != tt.want {
				t.Errorf("version %d, %v; want %d", v, err, tt.want)
			}
		})
	}
}

// TestAutoVersionNeedsItsKeys: a meter configured for 1.x meets a 2.x server.
func TestAutoVersionNeedsItsKeys(t *testing.T) {
	f := newFakeV2(t)
	m := newTestMeter(t, map[string]any{"url": f.srv.URL, "database": "powerapi"})
	_, err := m.Read(ctx(t))
	wantErr(t, err, "meters[sw].org: "+f.srv.URL+" is InfluxDB 2.x, which needs org: and bucket:")
}
