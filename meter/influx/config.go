package influx

import (
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aienergy/aienergy/meter"
)

const (
	defaultMeasurement = "power_consumption"
	defaultField       = "power"
	defaultTargetTag   = "target"
	defaultBucket      = "power_consumption"
	defaultTokenEnv    = "INFLUX_TOKEN"
	defaultTimeout     = 2 * time.Second
	defaultLookback    = 30 * time.Second
	minWindowTimeout   = 30 * time.Second
)

var (
	v1Keys     = []string{"database", "retention_policy", "username", "password_env"}
	v2Keys     = []string{"org", "bucket", "token_env"}
	commonKeys = []string{"url", "version", "measurement", "field", "target_tag", "targets", "tags", "component", "timeout", "lookback"}
)

// config is a meter's decoded options. It holds the names of the variables
// with secrets, never the secrets.
type config struct {
	spec    meter.Spec // for errors raised once the version is known
	base    *url.URL
	shown   string // base without any userinfo, for messages
	version int    // 1 or 2; 0 asks the server

	org, bucket, tokenEnv               string
	database, rp, username, passwordEnv string
	sel                                 selection
	component                           meter.Component
	timeout, lookback                   time.Duration
}

func parseConfig(spec meter.Spec) (config, error) {
	c := config{spec: spec}
	if err := spec.CheckKeys(slices.Concat(commonKeys, v1Keys, v2Keys)...); err != nil {
		return c, err
	}
	raw, err := spec.RequiredString("url")
	if err != nil {
		return c, err
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return c, spec.Errorf("url", "want the server's base URL such as http://localhost:8086, got %q", raw)
	}
	if u.User != nil {
		return c, spec.Errorf("url", "put no credentials in the URL; use username and password_env (1.x) or token_env (2.x)")
	}
	c.base, c.shown = u, u.String()

	v, err := spec.String("version", "auto")
	if err != nil {
		return c, err
	}
	switch v {
	case "auto":
	case "1":
		c.version = 1
	case "2":
		c.version = 2
	default:
		return c, spec.Errorf("version", "want 1, 2 or auto, got %q", v)
	}
	if err := c.versionKeys(spec); err != nil {
		return c, err
	}
	for _, s := range []struct {
		key string
		dst *string
		def string
	}{
		{"org", &c.org, ""}, {"bucket", &c.bucket, defaultBucket}, {"token_env", &c.tokenEnv, defaultTokenEnv},
		{"database", &c.database, ""}, {"retention_policy", &c.rp, ""},
		{"username", &c.username, ""}, {"password_env", &c.passwordEnv, ""},
	} {
		if *s.dst, err = spec.String(s.key, s.def); err != nil {
			return c, err
		}
	}
	if c.username != "" && c.passwordEnv == "" {
		return c, spec.Errorf("password_env", "username is set: name the environment variable that holds its password")
	}
	if c.passwordEnv != "" && c.username == "" {
		return c, spec.Errorf("username", "password_env is set but username is not")
	}
	if c.version == 0 && c.database == "" && c.org == "" {
		return c, spec.Errorf("", "say where SmartWatts writes: database: (InfluxDB 1.x) or org: and bucket: (InfluxDB 2.x)")
	}
	if c.sel, err = parseSelection(spec); err != nil {
		return c, err
	}
	comp, err := spec.String("component", string(meter.CPU))
	if err != nil {
		return c, err
	}
	c.component = meter.Component(comp)
	if !slices.Contains([]meter.Component{meter.CPU, meter.DRAM, meter.GPU, meter.Wall, meter.Other}, c.component) {
		return c, spec.Errorf("component", "want one of cpu, dram, gpu, wall, other, got %q", comp)
	}
	if c.timeout, err = spec.Duration("timeout", defaultTimeout); err != nil {
		return c, err
	}
	if c.lookback, err = spec.Duration("lookback", defaultLookback); err != nil {
		return c, err
	}
	return c, nil
}

// versionKeys rejects the other version's keys when the version is given
// (a bucket on a 1.x meter would be silently ignored otherwise) and
// requires the keys that version cannot do without.
func (c *config) versionKeys(spec meter.Spec) error {
	type rule struct {
		wrong     []string
		other     string // the version the wrong keys belong to
		need, why string
	}
	rules := map[int]rule{
		1: {v2Keys, "2.x", "database", "the database SmartWatts writes to"},
		2: {v1Keys, "1.x", "org", "the organization that owns the bucket"},
	}
	r, ok := rules[c.version]
	if !ok {
		return nil // auto: checked by complete once the server answers
	}
	for _, k := range r.wrong {
		if spec.Has(k) {
			return spec.Errorf(k, "is an option of InfluxDB %s, not of version: %d", r.other, c.version)
		}
	}
	if !spec.Has(r.need) {
		return spec.Errorf(r.need, "required with version: %d (%s)", c.version, r.why)
	}
	return nil
}

// complete checks the keys a version needs once the server told it.
func (c *config) complete(version int) error {
	switch {
	case version == 1 && c.database == "":
		return c.spec.Errorf("database", "%s is InfluxDB 1.x, which needs database: (the database SmartWatts writes to)", c.shown)
	case version == 2 && c.org == "":
		return c.spec.Errorf("org", "%s is InfluxDB 2.x, which needs org: and bucket:", c.shown)
	}
	return nil
}

// secret reads the variable named by the option key. An unset variable
// makes the meter unavailable here rather than misconfigured: the same
// config works where the variable is exported.
func (c *config) secret(key, env string) (string, error) {
	v, ok := os.LookupEnv(env)
	if !ok {
		return "", meter.Unavailable(c.spec, fmt.Sprintf("%s names the environment variable %s, which is not set", key, env),
			"export "+env+" before running aienergy")
	}
	return strings.TrimSpace(v), nil
}
