package snmp

import (
	"strings"
	"testing"

	"github.com/gosnmp/gosnmp"

	"github.com/aienergy/aienergy/meter"
)

// Secrets used in the option tests; no error may print them.
const (
	secretCommunity = "s3cret-C0mmunity"
	secretAuth      = "s3cret-auth-pw"
	secretPriv      = "s3cret-priv-pw"
)

func TestOptionErrors(t *testing.T) {
	v3 := map[string]any{"version": 3, "username": "u", "auth_password": secretAuth, "priv_password": secretPriv}
	power := map[string]any{"oid": ".1.3.6.1.4.1.8072.9999.9999.1", "kind": "power"}
	for _, tc := range []struct {
		name string
		opts map[string]any // "host" added unless given
		says string
	}{
		{"no host", map[string]any{"host": ""}, "meters[pdu].host: required"},
		{"port in host", map[string]any{"host": "pdu.example:1161"}, "write the port separately: host: pdu.example and port: 1161"},
		{"port range", map[string]any{"port": 70000}, "want a UDP port from 1 to 65535, got 70000"},
		{"port fraction", map[string]any{"port": 161.5}, "want a whole number"},
		{"version", map[string]any{"version": "4"}, `want 1, 2c or 3, got "4"`},
		{"v3 key on v2c", map[string]any{"username": "u"}, "username: is an SNMPv3 option; set version: 3"},
		{"empty community", map[string]any{"community": ""}, "community: must not be empty"},
		{"community on v3", with(v3, "community", secretCommunity), "SNMPv3 has no community"},
		{"v3 without user", with(v3, "username", ""), "username: required"},
		{"v3 short password", with(v3, "auth_password", "short"), "at least 8 characters"},
		{"v3 level needs priv", map[string]any{"version": 3, "username": "u", "auth_password": secretAuth, "security_level": "authPriv"}, "priv_password: required with security_level: authPriv"},
		{"v3 unused password", with(v3, "security_level", "authNoPriv"), "priv_password: is set but security_level: authNoPriv does not use it"},
		{"v3 level", with(v3, "security_level", "secret"), "want noAuthNoPriv, authNoPriv or authPriv"},
		{"v3 auth protocol", with(v3, "auth_protocol", "SHA1"), `auth_protocol: want one of MD5, SHA, SHA224, SHA256, SHA384, SHA512, got "SHA1"`},
		{"v3 priv protocol", with(v3, "priv_protocol", "3DES"), "priv_protocol: want one of AES, AES192"},
		{"timeout", map[string]any{"timeout": 5}, "want a duration with a unit"},
		{"retries", map[string]any{"retries": 11}, "want 0 to 10 retries"},
		{"unknown key", map[string]any{"comunity": secretCommunity}, `unknown option for a meter of type "snmp"; did you mean "community"?`},
		{"unknown preset", map[string]any{"preset": "apc"}, `unknown preset "apc" (presets: apc_phase, apc_rpdu2, custom, eaton, raritan, servertech)`},
		{"custom without oids", map[string]any{"preset": "custom"}, "oids: preset custom needs oids"},
		{"unit with custom", map[string]any{"oids": []any{power}, "unit": 2}, "unit: only means something with a preset"},
		{"outlets unsupported", map[string]any{"outlets": []any{1}}, "preset apc_phase has no per-outlet objects"},
		{"outlet zero", map[string]any{"preset": "apc_rpdu2", "outlets": []any{0}}, "outlets: numbers start at 1"},
		{"outlet twice", map[string]any{"preset": "apc_rpdu2", "outlets": []any{2, 2}}, "2 is listed twice"},
		{"outlet text", map[string]any{"preset": "apc_rpdu2", "outlets": []any{"a"}}, "want whole numbers such as [1, 2]"},
		{"empty inputs", map[string]any{"inputs": []any{}}, "inputs: is empty"},
		{"negative unit", map[string]any{"preset": "eaton", "unit": -1}, "unit: must not be negative"},
		{"oid by name", map[string]any{"oids": []any{map[string]any{"oid": "PowerNet-MIB::ePDUPhaseStatusActivePower.1", "kind": "power"}}},
			"oids[0].oid: want a numeric OID"},
		{"oid kind", map[string]any{"oids": []any{map[string]any{"oid": "1.3.6.1", "kind": "current"}}}, `oids[0].kind: want power or energy, got "current"`},
		{"oid scale zero", map[string]any{"oids": []any{map[string]any{"oid": "1.3.6.1", "kind": "power", "scale": 0}}}, "oids[0].scale: must not be 0"},
		{"oid unknown key", map[string]any{"oids": []any{map[string]any{"oid": "1.3.6.1", "kind": "power", "unit": "W"}}}, "oids[0].unit: unknown option"},
		{"oid component", map[string]any{"oids": []any{map[string]any{"oid": "1.3.6.1", "kind": "power", "component": "pdu"}}}, "want one of wall, gpu, cpu, dram, other"},
		{"oid channel", map[string]any{"oids": []any{map[string]any{"oid": "1.3.6.1", "kind": "power", "channel": "a b"}}}, "may hold only letters"},
		{"same figure twice", map[string]any{"preset": "apc_rpdu2", "oids": []any{map[string]any{"oid": "1.3.6.1", "kind": "power", "channel": "pdu1"}}},
			`rPDU2DeviceStatusPower.1 (.1.3.6.1.4.1.318.1.1.26.4.3.1.5.1) and .1.3.6.1 both give the power of channel "pdu1"`},
		{"two components", map[string]any{"oids": []any{
			map[string]any{"oid": "1.3.6.1.1", "kind": "power", "channel": "x"},
			map[string]any{"oid": "1.3.6.1.2", "kind": "energy", "channel": "x", "component": "gpu"}}}, `channel "x" would be both wall and gpu`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := map[string]any{"host": "pdu.example", "community": secretCommunity}
			if v, ok := tc.opts["version"]; ok && (v == 3 || v == "3") {
				delete(opts, "community")
			}
			for k, v := range tc.opts {
				opts[k] = v
			}
			_, err := meter.New(t.Context(), meter.Spec{Name: "pdu", Type: "snmp", Options: opts, Source: "lab.yaml:7"})
			if err == nil {
				t.Fatalf("no error for %v", opts)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %q\ndoes not say %q", err, tc.says)
			}
			if !strings.HasPrefix(err.Error(), "lab.yaml:7: meters[pdu]") {
				t.Errorf("error %q does not name the file and meter", err)
			}
			for _, s := range []string{secretCommunity, secretAuth, secretPriv} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q prints a secret", err)
				}
			}
		})
	}
}

