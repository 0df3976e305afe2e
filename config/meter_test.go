package config

import (
	"reflect"
	"testing"
	"time"
)

func TestMeterGetters(t *testing.T) {
	c, err := Load("testdata/meters.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	good, bad := &c.Meters[0], &c.Meters[1]

	url, err := good.String("url", "")
	check(t, "url", url, "http://localhost:9400/metrics", err)
	timeout, err := good.Duration("timeout", time.Second)
	check(t, "timeout", timeout, 2*time.Second, err)
	retries, err := good.Int("retries", 0)
	check(t, "retries", retries, 3, err)
	scale, err := good.Float("scale", 1)
	check(t, "scale", scale, 0.5, err)
	verify, err := good.Bool("verify_tls", true)
	check(t, "verify_tls", verify, false, err)
	labels, err := good.StringMap("labels")
	check(t, "labels", labels, map[string]string{"site": "lab", "rack": "7"}, err)
	preset, err := good.String("preset", "dcgm")
	check(t, "absent preset", preset, "dcgm", err)
	if good.Has("preset") || !good.Has("url") {
		t.Errorf("Has: preset %v, url %v", good.Has("preset"), good.Has("url"))
	}
	if err := good.CheckKeys("url", "timeout", "retries", "scale", "verify_tls", "labels"); err != nil {
		t.Errorf("CheckKeys: %v", err)
	}

	// Every bad option is reported at its own line, with the meter's key.
	errs := []struct {
		get  func() error
		want string
	}{
		{func() error { _, err := bad.Duration("timeout", 0); return err },
			`testdata/meters.yaml:15: meters[1].timeout: invalid duration "2 sec" (use e.g. 5s, 500ms, or a number of seconds)`},
		{func() error { _, err := bad.Int("retries", 0); return err },
			`testdata/meters.yaml:16: meters[1].retries: expected an integer, got "three"`},
		{func() error { _, err := bad.Float("scale", 0); return err },
			`testdata/meters.yaml:17: meters[1].scale: expected a number, got "big"`},
		{func() error { _, err := bad.Bool("verify_tls", true); return err },
			`testdata/meters.yaml:18: meters[1].verify_tls: expected true or false, got "maybe"`},
		{func() error { _, err := bad.StringMap("labels"); return err },
			`testdata/meters.yaml:19: meters[1].labels: expected a mapping, got a list`},
		{func() error { _, err := bad.String("labels", ""); return err },
			`testdata/meters.yaml:19: meters[1].labels: expected a string, got a list`},
		{func() error { return bad.CheckKeys("timeout", "retries", "scale", "verify_tls", "labels") },
			`testdata/meters.yaml:20: meters[1].tiemout: unknown key for a snmp meter (did you mean "timeout"?)`},
		{func() error { return bad.Errorf("target", "required for snmp meters") },
			`testdata/meters.yaml:13: meters[1].target: required for snmp meters`},
	}
	for _, e := range errs {
		err := e.get()
		if err == nil || err.Error() != e.want {
			t.Errorf("error:\n got %v\nwant %s", err, e.want)
		}
	}
}

func TestMeterBuiltInCode(t *testing.T) {
	m := &Meter{Name: "rapl", Type: "rapl", Enabled: true, Options: map[string]any{"interval": 0.25, "zones": 2}}
	d, err := m.Duration("interval", 0)
	check(t, "interval", d, 250*time.Millisecond, err)
	n, err := m.Float("zones", 0)
	check(t, "zones as float", n, 2.0, err)
	_, err = m.Int("interval", 0)
	if want := `meter rapl: meters[rapl].interval: expected an integer, got "0.25"`; err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func check[T any](t *testing.T, what string, got, want T, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}
