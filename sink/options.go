package sink

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aienergy/aienergy/internal/redact"
)

// options reads one reporter's options (decoded from YAML, so strings,
// numbers and booleans) and collects every problem, each naming its key,
// so that one run of `aienergy validate` shows them all.
type options struct {
	kind string
	m    map[string]any
	used map[string]bool
	errs []error
	// urlUser and urlPassword come from the url option's userinfo.
	urlUser, urlPassword string
}

func newOptions(kind string, m map[string]any) *options {
	// "type" selects the sink and "output_file" belongs to the file
	// reporters; neither is an option of ours, but both may be passed in.
	return &options{kind: kind, m: m, used: map[string]bool{"type": true, "output_file": true}}
}

func (o *options) fail(key, format string, args ...any) {
	o.errs = append(o.errs, fmt.Errorf("reporter %s: %s: %s", o.kind, key, fmt.Sprintf(format, args...)))
}

// str returns a string option, def when it is absent.
func (o *options) str(key, def string) string {
	o.used[key] = true
	v, ok := o.m[key]
	if !ok || v == nil {
		return def
	}
	s, ok := v.(string)
	if !ok {
		o.fail(key, "want a string, got %v (%T)", v, v)
		return def
	}
	return s
}

// required is str for an option that must be given.
func (o *options) required(key, example string) string {
	s := o.str(key, "")
	if s == "" {
		if _, given := o.m[key]; !given {
			o.fail(key, "missing (for example %s: %s)", key, example)
		} else {
			o.fail(key, "is empty (for example %s: %s)", key, example)
		}
	}
	return s
}

func (o *options) boolean(key string, def bool) bool {
	o.used[key] = true
	v, ok := o.m[key]
	if !ok || v == nil {
		return def
	}
	b, ok := v.(bool)
	if !ok {
		o.fail(key, "want true or false, got %v (%T)", v, v)
		return def
	}
	return b
}

// duration reads a number of seconds.
func (o *options) duration(key string, def time.Duration) time.Duration {
	o.used[key] = true
	v, ok := o.m[key]
	if !ok || v == nil {
		return def
	}
	var s float64
	switch x := v.(type) {
	case int:
		s = float64(x)
	case int64:
		s = float64(x)
	case float64:
		s = x
	default:
		o.fail(key, "want a number of seconds, got %v (%T)", v, v)
		return def
	}
	if s <= 0 {
		o.fail(key, "want a positive number of seconds, got %v", v)
		return def
	}
	return time.Duration(s * float64(time.Second))
}

// url reads a required http(s) base URL, without a trailing slash. A
// user and password in it are taken out: login uses them, and no message
// or sink name shows them.
func (o *options) url(key, example string) string {
	s := o.required(key, example)
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		o.fail(key, "%q is not an http(s) URL (for example %s)", redact.URLs(s), example)
		return ""
	}
	if u.User != nil {
		o.urlUser = u.User.Username()
		// run.json keeps the URL with its password masked.
		if p, ok := u.User.Password(); ok && p != redact.Mask {
			o.urlPassword = p
		}
		u.User = nil
		s = u.String()
	}
	return strings.TrimRight(s, "/")
}

// login returns the user and password for basic auth: the options
// username and password_env, else those of the url (read it first).
func (o *options) login() (user, password string) {
	user, password = o.str("username", o.urlUser), o.secret("password_env")
	if password == "" {
		password = o.urlPassword
	}
	return user, password
}

// secret reads the environment variable that the option key names (a
// secret never sits in the config file, which is copied into run.json).
// It returns "" when the option is absent.
func (o *options) secret(key string) string {
	name := o.str(key, "")
	if name == "" {
		return ""
	}
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		o.fail(key, "environment variable %s is not set (export it, or remove %s)", name, key)
	}
	return v
}

// done reports unknown keys (typos, most likely) and every problem seen.
func (o *options) done() error {
	unknown := map[string]bool{}
	for k := range o.m {
		if !o.used[k] {
			unknown[k] = true
		}
	}
	for _, k := range sortedKeys(unknown) {
		o.errs = append(o.errs, fmt.Errorf("reporter %s: unknown option %q (known: %s)", o.kind, k, strings.Join(o.known(), ", ")))
	}
	return errors.Join(o.errs...)
}

func (o *options) known() []string {
	k := map[string]bool{}
	for key := range o.used {
		if key != "type" && key != "output_file" {
			k[key] = true
		}
	}
	return sortedKeys(k)
}
