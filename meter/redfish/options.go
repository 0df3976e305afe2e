package redfish

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aienergy/aienergy/meter"
)

type options struct {
	base      *url.URL
	user      string
	passEnv   string
	pass      string
	session   bool
	insecure  bool
	caFile    string
	timeout   time.Duration
	chassis   []string
	energy    string
	component meter.Component
}

func parseOptions(spec meter.Spec) (options, error) {
	var o options
	var err error
	if o.base, err = baseURL(spec); err != nil {
		return o, err
	}
	if o.user, err = spec.String("username", ""); err != nil {
		return o, err
	}
	if o.passEnv, err = spec.String("password_env", ""); err != nil {
		return o, err
	}
	switch {
	case o.user != "" && o.passEnv == "":
		return o, spec.Errorf("password_env", "username is set: name the environment variable that holds the password, e.g. password_env: BMC_PASSWORD")
	case o.user == "" && o.passEnv != "":
		return o, spec.Errorf("username", "password_env is set but username is not")
	case o.passEnv != "":
		var ok bool
		if o.pass, ok = os.LookupEnv(o.passEnv); !ok || o.pass == "" {
			return o, spec.Errorf("password_env", "environment variable %s is not set or empty; export it with the BMC password of user %q", o.passEnv, o.user)
		}
	}
	if o.session, err = spec.Bool("session", false); err != nil {
		return o, err
	}
	if o.session && o.user == "" {
		return o, spec.Errorf("session", "a session needs username and password_env")
	}
	if o.insecure, err = spec.Bool("insecure_skip_verify", false); err != nil {
		return o, err
	}
	if o.caFile, err = spec.String("ca_file", ""); err != nil {
		return o, err
	}
	if o.caFile != "" && o.insecure {
		return o, spec.Errorf("ca_file", "set ca_file (trust this certificate) or insecure_skip_verify (trust any), not both")
	}
	if (o.caFile != "" || o.insecure) && o.base.Scheme != "https" {
		return o, spec.Errorf("url", "ca_file and insecure_skip_verify apply to https:// URLs only")
	}
	if o.timeout, err = spec.Duration("timeout", defaultTimeout); err != nil {
		return o, err
	}
	if o.chassis, err = stringList(spec, "chassis"); err != nil {
		return o, err
	}
	if o.energy, err = spec.String("energy", energyAuto); err != nil {
		return o, err
	}
	switch o.energy {
	case energyAuto, energyCounter, energyPower:
	default:
		return o, spec.Errorf("energy", "want auto, counter or power, got %q", o.energy)
	}
	c, err := spec.String("component", string(meter.Wall))
	if err != nil {
		return o, err
	}
	o.component = meter.Component(c)
	switch o.component {
	case meter.Wall, meter.GPU, meter.CPU, meter.DRAM, meter.Other:
	default:
		return o, spec.Errorf("component", "want wall, gpu, cpu, dram or other, got %q", c)
	}
	return o, nil
}

// baseURL checks the url option: the BMC's scheme and host, optionally
// followed by the service root path.
func baseURL(spec meter.Spec) (*url.URL, error) {
	raw, err := spec.RequiredString("url")
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, spec.Errorf("url", "want the BMC's address such as https://10.0.0.5, got %q", raw)
	}
	if u.User != nil {
		return nil, spec.Errorf("url", "put credentials in username and password_env, not in the URL")
	}
	switch strings.TrimSuffix(u.Path, "/") {
	case "", "/redfish", "/redfish/v1":
	default:
		return nil, spec.Errorf("url", "want the BMC's address, optionally followed by /redfish/v1, got the path %q", u.Path)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, spec.Errorf("url", "want the BMC's address without a query or fragment, got %q", raw)
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

// stringList reads an option that is one string or a list of them.
func stringList(spec meter.Spec, key string) ([]string, error) {
	v, ok := spec.Options[key]
	if !ok || v == nil {
		return nil, nil
	}
	items, isList := v.([]any)
	if !isList {
		items = []any{v}
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		var s string
		switch x := item.(type) {
		case string:
			s = x
		case int, int64, uint64, float64:
			s = fmt.Sprint(x) // chassis: [1] means the chassis with Id "1"
		default:
			return nil, spec.Errorf(fmt.Sprintf("%s[%d]", key, i), "want a chassis Id such as \"1U\", got %v", item)
		}
		if s == "" {
			return nil, spec.Errorf(fmt.Sprintf("%s[%d]", key, i), "empty chassis Id")
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, spec.Errorf(key, "empty list; leave it out to let the meter choose one chassis")
	}
	return out, nil
}

func newClient(spec meter.Spec, o options) (*client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 2                                       // keep-alive: a TLS handshake per poll would load the BMC
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: o.insecure} //nolint:gosec // opt-in for self-signed BMC certificates
	if o.caFile != "" {
		pem, err := os.ReadFile(o.caFile)
		if err != nil {
			return nil, spec.Errorf("ca_file", "%v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, spec.Errorf("ca_file", "%s holds no PEM certificate", o.caFile)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	return &client{
		base:       o.base,
		shown:      o.base.String(),
		http:       &http.Client{Transport: tr},
		transport:  tr,
		timeout:    o.timeout,
		user:       o.user,
		pass:       o.pass,
		passEnv:    o.passEnv,
		useSession: o.session,
	}, nil
}
