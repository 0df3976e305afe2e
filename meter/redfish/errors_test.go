package redfish

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

func TestStartErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fakeBMC)
		want  []string
	}{
		{"no Redfish service", func(f *fakeBMC) { f.setStatus("/redfish/v1", 404) },
			[]string{"no Redfish service at https://127.0.0.1:", "is this the BMC's address?"}},
		{"not JSON at the service root", func(f *fakeBMC) { f.set("/redfish/v1", "<html>login</html>") },
			[]string{"unexpected JSON from the BMC", "is https://127.0.0.1:"}},
		{"chassis collection of the wrong shape", func(f *fakeBMC) { f.set("/redfish/v1/Chassis", `{"Members": {"1U": {}}}`) },
			[]string{"GET https://127.0.0.1:", "/redfish/v1/Chassis: unexpected JSON"}},
		{"chassis member without @odata.id", func(f *fakeBMC) { f.set("/redfish/v1/Chassis", `{"Members": [{"Name": "1U"}]}`) },
			[]string{"a collection member without @odata.id"}},
		{"PowerConsumedWatts that is not a number", func(f *fakeBMC) {
			f.edit(chassis1U, func(m map[string]any) { delete(m, "EnvironmentMetrics"); delete(m, "Sensors") })
			f.set(power1U, `{"PowerControl": [{"PowerConsumedWatts": "lots"}]}`)
		}, []string{"/redfish/v1/Chassis/1U/Power: unexpected JSON", `want a number, got "lots"`}},
		{"linked chassis missing", func(f *fakeBMC) { f.setStatus(chassis1U, 404) },
			[]string{"/redfish/v1/Chassis/1U: 404 Not Found", "no such resource"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeBMC(t, "public-rackmount1")
			tc.setup(f)
			_, err := open(t, f, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "test.yaml:3: meters[bmc]: ") {
				t.Errorf("error does not name the meter: %v", err)
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%v\nlacks %q", err, s)
				}
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fakeBMC)
		want  string
	}{
		{"reading null (server off)", func(f *fakeBMC) {
			f.edit(env1U, func(m map[string]any) { m["PowerWatts"] = map[string]any{"Reading": nil} })
		}, "EnvironmentMetrics PowerWatts of chassis 1U has no reading now (missing or null)"},
		{"resource gone", func(f *fakeBMC) { f.setStatus(env1U, 404) }, "404 Not Found"},
		{"BMC busy", func(f *fakeBMC) { f.setStatus(env1U, 503) }, "the BMC is busy"},
		{"wrong shape", func(f *fakeBMC) { f.set(env1U, `{"PowerWatts": [374]}`) }, "unexpected JSON from the BMC"},
		{"negative", func(f *fakeBMC) { f.set(env1U, `{"PowerWatts": {"Reading": -5}}`) }, "reads -5, a negative value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeBMC(t, "public-rackmount1")
			m := mustOpen(t, f, nil)
			tc.setup(f)
			rs, err := m.Read(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("readings %v, error %v; want an error containing %q", rs, err, tc.want)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	_, err = open(t, nil, map[string]any{"url": "https://" + addr})
	if err == nil || !strings.Contains(err.Error(), "cannot reach the BMC at https://"+addr+": connection refused") {
		t.Errorf("error %v, want connection refused", err)
	}
}

func TestSlowBMC(t *testing.T) {
	f := newFakeBMC(t, "public-rackmount1")
	m := mustOpen(t, f, map[string]any{"timeout": "300ms"})
	f.mu.Lock()
	f.delay[env1U] = 5 * time.Second
	f.mu.Unlock()

	_, err := m.Read(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no answer within 300ms; BMCs are slow: raise timeout:") ||
		!errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("own timeout: %v", err)
	}

	// The sampler's deadline is the tighter one: say so.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = m.Read(ctx)
	if err == nil || !strings.Contains(err.Error(), "all the time the sampler gives one read") {
		t.Errorf("sampler deadline: %v", err)
	}
}