func with(base map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func TestOptionDefaults(t *testing.T) {
	m := newTestMeter(t, map[string]any{"host": "192.0.2.10"})
	c := m.conn
	if c.port != 161 || c.version != gosnmp.Version2c || c.community != "public" || c.timeout != defaultTimeout || c.retries != 1 {
		t.Errorf("defaults: %+v", c)
	}
	if m.preset != "apc_phase" || len(m.objects) != 1 || m.objects[0].oid != ".1.3.6.1.4.1.318.1.1.30.4.2.1.6.1" {
		t.Errorf("default preset %s reads %+v, want ePDUPhaseStatusActivePower.1", m.preset, m.objects)
	}

	for _, tc := range []struct {
		opts  map[string]any
		level gosnmp.SnmpV3MsgFlags
	}{
		{map[string]any{"username": "u"}, gosnmp.NoAuthNoPriv},
		{map[string]any{"username": "u", "auth_password": secretAuth}, gosnmp.AuthNoPriv},
		{map[string]any{"username": "u", "auth_password": secretAuth, "priv_password": secretPriv, "priv_protocol": "des"}, gosnmp.AuthPriv},
	} {
		opts := with(tc.opts, "host", "192.0.2.10", "version", "v3")
		v3 := newTestMeter(t, opts).conn.v3
		if v3.level != tc.level || v3.auth != gosnmp.SHA {
			t.Errorf("%v: level %v auth %v, want %v SHA", tc.opts, v3.level, v3.auth, tc.level)
		}
	}

	// oids alone mean preset custom; channel defaults to the name.
	m = newTestMeter(t, map[string]any{"host": "h", "oids": []any{map[string]any{"oid": "1.3.6.1.4.1.8072.9999.9999.7", "name": "rack/a", "kind": "energy", "scale": 3600}}})
	o := m.objects[0]
	if m.preset != "custom" || o.oid != ".1.3.6.1.4.1.8072.9999.9999.7" || o.channel != "rack-a" || o.quantity != energy || o.scale != 3600 || o.negativeUnsupported {
		t.Errorf("custom object %+v (preset %s)", o, m.preset)
	}
}
