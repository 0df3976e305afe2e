package influx

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/meter"
)

func TestKindsRegistered(t *testing.T) {
	for _, kind := range []string{"powerapi", "influxdb"} {
		if !slices.Contains(meter.Kinds(), kind) {
			t.Errorf("kind %q not registered", kind)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	t.Setenv("TEST_SET", "x")
	t.Setenv("TEST_EMPTY", "")
	tests := []struct {
		name        string
		opts        map[string]any
		want        string // substring of the error
		unavailable bool   // the error wraps meter.ErrUnavailable
	}{
		{"url missing", map[string]any{"database": "d"}, "meters[sw].url: required but not set", false},
		{"url not http", map[string]any{"url": "localhost:8086", "database": "d"}, "want the server's base URL", false},
		{"credentials in the url", map[string]any{"url": "http://u:p@h:8086", "database": "d"}, "put no credentials in the URL", false},
		{"unknown option, with a suggestion", map[string]any{"url": "http://h", "database": "d", "bucekt": "b"},
			`meters[sw].bucekt: unknown option for a meter of type "powerapi"; did you mean "bucket"?`, false},
		{"bad version", map[string]any{"url": "http://h", "database": "d", "version": 3}, `want 1, 2 or auto, got "3"`, false},
		{"neither database nor org", map[string]any{"url": "http://h"}, "say where SmartWatts writes", false},
		{"1.x without database", map[string]any{"url": "http://h", "version": 1}, "database: required with version: 1", false},
		{"2.x without org", map[string]any{"url": "http://h", "version": 2, "token_env": "TEST_SET"}, "org: required with version: 2", false},
		{"a 2.x key on a 1.x meter", map[string]any{"url": "http://h", "version": 1, "database": "d", "bucket": "b"},
			"bucket: is an option of InfluxDB 2.x, not of version: 1", false},
		{"a 1.x key on a 2.x meter", map[string]any{"url": "http://h", "version": "2", "org": "o", "token_env": "TEST_SET", "database": "d"},
			"database: is an option of InfluxDB 1.x, not of version: 2", false},
		{"username without password", map[string]any{"url": "http://h", "database": "d", "username": "u"}, "password_env: username is set", false},
		{"password without username", map[string]any{"url": "http://h", "database": "d", "password_env": "TEST_SET"}, "username: password_env is set", false},
		{"rapl with a container", map[string]any{"url": "http://h", "database": "d", "targets": []any{"rapl", "/docker/a"}},
			`"rapl" covers the whole socket`, false},
		{"rapl and global", map[string]any{"url": "http://h", "database": "d", "targets": []any{"global", "rapl"}},
			"counts the same energy twice", false},
		{"star with names", map[string]any{"url": "http://h", "database": "d", "targets": []any{"*", "/docker/a"}},
			`list names or "*", not both`, false},
		{"a target twice", map[string]any{"url": "http://h", "database": "d", "targets": []any{"a", "a"}}, `"a" is listed twice`, false},
		{"a target that is no string", map[string]any{"url": "http://h", "database": "d", "targets": []any{"a", 3}}, "targets[1]: want a target name", false},
		{"targets empty", map[string]any{"url": "http://h", "database": "d", "targets": []any{}}, "want a list of target names", false},
		{"target chosen by tags", map[string]any{"url": "http://h", "database": "d", "tags": map[string]any{"target": "rapl"}},
			"choose targets with targets:", false},
		{"empty field", map[string]any{"url": "http://h", "database": "d", "field": ""}, "field: must not be empty", false},
		{"bad component", map[string]any{"url": "http://h", "database": "d", "component": "fan"}, `want one of cpu, dram, gpu, wall, other, got "fan"`, false},
		{"bare-number timeout", map[string]any{"url": "http://h", "database": "d", "timeout": 2}, "want a duration with a unit", false},
		{"token variable unset", map[string]any{"url": "http://h", "version": 2, "org": "o", "token_env": "TEST_UNSET_TOKEN"},
			"token_env names the environment variable TEST_UNSET_TOKEN, which is not set; fix: export TEST_UNSET_TOKEN", true},
		{"token variable empty", map[string]any{"url": "http://h", "version": 2, "org": "o", "token_env": "TEST_EMPTY"},
			"TEST_EMPTY (token_env) is empty", true},
		{"password variable unset", map[string]any{"url": "http://h", "version": 1, "database": "d", "username": "u", "password_env": "TEST_UNSET_PW"},
			"password_env names the environment variable TEST_UNSET_PW, which is not set", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := meter.New(t.Context(), meter.Spec{Name: "sw", Type: "powerapi", Options: tt.opts, Source: "lab.yaml:7"})
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "lab.yaml:7: meters[sw]") {
				t.Errorf("error %q\nwant it to start with the source and mention %q", err, tt.want)
			}
			if errors.Is(err, meter.ErrUnavailable) != tt.unavailable {
				t.Errorf("errors.Is(ErrUnavailable) = %v, want %v", !tt.unavailable, tt.unavailable)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	m, err := meter.New(t.Context(), meter.Spec{Name: "sw", Type: "influxdb", Options: map[string]any{"url": "http://h:8086/influx/", "org": "o"}})
	if err != nil {
		t.Fatal(err)
	}
	c := m.(*Meter).cfg
	got := []any{c.version, c.bucket, c.tokenEnv, c.sel.measurement, c.sel.field, c.sel.targetTag, c.sel.targets, c.sel.all, c.component, c.timeout.String(), c.lookback.String()}
	want := []any{0, "power_consumption", "INFLUX_TOKEN", "power_consumption", "power", "target", []string{"rapl"}, false, meter.CPU, "2s", "30s"}
	for i := range want {
		if !equal(got[i], want[i]) {
			t.Errorf("default %d = %v, want %v", i, got[i], want[i])
		}
	}
	srv := &server{base: c.base}
	if e := srv.endpoint("api/v2/query", nil); e != "http://h:8086/influx/api/v2/query?" && e != "http://h:8086/influx/api/v2/query" {
		t.Errorf("endpoint %q keeps no path prefix", e)
	}
}

func equal(a, b any) bool {
	as, ok1 := a.([]string)
	bs, ok2 := b.([]string)
	if ok1 || ok2 {
		return slices.Equal(as, bs)
	}
	return a == b
}

func TestChannelNames(t *testing.T) {
	tests := []struct {
		tags map[string]string
		name string
		comp meter.Component
	}{
		{map[string]string{"target": "rapl"}, "rapl", meter.CPU},
		{map[string]string{"target": "rapl", "socket": "1", "scope": "cpu"}, "rapl-socket1", meter.CPU},
		{map[string]string{"target": "rapl", "socket": "0", "scope": "dram"}, "rapl-socket0-dram", meter.DRAM},
		{map[string]string{"target": "/kubepods/besteffort/pod1234", "socket": "0"}, "kubepods-besteffort-pod1234-socket0", meter.CPU},
		{map[string]string{"target": "/"}, "unnamed", meter.CPU},
		{map[string]string{"target": "x", "scope": "gpu"}, "x-gpu", meter.CPU},
	}
	for _, tt := range tests {
		name, comp := channelOf(tt.tags, "target", meter.CPU)
		if name != tt.name || comp != tt.comp {
			t.Errorf("channelOf(%v) = %q %s, want %q %s", tt.tags, name, comp, tt.name, tt.comp)
		}
	}
}
