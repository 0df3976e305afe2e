package promquery

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/meter"
)

func newSpec(opts map[string]any) meter.Spec {
	o := map[string]any{"url": "http://prom:9090"}
	for k, v := range opts {
		if v == nil {
			delete(o, k)
			continue
		}
		o[k] = v
	}
	return meter.Spec{Name: "prom", Type: "prometheus", Options: o, Source: "test.yaml:3"}
}

func TestRegistered(t *testing.T) {
	if !slices.Contains(meter.Kinds(), "prometheus") {
		t.Fatalf("kinds %v lack prometheus", meter.Kinds())
	}
	m, err := meter.New(t.Context(), newSpec(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, ok := m.(WindowMeter); !ok || m.Name() != "prom" {
		t.Errorf("meter %T named %q; want a WindowMeter named prom", m, m.Name())
	}
}

func TestConfigErrors(t *testing.T) {
	t.Setenv("PROMQUERY_TEST_EMPTY", "")
	q := func(kv ...any) []any {
		m := map[string]any{"query": "m", "kind": "power", "component": "gpu"}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return []any{m}
	}
	for _, tc := range []struct {
		name string
		opts map[string]any
		want string // the error names the path and says this
	}{
		{"unknown key", map[string]any{"selecter": "a"}, `meters[prom].selecter: unknown option for a meter of type "prometheus"; did you mean "selector"?`},
		{"no url", map[string]any{"url": nil}, "meters[prom].url: required"},
		{"not http", map[string]any{"url": "prom:9090"}, "want an http:// or https:// URL"},
		{"api path", map[string]any{"url": "http://prom:9090/api/v1/query"}, `drop "/api/v1/query"`},
		{"graph path", map[string]any{"url": "http://prom:9090/graph"}, `drop "/graph"`},
		{"password hidden", map[string]any{"url": "http://u:hunter2@prom:9090/api/v1"}, "u:xxxxx@prom"},
		{"unknown preset", map[string]any{"preset": "dcgmm"}, `unknown preset "dcgmm" (presets: custom, dcgm, kepler, node_rapl, scaphandre)`},
		{"custom without queries", map[string]any{"preset": "custom"}, "preset custom needs queries:"},
		{"bad selector", map[string]any{"selector": `a="b"} or vector(1) {`}, `meters[prom].selector: want label matchers`},
		{"bad timeout", map[string]any{"timeout": 5}, `meters[prom].timeout: want a duration`},
		{"token env unset", map[string]any{"bearer_token_env": "PROMQUERY_TEST_EMPTY"}, "environment variable PROMQUERY_TEST_EMPTY is not set or empty"},
		{"query without kind", map[string]any{"queries": q("kind", nil)}, "meters[prom].queries[0].kind: required"},
		{"bad kind", map[string]any{"queries": q("kind", "watts")}, "want power or energy"},
		{"unit of the other quantity", map[string]any{"queries": q("unit", "mJ")}, `"mJ" is not a unit of power (want one of W, kW, mW, uW)`},
		{"bad component", map[string]any{"queries": q("component", "fan")}, "want one of gpu, cpu, dram, wall, other"},
		{"channel and label", map[string]any{"queries": q("channel", "x", "channel_label", "gpu")}, "not both"},
		{"prefix without label", map[string]any{"queries": q("channel_prefix", "x")}, "only means something with channel_label"},
		{"bad channel", map[string]any{"queries": q("channel", "a/b")}, "may hold only letters"},
		{"expression without channel", map[string]any{"queries": q("query", "sum(m)")}, "an expression needs channel"},
		{"expression ignoring the selector", map[string]any{"selector": `a="b"`, "queries": q("query", "sum(m)", "channel", "x")}, "write $selector where it goes"},
		{"unknown query key", map[string]any{"queries": q("lable", "x")}, `meters[prom].queries[0].lable: unknown option`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := meter.New(t.Context(), newSpec(tc.opts))
			if err == nil {
				m.Close()
				t.Fatalf("no error; want one saying %q", tc.want)
			}
			var oe *meter.OptionError
			if !errors.As(err, &oe) || !strings.HasPrefix(err.Error(), "test.yaml:3: meters[prom]") {
				t.Errorf("error %q is not an OptionError naming the file and meter", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

// TestCompiledQueries checks what the presets and the selector send.
func TestCompiledQueries(t *testing.T) {
	t.Setenv("PROMQUERY_TEST_TOKEN", "tok")
	for _, tc := range []struct {
		name string
		opts map[string]any
		want []string
	}{
		{"dcgm default", nil, []string{"DCGM_FI_DEV_POWER_USAGE", "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"}},
		{"dcgm on a node", map[string]any{"selector": `{Hostname="node1"}`},
			[]string{`DCGM_FI_DEV_POWER_USAGE{Hostname="node1"}`, `DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{Hostname="node1"}`}},
		{"scaphandre", map[string]any{"preset": "scaphandre", "selector": `instance="n1:8080"`},
			[]string{`scaph_socket_power_microwatts{instance="n1:8080"}`, `scaph_domain_power_microwatts{domain_name="dram",instance="n1:8080"}`}},
		{"custom expression", map[string]any{"selector": `pod="p"`, "bearer_token_env": "PROMQUERY_TEST_TOKEN", "queries": []any{
			map[string]any{"query": "sum by (gpu) (DCGM_FI_DEV_POWER_USAGE{$selector})", "kind": "power", "component": "gpu", "channel_label": "gpu"},
		}}, []string{`sum by (gpu) (DCGM_FI_DEV_POWER_USAGE{pod="p"})`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mm, err := New(newSpec(tc.opts))
			if err != nil {
				t.Fatal(err)
			}
			m := mm.(*Meter)
			var got []string
			for _, c := range m.queries {
				got = append(got, c.promql)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("queries %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestCustomQueryDefaults(t *testing.T) {
	mm, err := New(newSpec(map[string]any{"queries": []any{
		map[string]any{"query": "DCGM_FI_DEV_POWER_USAGE_INSTANT", "kind": "power", "component": "gpu", "channel_label": "gpu"},
		map[string]any{"query": "pdu_energy_kwh", "kind": "energy", "unit": "kWh", "component": "wall"},
	}}))
	if err != nil {
		t.Fatal(err)
	}
	m := mm.(*Meter)
	if m.preset != "custom" || len(m.queries) != 2 {
		t.Fatalf("preset %q with %d queries; want custom with 2", m.preset, len(m.queries))
	}
	inst, pdu := m.queries[0], m.queries[1]
	if inst.channelPrefix != "gpu" || inst.scale != 1 || inst.quantity != power {
		t.Errorf("instant-power query %+v; want prefix gpu (channel gpu0), scale 1, power", inst.query)
	}
	if pdu.channel != "pdu_energy_kwh" || pdu.scale != 3.6e6 || pdu.quantity != energy || pdu.component != meter.Wall {
		t.Errorf("pdu query %+v; want channel named after the metric, kWh = 3.6e6 J, wall energy", pdu.query)
	}
}
