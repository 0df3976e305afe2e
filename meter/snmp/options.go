package snmp

import (
	"fmt"
	"math"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/aienergy/aienergy/meter"
)

const (
	defaultPort    = 161
	defaultTimeout = 500 * time.Millisecond
	// One retry: with the 500 ms timeout a lost datagram costs 1 s at
	// most, the sampler's shortest read timeout (meter.MinReadTimeout).
	defaultRetries = 1
	// RFC 3414 §11.2 asks for passphrases of at least 8 octets; net-snmp
	// refuses shorter ones, so catch them here with a clearer message.
	minPassphrase = 8
)

var meterKeys = []string{
	"host", "port", "version", "community",
	"username", "security_level", "auth_protocol", "auth_password", "priv_protocol", "priv_password",
	"timeout", "retries", "preset", "unit", "inputs", "outlets", "oids",
}

// conn holds how to reach the agent. Secrets live only in the gosnmp
// parameters built from it, never in anything printed.
type conn struct {
	host      string
	port      uint16
	version   gosnmp.SnmpVersion
	community string
	timeout   time.Duration
	retries   int
	v3        *v3Params
}

type v3Params struct {
	user      string
	level     gosnmp.SnmpV3MsgFlags
	auth      gosnmp.SnmpV3AuthProtocol
	authPass  string
	priv      gosnmp.SnmpV3PrivProtocol
	privPass  string
	levelName string // as the user wrote it, for messages
}

// address is "host:port" for messages.
func (c *conn) address() string {
	return net.JoinHostPort(c.host, fmt.Sprint(c.port))
}

func decodeConn(spec meter.Spec) (*conn, error) {
	c := &conn{}
	var err error
	if c.host, err = spec.RequiredString("host"); err != nil {
		return nil, err
	}
	if h, p, splitErr := net.SplitHostPort(c.host); splitErr == nil {
		return nil, spec.Errorf("host", "write the port separately: host: %s and port: %s", h, p)
	}
	port, err := intOption(spec, "port", defaultPort)
	if err != nil {
		return nil, err
	}
	if port < 1 || port > 65535 {
		return nil, spec.Errorf("port", "want a UDP port from 1 to 65535, got %d", port)
	}
	c.port = uint16(port)
	if c.timeout, err = spec.Duration("timeout", defaultTimeout); err != nil {
		return nil, err
	}
	if c.retries, err = intOption(spec, "retries", defaultRetries); err != nil {
		return nil, err
	}
	if c.retries < 0 || c.retries > 10 {
		return nil, spec.Errorf("retries", "want 0 to 10 retries, got %d", c.retries)
	}
	version, err := spec.String("version", "2c")
	if err != nil {
		return nil, err
	}
	switch strings.TrimPrefix(strings.ToLower(version), "v") {
	case "1":
		c.version = gosnmp.Version1
	case "2c", "2":
		c.version = gosnmp.Version2c
	case "3":
		c.version = gosnmp.Version3
	default:
		return nil, spec.Errorf("version", "want 1, 2c or 3, got %q", version)
	}
	v3keys := []string{"username", "security_level", "auth_protocol", "auth_password", "priv_protocol", "priv_password"}
	if c.version != gosnmp.Version3 {
		for _, k := range v3keys {
			if spec.Has(k) {
				return nil, spec.Errorf(k, "is an SNMPv3 option; set version: 3 (or remove it)")
			}
		}
		if c.community, err = spec.String("community", "public"); err != nil {
			return nil, err
		}
		if c.community == "" {
			return nil, spec.Errorf("community", "must not be empty")
		}
		return c, nil
	}
	if spec.Has("community") {
		return nil, spec.Errorf("community", "SNMPv3 has no community; set username and passwords instead")
	}
	if c.v3, err = decodeV3(spec); err != nil {
		return nil, err
	}
	return c, nil
}

var authProtocols = map[string]gosnmp.SnmpV3AuthProtocol{
	"MD5": gosnmp.MD5, "SHA": gosnmp.SHA, "SHA224": gosnmp.SHA224,
	"SHA256": gosnmp.SHA256, "SHA384": gosnmp.SHA384, "SHA512": gosnmp.SHA512,
}

var privProtocols = map[string]gosnmp.SnmpV3PrivProtocol{
	"DES": gosnmp.DES, "AES": gosnmp.AES, "AES192": gosnmp.AES192,
	"AES256": gosnmp.AES256, "AES192C": gosnmp.AES192C, "AES256C": gosnmp.AES256C,
}

