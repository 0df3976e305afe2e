package sink

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aienergy/aienergy/internal/redact"
	"github.com/aienergy/aienergy/internal/suggest"
)

// An OptionError is a mistake in one key of a reporter's options: the
// CLI places it at that key's line in the config file.
type OptionError struct {
	Kind string // the reporter type as given; "" when it is missing
	Key  string // the option, e.g. "url"; "type" for an unknown type
	Err  error
}

func (e *OptionError) Error() string {
	who := "reporter"
	if e.Kind != "" {
		who += " " + e.Kind
	}
	return fmt.Sprintf("%s: %s: %v", who, e.Key, e.Err)
}

func (e *OptionError) Unwrap() error { return e.Err }

// options reads one reporter's options (decoded from YAML, so strings,
// numbers and booleans) and collects every problem, each naming its key,
// so that one check shows them all.
type options struct {
	kind string
	m    map[string]any
	used map[string]bool
	// skip are keys that may be passed to every kind without being its
	// options; a kind that reads one makes it an option.
	skip map[string]bool
	errs []error
	// urlUser and urlPassword come from the url option's userinfo.
	urlUser, urlPassword string
}

func newOptions(kind string, m map[string]any) *options {
	// "type" selects the kind, and "output_file", which the file
	// reporters read, is tolerated by the others as it always was.
	return &options{kind: kind, m: m, used: map[string]bool{}, skip: map[string]bool{"type": true, "output_file": true}}
}

func (o *options) fail(key, format string, args ...any) {
	o.errs = append(o.errs, &OptionError{Kind: o.kind, Key: key, Err: fmt.Errorf(format, args...)})
}

// use marks key as one of this kind's options.
func (o *options) use(key string) {
	o.used[key] = true
	delete(o.skip, key)
}

// str returns a string option, def when it is absent.
func (o *options) str(key, def string) string {
	o.use(key)
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
	o.use(key)
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
	o.use(key)
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

// outputFile reads the one option of the file reporters: where to write;
// "" when none is given.
func outputFile(kind string, opts map[string]any) (string, error) {
	o := newOptions(kind, opts)
	path := o.str("output_file", "")
	return path, o.done()
}

// done reports unknown keys (typos, most likely) and every problem seen.
func (o *options) done() error {
	known := slices.Sorted(maps.Keys(o.used))
	for _, k := range slices.Sorted(maps.Keys(o.m)) {
		if o.used[k] || o.skip[k] {
			continue
		}
		hint := ""
		if s := suggest.Nearest(k, known); s != "" {
			hint = fmt.Sprintf("did you mean %q? ", s)
		}
		o.fail(k, "unknown option for %s reporters (%sknown: %s)", o.kind, hint, strings.Join(known, ", "))
	}
	return errors.Join(o.errs...)
}
