package snmp

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aienergy/aienergy/internal/testenv"
	"github.com/aienergy/aienergy/meter"
)

// APC objects the tests serve, by numeric OID.
const (
	ePDUPhase1Power  = ".1.3.6.1.4.1.318.1.1.30.4.2.1.6.1"
	ePDUPhase2Power  = ".1.3.6.1.4.1.318.1.1.30.4.2.1.6.2"
	rPDU2DevicePower = ".1.3.6.1.4.1.318.1.1.26.4.3.1.5.1"
	rPDU2DeviceEnrgy = ".1.3.6.1.4.1.318.1.1.26.4.3.1.9.1"
	playpen          = ".1.3.6.1.4.1.8072.9999.9999"
)

// meterFor builds an snmp meter aimed at the agent; extra overrides the
// defaults (v2c, the right community, a short timeout for failing cases).
func (a *agent) meterFor(t testing.TB, extra map[string]any) *pduMeter {
	t.Helper()
	opts := map[string]any{"host": "127.0.0.1", "port": a.port, "community": testCommunity, "timeout": "300ms", "retries": 0}
	for k, v := range extra {
		if v == nil {
			delete(opts, k)
		} else {
			opts[k] = v
		}
	}
	return newTestMeter(t, opts)
}

func read(t *testing.T, m *pduMeter) map[string]meter.Reading {
	t.Helper()
	rs, err := m.Read(context.Background())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	out := map[string]meter.Reading{}
	for _, r := range rs {
		if r.Meter != "pdu" {
			t.Errorf("reading of channel %q has meter %q, want pdu", r.Channel, r.Meter)
		}
		out[r.Channel] = r
	}
	return out
}

func readErr(t *testing.T, m *pduMeter) error {
	t.Helper()
	rs, err := m.Read(context.Background())
	if err == nil {
		t.Fatalf("Read succeeded with %+v, want an error", rs)
	}
	return err
}

// want is one channel's expected figures; NaN means "no such figure".
type want struct {
	watts, joules float64
}

func check(t *testing.T, got map[string]meter.Reading, wants map[string]want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Errorf("got channels %v, want %d channels", channelNames(got), len(wants))
	}
	for ch, w := range wants {
		r, ok := got[ch]
		if !ok {
			t.Errorf("no channel %q among %v", ch, channelNames(got))
			continue
		}
		if r.Component != meter.Wall {
			t.Errorf("%s: component %q, want wall", ch, r.Component)
		}
		if !same(r.Watts, w.watts) || !same(r.Joules, w.joules) {
			t.Errorf("%s: got %v W, %v J; want %v W, %v J", ch, r.Watts, r.Joules, w.watts, w.joules)
		}
	}
}

