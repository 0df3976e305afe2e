package promquery

import (
	"net/url"
	"os"
	"strings"

	"github.com/aienergy/aienergy/meter"
)

var optionKeys = []string{"url", "preset", "selector", "queries", "headers", "bearer_token_env", "timeout", "margin", "step"}

// New builds a "prometheus" meter from its configuration. It does not
// contact the server: configuration mistakes are reported before any
// network trouble can hide them.
func New(spec meter.Spec) (meter.Meter, error) {
	if err := spec.CheckKeys(optionKeys...); err != nil {
		return nil, err
	}
	m := &Meter{name: spec.Name, spec: spec}
	base, shown, err := baseURL(spec)
	if err != nil {
		return nil, err
	}
	if m.timeout, err = spec.Duration("timeout", defaultTimeout); err != nil {
		return nil, err
	}
	if m.margin, err = spec.Duration("margin", defaultMargin); err != nil {
		return nil, err
	}
	if m.step, err = spec.Duration("step", defaultStep); err != nil {
		return nil, err
	}
	rawSel, err := spec.String("selector", "")
	if err != nil {
		return nil, err
	}
	if m.selector, err = normalizeSelector(rawSel); err != nil {
		return nil, spec.Errorf("selector", "want label matchers such as Hostname=\"node1\",gpu=\"0\": %v", err)
	}
	headers, err := spec.StringMap("headers")
	if err != nil {
		return nil, err
	}
	if headers, err = bearerToken(spec, headers); err != nil {
		return nil, err
	}
	custom, err := customQueries(spec, m.selector != "")
	if err != nil {
		return nil, err
	}
	m.preset = "dcgm"
	if len(custom) > 0 {
		m.preset = "custom"
	}
	if m.preset, err = spec.String("preset", m.preset); err != nil {
		return nil, err
	}
	p, ok := presets[m.preset]
	if !ok {
		return nil, spec.Errorf("preset", "unknown preset %q (presets: %s)", m.preset, strings.Join(presetNames(), ", "))
	}
	if m.preset == "custom" && len(custom) == 0 {
		return nil, spec.Errorf("queries", "preset custom needs queries: to say what to read")
	}
	for _, q := range append(append([]query(nil), p.queries...), custom...) {
		m.queries = append(m.queries, compile(q, m.selector))
	}
	m.api = newClient(base, shown, headers)
	return m, nil
}

// compile puts the selector into the query.
func compile(q query, sel string) compiled {
	c := compiled{query: q, promql: withSelector(q.expr, sel)}
	if b, ok := parseBareSelector(c.promql); ok {
		c.bare, c.metric = true, b.name
	}
	return c
}

// baseURL returns the url option and the form of it to show in messages.
func baseURL(spec meter.Spec) (raw, shown string, err error) {
	raw, err = spec.RequiredString("url")
	if err != nil {
		return "", "", err
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", spec.Errorf("url", "want an http:// or https:// URL such as http://prometheus:9090, got %q", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", "", spec.Errorf("url", "want the server's base URL without ?query or #fragment, got %q", u.Redacted())
	}
	p := strings.TrimRight(u.Path, "/")
	for _, suffix := range []string{"/api/v1/query", "/api/v1", "/graph", "/metrics"} {
		if strings.HasSuffix(p, suffix) {
			return "", "", spec.Errorf("url", "want the server's base URL; drop %q from %q (the meter adds /api/v1/query itself)", suffix, u.Redacted())
		}
	}
	return raw, u.Redacted(), nil
}

// bearerToken adds Authorization from the environment variable that
// bearer_token_env names; the token itself never sits in the config file.
func bearerToken(spec meter.Spec, headers map[string]string) (map[string]string, error) {
	env, err := spec.String("bearer_token_env", "")
	if err != nil || env == "" {
		return headers, err
	}
	token := strings.TrimSpace(os.Getenv(env))
	if token == "" {
		return nil, spec.Errorf("bearer_token_env", "environment variable %s is not set or empty; export it with the token, or remove bearer_token_env", env)
	}
	for k := range headers {
		if strings.EqualFold(k, "Authorization") {
			return nil, spec.Errorf("bearer_token_env", "headers already set Authorization; keep one of them")
		}
	}
	out := map[string]string{"Authorization": "Bearer " + token}
	for k, v := range headers {
		out[k] = v
	}
	return out, nil
}