var securityLevels = map[string]gosnmp.SnmpV3MsgFlags{
	"noauthnopriv": gosnmp.NoAuthNoPriv, "authnopriv": gosnmp.AuthNoPriv, "authpriv": gosnmp.AuthPriv,
}

func decodeV3(spec meter.Spec) (*v3Params, error) {
	p := &v3Params{}
	var err error
	if p.user, err = spec.RequiredString("username"); err != nil {
		return nil, err
	}
	if p.authPass, err = spec.String("auth_password", ""); err != nil {
		return nil, err
	}
	if p.privPass, err = spec.String("priv_password", ""); err != nil {
		return nil, err
	}
	// The level the passwords allow, unless the user names one.
	def := "noAuthNoPriv"
	switch {
	case p.privPass != "":
		def = "authPriv"
	case p.authPass != "":
		def = "authNoPriv"
	}
	if p.levelName, err = spec.String("security_level", def); err != nil {
		return nil, err
	}
	var ok bool
	if p.level, ok = securityLevels[strings.ToLower(p.levelName)]; !ok {
		return nil, spec.Errorf("security_level", "want noAuthNoPriv, authNoPriv or authPriv, got %q", p.levelName)
	}
	authName, err := spec.String("auth_protocol", "SHA")
	if err != nil {
		return nil, err
	}
	if p.auth, ok = authProtocols[strings.ToUpper(authName)]; !ok {
		return nil, spec.Errorf("auth_protocol", "want one of %s, got %q", keys(authProtocols), authName)
	}
	privName, err := spec.String("priv_protocol", "AES")
	if err != nil {
		return nil, err
	}
	if p.priv, ok = privProtocols[strings.ToUpper(privName)]; !ok {
		return nil, spec.Errorf("priv_protocol", "want one of %s, got %q", keys(privProtocols), privName)
	}
	// Passwords the level needs must be there and long enough; ones it
	// ignores would silently not be used, which hides a typo in the level.
	needAuth := p.level != gosnmp.NoAuthNoPriv
	needPriv := p.level == gosnmp.AuthPriv
	for _, pw := range []struct {
		key, value string
		need       bool
	}{{"auth_password", p.authPass, needAuth}, {"priv_password", p.privPass, needPriv}} {
		switch {
		case pw.need && pw.value == "":
			return nil, spec.Errorf(pw.key, "required with security_level: %s", p.levelName)
		case !pw.need && pw.value != "":
			return nil, spec.Errorf(pw.key, "is set but security_level: %s does not use it", p.levelName)
		case pw.need && len(pw.value) < minPassphrase:
			return nil, spec.Errorf(pw.key, "SNMPv3 passphrases must be at least %d characters (RFC 3414)", minPassphrase)
		}
	}
	return p, nil
}

// intOption reads a whole number.
func intOption(spec meter.Spec, key string, def int) (int, error) {
	f, err := spec.Float(key, float64(def))
	if err != nil {
		return 0, err
	}
	if f != math.Trunc(f) || math.Abs(f) > 1<<31 {
		return 0, spec.Errorf(key, "want a whole number, got %v", f)
	}
	return int(f), nil
}

// intList reads a list of positive whole numbers such as outlets: [1, 2].
func intList(spec meter.Spec, key string) ([]int, error) {
	v, ok := spec.Options[key]
	if !ok || v == nil {
		return nil, nil
	}
	items, isList := v.([]any)
	if !isList {
		items = []any{v} // outlets: 3 means [3]
	}
	out := make([]int, 0, len(items))
	seen := map[int]bool{}
	for _, item := range items {
		var n int
		switch x := item.(type) {
		case int:
			n = x
		case int64:
			n = int(x)
		case uint64:
			n = int(x)
		case float64:
			if x != math.Trunc(x) {
				return nil, spec.Errorf(key, "want whole numbers such as [1, 2], got %v", x)
			}
			n = int(x)
		default:
			return nil, spec.Errorf(key, "want whole numbers such as [1, 2], got %v", item)
		}
		if n < 1 {
			return nil, spec.Errorf(key, "numbers start at 1, got %d", n)
		}
		if seen[n] {
			return nil, spec.Errorf(key, "%d is listed twice", n)
		}
		seen[n] = true
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, spec.Errorf(key, "is empty; list at least one or remove it")
	}
	return out, nil
}

func keys[V any](m map[string]V) string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