func same(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

var nan = math.NaN()

// TestAgent runs the meter against a real snmpd serving PDU objects
// through pass_persist: scaling of every preset, changing values, v1, v2c
// and v3, and every error a user can cause.
func TestAgent(t *testing.T) {
	start := time.Now()
	a := startAgent(t)
	t.Logf("snmpd ready on udp 127.0.0.1:%d after %v", a.port, time.Since(start).Round(time.Millisecond))

	t.Run("apc_phase sees each new value on one session", func(t *testing.T) {
		a.set(ePDUPhase1Power, "integer", 1234)
		m := a.meterFor(t, nil) // preset apc_phase is the default
		check(t, read(t, m), map[string]want{"phase1": {1234, nan}})
		local := m.sess.g.Conn.LocalAddr().String()

		a.set(ePDUPhase1Power, "integer", 987)
		check(t, read(t, m), map[string]want{"phase1": {987, nan}})
		if now := m.sess.g.Conn.LocalAddr().String(); now != local {
			t.Errorf("second read came from %s, first from %s: the session was not reused", now, local)
		}
	})

	t.Run("apc_rpdu2 scales hundredths of kW and tenths of kWh", func(t *testing.T) {
		a.set(rPDU2DevicePower, "integer", 613)   // 6.13 kW
		a.set(rPDU2DeviceEnrgy, "integer", 10020) // 1002.0 kWh
		m := a.meterFor(t, map[string]any{"preset": "apc_rpdu2"})
		check(t, read(t, m), map[string]want{"pdu1": {6130, 10020 * 360000}})

		a.set(rPDU2DevicePower, "integer", 250)
		a.set(rPDU2DeviceEnrgy, "integer", 10023) // +0.3 kWh = 1.08 MJ
		got := read(t, m)
		check(t, got, map[string]want{"pdu1": {2500, 3_608_280_000}})
		if d := got["pdu1"].Joules - 10020*360000; d != 1_080_000 {
			t.Errorf("energy grew by %v J, want 1080000 (0.3 kWh)", d)
		}
	})

	t.Run("apc_rpdu2 per-outlet channels replace the total", func(t *testing.T) {
		a.set(".1.3.6.1.4.1.318.1.1.26.9.4.3.1.7.1", "integer", 120)
		a.set(".1.3.6.1.4.1.318.1.1.26.9.4.3.1.11.1", "integer", 55)
		a.set(".1.3.6.1.4.1.318.1.1.26.9.4.3.1.7.3", "integer", 75)
		a.set(".1.3.6.1.4.1.318.1.1.26.9.4.3.1.11.3", "integer", 7)
		m := a.meterFor(t, map[string]any{"preset": "apc_rpdu2", "outlets": []any{1, 3}})
		check(t, read(t, m), map[string]want{
			"outlet1": {120, 55 * 360000},
			"outlet3": {75, 7 * 360000},
		})
	})

	t.Run("apc_rpdu2 phases", func(t *testing.T) {
		a.set(".1.3.6.1.4.1.318.1.1.26.6.3.1.7.1", "integer", 101)
		a.set(".1.3.6.1.4.1.318.1.1.26.6.3.1.7.2", "integer", 99)
		m := a.meterFor(t, map[string]any{"preset": "apc_rpdu2", "inputs": []any{1, 2}})
		check(t, read(t, m), map[string]want{"phase1": {1010, nan}, "phase2": {990, nan}})
	})

	t.Run("raritan learns decimal digits once", func(t *testing.T) {
		const power, powerDigits = ".1.3.6.1.4.1.13742.6.5.2.3.1.4.1.1.5", ".1.3.6.1.4.1.13742.6.3.3.4.1.7.1.1.5"
		const energy, energyDigits = ".1.3.6.1.4.1.13742.6.5.2.3.1.4.1.1.8", ".1.3.6.1.4.1.13742.6.3.3.4.1.7.1.1.8"
		a.set(power, "gauge", 1805)
		a.set(powerDigits, "gauge", 1) // 180.5 W
		a.set(energy, "gauge", 123456) // Wh
		a.set(energyDigits, "gauge", 0)
		m := a.meterFor(t, map[string]any{"preset": "raritan"})
		check(t, read(t, m), map[string]want{"inlet1": {180.5, 123456 * 3600}})

		// The digits describe the sensor, not the moment: read once. And
		// 3 / 10 is 0.3 where 3 × 0.1 is not.
		a.set(powerDigits, "gauge", 3)
		a.set(power, "gauge", 3)
		check(t, read(t, m), map[string]want{"inlet1": {0.3, 123456 * 3600}})
	})

	t.Run("servertech cord and eaton input", func(t *testing.T) {
		a.set(".1.3.6.1.4.1.1718.4.1.3.3.1.3.1.1", "integer", 888)
		a.set(".1.3.6.1.4.1.1718.4.1.3.3.1.10.1.1", "integer", 4521) // tenths of kWh
		m := a.meterFor(t, map[string]any{"preset": "servertech"})
		check(t, read(t, m), map[string]want{"cord1": {888, 4521 * 360000}})

		a.set(".1.3.6.1.4.1.534.6.6.7.3.5.1.4.0.1", "integer", 1450)
		a.set(".1.3.6.1.4.1.534.6.6.7.3.5.1.5.0.1", "gauge", 987654) // Wh
		m = a.meterFor(t, map[string]any{"preset": "eaton"})
		check(t, read(t, m), map[string]want{"input1": {1450, 987654 * 3600}})
	})

	custom := []any{
		map[string]any{"oid": playpen + ".1", "name": "myEnergy", "channel": "rack", "kind": "energy"},
		map[string]any{"oid": strings.TrimPrefix(playpen, ".") + ".2", "kind": "power", "scale": 0.5, "channel": "rack"},
	}
	t.Run("custom OIDs with a Counter64 beyond 32 bits", func(t *testing.T) {
		a.set(playpen+".1", "counter64", 12345678901234)
		a.set(playpen+".2", "gauge", 3001)
		m := a.meterFor(t, map[string]any{"oids": custom})
		check(t, read(t, m), map[string]want{"rack": {1500.5, 12345678901234}})
	})

	t.Run("counter ranges and resolutions follow the answered types", func(t *testing.T) {
		a.set(playpen+".3", "counter", 4294967290) // Counter32, 6 below its wrap
		a.set(playpen+".4", "string", "12.5")      // a number the agent sends as text
		a.set(playpen+".1", "counter64", 12345678901234)
		a.set(playpen+".2", "gauge", 3001)
		objs := append([]any{
			map[string]any{"oid": playpen + ".3", "channel": "c32", "kind": "energy", "scale": 3600},
			map[string]any{"oid": playpen + ".4", "channel": "text", "kind": "energy", "scale": 3600},
		}, custom...)
		m := a.meterFor(t, map[string]any{"oids": objs})
		read(t, m)
		wantRanges := map[string]float64{"pdu/c32": math.Pow(2, 32) * 3600, "pdu/rack": math.Pow(2, 64)}
		if got := m.MaxRanges(); !maps.Equal(got, wantRanges) {
			t.Errorf("MaxRanges() = %v, want %v", got, wantRanges)
		}
		wantRes := map[string]meter.Resolution{"pdu/c32": {EnergyJ: 3600}, "pdu/rack": {EnergyJ: 1, PowerW: 0.5}}
		if got := m.Resolutions(); !maps.Equal(got, wantRes) {
			t.Errorf("Resolutions() = %v, want %v", got, wantRes)
		}

		// rPDU2's INTEGERs in hundredths of kW and tenths of kWh.
		a.set(rPDU2DevicePower, "integer", 130)
		a.set(rPDU2DeviceEnrgy, "integer", 10020)
		m = a.meterFor(t, map[string]any{"preset": "apc_rpdu2"})
		read(t, m)
		if got, want := m.Resolutions(), map[string]meter.Resolution{"pdu/pdu1": {EnergyJ: 360000, PowerW: 10}}; !maps.Equal(got, want) {
			t.Errorf("apc_rpdu2: Resolutions() = %v, want %v", got, want)
		}
		if got, want := m.MaxRanges(), map[string]float64{"pdu/pdu1": math.Pow(2, 31) * 360000}; !maps.Equal(got, want) {
			t.Errorf("apc_rpdu2: MaxRanges() = %v, want %v", got, want)
		}

		// Raritan's Unsigned32 (Gauge32) values with one decimal digit.
		const power, powerDigits = ".1.3.6.1.4.1.13742.6.5.2.3.1.4.1.1.5", ".1.3.6.1.4.1.13742.6.3.3.4.1.7.1.1.5"
		const energy, energyDigits = ".1.3.6.1.4.1.13742.6.5.2.3.1.4.1.1.8", ".1.3.6.1.4.1.13742.6.3.3.4.1.7.1.1.8"
		a.set(power, "gauge", 1805)
		a.set(powerDigits, "gauge", 1)
		a.set(energy, "gauge", 123456)
		a.set(energyDigits, "gauge", 1)
		m = a.meterFor(t, map[string]any{"preset": "raritan"})
		read(t, m)
		if got, want := m.Resolutions(), map[string]meter.Resolution{"pdu/inlet1": {EnergyJ: 360, PowerW: 0.1}}; !maps.Equal(got, want) {
			t.Errorf("raritan: Resolutions() = %v, want %v", got, want)
		}
		if got, want := m.MaxRanges(), map[string]float64{"pdu/inlet1": math.Pow(2, 32) * 3600 / 10}; !maps.Equal(got, want) {
			t.Errorf("raritan: MaxRanges() = %v, want %v", got, want)
		}
	})

	t.Run("ranges and resolutions while reading", func(t *testing.T) {
		// The runner asks for them once, but a sampler may be reading:
		// -race checks the meter's lock covers them.
		a.set(rPDU2DevicePower, "integer", 130)
		a.set(rPDU2DeviceEnrgy, "integer", 10020)
		m := a.meterFor(t, map[string]any{"preset": "apc_rpdu2"})
		var wg sync.WaitGroup
		wg.Go(func() {
			for range 20 {
				if _, err := m.Read(context.Background()); err != nil {
					t.Error(err)
				}
			}
		})
		for range 200 {
			m.MaxRanges()
			m.Resolutions()
		}
		wg.Wait()
		if got := m.Resolutions()["pdu/pdu1"]; got != (meter.Resolution{EnergyJ: 360000, PowerW: 10}) {
			t.Errorf("Resolutions()[pdu/pdu1] = %v", got)
		}
	})

	t.Run("SNMPv1 reads integers but not Counter64", func(t *testing.T) {
		a.set(ePDUPhase1Power, "integer", 321)
		m := a.meterFor(t, map[string]any{"version": 1})
		check(t, read(t, m), map[string]want{"phase1": {321, nan}})

		m = a.meterFor(t, map[string]any{"version": "1", "oids": custom})
		err := readErr(t, m)
		for _, s := range []string{"does not have myEnergy (" + playpen + ".1)", "SNMPv1 cannot read Counter64", "version: 2c"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not say %q", err, s)
			}
		}
	})

	t.Run("wrong community is no answer and never printed", func(t *testing.T) {
		const wrong = "wr0ng-Community-Xy"
		m := a.meterFor(t, map[string]any{"community": wrong, "timeout": "200ms"})
		err := readErr(t, m)
		if !errors.Is(err, ErrNoAnswer) {
			t.Errorf("error %q is not ErrNoAnswer", err)
		}
		wantMsg := fmt.Sprintf("no answer from 127.0.0.1:%d within 200ms — check host, port, community/credentials, and that the agent allows this OID", a.port)
		if !strings.Contains(err.Error(), wantMsg) {
			t.Errorf("error %q\ndoes not say %q", err, wantMsg)
		}
		for _, secret := range []string{wrong, testCommunity} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q prints the community %q", err, secret)
			}
		}
	})

	t.Run("missing object names the preset and the OID", func(t *testing.T) {
		m := a.meterFor(t, map[string]any{"preset": "apc_rpdu2", "outlets": []any{9}})
		err := readErr(t, m)
		wantMsg := "does not have rPDU2OutletMeteredStatusPower.9 (.1.3.6.1.4.1.318.1.1.26.9.4.3.1.7.9): wrong preset or outlet?"
		if !strings.Contains(err.Error(), wantMsg) {
			t.Errorf("error %q\ndoes not say %q", err, wantMsg)
		}
	})

	t.Run("minus one means not supported", func(t *testing.T) {
		a.set(ePDUPhase2Power, "integer", -1)
		m := a.meterFor(t, map[string]any{"inputs": []any{2}})
		if err := readErr(t, m); !strings.Contains(err.Error(), "not supported by this model") {
			t.Errorf("error %q does not say the figure is unsupported", err)
		}
	})

	v3 := map[string]any{"version": 3, "community": nil, "username": v3User,
		"auth_password": v3AuthPass, "priv_password": v3PrivPass}

	t.Run("v3 authPriv SHA AES and authNoPriv MD5", func(t *testing.T) {
		a.set(ePDUPhase1Power, "integer", 4321)
		check(t, read(t, a.meterFor(t, v3)), map[string]want{"phase1": {4321, nan}})
		authOnly := map[string]any{"version": "3", "community": nil, "username": v3AuthOnly,
			"auth_protocol": "md5", "auth_password": v3AuthOnlyPw}
		check(t, read(t, a.meterFor(t, authOnly)), map[string]want{"phase1": {4321, nan}})
	})

	for _, tc := range []struct {
		name   string
		opts   map[string]any
		says   string
		secret string
	}{
		{"v3 wrong auth password", with(v3, "auth_password", "not-the-password"), "wrong auth_password or auth_protocol", "not-the-password"},
		{"v3 wrong auth protocol", with(v3, "auth_protocol", "MD5"), "wrong auth_password or auth_protocol", v3AuthPass},
		{"v3 unknown user", with(v3, "username", "nobody"), `does not know the SNMPv3 user "nobody"`, v3PrivPass},
		{"v3 level above the user's", with(map[string]any{"version": 3, "community": nil, "username": v3AuthOnly,
			"auth_protocol": "MD5", "auth_password": v3AuthOnlyPw, "priv_password": v3PrivPass}, "timeout", "200ms"),
			"accepts SNMPv3 user \"authonly\"'s auth_password but not its privacy settings", v3PrivPass},
		{"v3 wrong priv password", with(v3, "priv_password", "wrong-priv-pw", "timeout", "200ms"), "wrong priv_password or priv_protocol (AES)", "wrong-priv-pw"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := readErr(t, a.meterFor(t, tc.opts))
			t.Logf("error: %v", err)
			if tc.says != "" && !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %q does not say %q", err, tc.says)
			}
			if strings.Contains(err.Error(), tc.secret) {
				t.Errorf("error %q prints a password", err)
			}
		})
	}

	t.Run("concurrent reads share the session", func(t *testing.T) {
		a.set(ePDUPhase1Power, "integer", 555)
		m := a.meterFor(t, nil)
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for range 4 {
			wg.Go(func() {
				for range 10 {
					rs, err := m.Read(context.Background())
					if err == nil && rs[0].Watts != 555 {
						err = fmt.Errorf("read %v W, want 555", rs[0].Watts)
					}
					if err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})

	t.Run("in a sampler", func(t *testing.T) {
		a.set(rPDU2DevicePower, "integer", 700)
		m := a.meterFor(t, map[string]any{"preset": "apc_rpdu2"})
		var mu sync.Mutex
		var n int
		s := meter.NewSampler([]meter.Meter{m}, 20*time.Millisecond, func(rs []meter.Reading) {
			mu.Lock()
			n += len(rs)
			mu.Unlock()
		})
		s.Start(context.Background())
		time.Sleep(300 * time.Millisecond)
		st := s.Stop()[0]
		if st.Errors != 0 || st.Reads < 3 {
			t.Errorf("sampler stats: %d reads, %d errors (%s); want several reads and no error", st.Reads, st.Errors, st.LastError)
		}
		if n != st.Reads {
			t.Errorf("sink got %d readings from %d reads, want one per read", n, st.Reads)
		}
	})
}

// TestUnreachable needs no agent: a port nobody listens on answers with
// ICMP port unreachable on loopback, a closed-down host with nothing.
func TestUnreachable(t *testing.T) {
	port := testenv.FreeUDPPort(t)
	m, err := meter.New(t.Context(), meter.Spec{Name: "pdu", Type: "snmp", Options: map[string]any{
		"host": "127.0.0.1", "port": port, "community": testCommunity, "timeout": "200ms", "retries": 0}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	_, err = m.Read(context.Background())
	if err == nil {
		t.Fatal("Read of a closed port succeeded")
	}
	t.Logf("error: %v", err)
	addr := net.JoinHostPort("127.0.0.1", fmt.Sprint(port))
	if !strings.Contains(err.Error(), "connection refused") && !errors.Is(err, ErrNoAnswer) {
		t.Errorf("error %q says neither connection refused nor no answer", err)
	}
	if !strings.Contains(err.Error(), addr) || strings.Contains(err.Error(), testCommunity) {
		t.Errorf("error %q should name %s and not the community", err, addr)
	}
}

func channelNames(m map[string]meter.Reading) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
