// Package redact hides secrets in everything aienergy writes out: the
// files of a run directory, messages on stdout and stderr, and the plan
// that --dry-run prints.
//
// Two kinds of rules apply. Structural ones need no knowledge of the
// secrets: the password of a URL, query parameters and option keys named
// like a secret (IsSecretKey), every header value. A Redactor adds the
// secrets of one configuration, collected once, and replaces them
// verbatim wherever they appear, e.g. in an error body that echoes the
// request's headers. Text is always redacted before it is cut to length
// (Quote), so that a cut never leaves a secret's first characters.
package redact

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mask stands in for a secret.
const Mask = "REDACTED"

// minSecret is the length under which a value is not replaced verbatim:
// a header value such as "1" is no secret, and replacing it everywhere
// would garble every message.
const minSecret = 4

// secretWords are the words of a key name that mark its value secret.
var secretWords = []string{"key", "token", "secret", "password", "passwd", "credential", "credentials", "auth", "authorization", "community", "cookie", "bearer"}

// IsSecretKey reports whether the value of an option, header or query
// parameter of this name is a secret: the name's last word (split at _,
// -, . and camelCase) ends with a secret word ("apikey", "X-Auth-Token",
// "priv_password"). "max_new_tokens" is not ("tokens" is a count), nor is
// "auth_protocol" (it names the protocol) or "api_key_env" (the variable
// that holds the key).
func IsSecretKey(key string) bool {
	words := splitWords(key)
	if len(words) == 0 {
		return false
	}
	last := words[len(words)-1]
	for _, s := range secretWords {
		if strings.HasSuffix(last, s) {
			return true
		}
	}
	return false
}

func splitWords(s string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	prevLower := false
	for _, r := range s {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			prevLower = false
			continue
		case unicode.IsUpper(r) && prevLower:
			flush()
		}
		cur = append(cur, r)
		prevLower = unicode.IsLower(r)
	}
	flush()
	return words
}

var (
	// userinfoRE finds scheme://user:password@ (the password runs to the
	// last @ of the authority, as net/url reads it).
	userinfoRE = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:]*):([^\s/?#]*)@`)
	// queryRE finds one name=value of a query string.
	queryRE = regexp.MustCompile(`([?&;][^=&;\s#"'<>]+=)[^&;\s#"'<>]*`)
	// pairRE finds name: value and name=value pairs as they appear in
	// echoed headers, JSON, Go maps and logs; the value may begin with an
	// auth scheme (Bearer, Basic, …).
	pairRE = regexp.MustCompile(`([A-Za-z0-9_.-]+)(["']?\s*[:=]\s*\[?["']?)((?i:bearer|basic|token|digest|apikey)\s+)?([^\s"',;&\]}<>]+)`)
)

// URLs masks, anywhere in text, the password of every URL with userinfo
// (scheme://user:REDACTED@host) and the value of every query parameter
// named like a secret (?api_key=REDACTED).
func URLs(text string) string {
	if !strings.Contains(text, "://") && !strings.ContainsAny(text, "?&;") {
		return text
	}
	text = replaceSubmatch(userinfoRE, text, func(m []string) string {
		if m[2] == "xxxxx" { // as net/url's URL.Redacted masks it
			return m[0]
		}
		return m[1] + ":" + Mask + "@"
	})
	return replaceSubmatch(queryRE, text, func(m []string) string {
		if IsSecretKey(strings.TrimSuffix(m[1][1:], "=")) {
			return m[1] + Mask
		}
		return m[0]
	})
}

// pairs masks the values of name: value pairs whose name is secret. A
// pair whose name is not secret is passed over up to its value, which may
// itself hold a pair ("detail": "authorization: Bearer …").
func pairs(s string) string {
	var b strings.Builder
	for {
		loc := pairRE.FindStringSubmatchIndex(s)
		if loc == nil {
			break
		}
		if IsSecretKey(s[loc[2]:loc[3]]) {
			b.WriteString(s[:loc[8]])
			b.WriteString(Mask)
			s = s[loc[9]:]
		} else {
			b.WriteString(s[:loc[5]])
			s = s[loc[5]:]
		}
	}
	b.WriteString(s)
	return b.String()
}

func replaceSubmatch(re *regexp.Regexp, s string, f func([]string) string) string {
	idx := re.FindAllStringSubmatchIndex(s, -1)
	if idx == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, loc := range idx {
		m := make([]string, len(loc)/2)
		for i := range m {
			if loc[2*i] >= 0 {
				m[i] = s[loc[2*i]:loc[2*i+1]]
			}
		}
		b.WriteString(s[last:loc[0]])
		b.WriteString(f(m))
		last = loc[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// Options returns a copy of meter or sink options, as decoded from YAML,
// with every secret masked: the values of secret keys and of headers (all
// of them), and URL passwords inside strings.
func Options(m map[string]any) map[string]any {
	return optionValue(m, false).(map[string]any)
}

func optionValue(v any, secret bool) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = optionValue(e, secret || IsSecretKey(k) || strings.EqualFold(k, "headers"))
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = optionValue(e, secret)
		}
		return out
	case nil:
		return nil
	}
	if secret {
		return Mask
	}
	if s, ok := v.(string); ok {
		return URLs(s)
	}
	return v
}

// Args returns a copy of a command line with the values of secret-named
// flags masked (--api-key X, --api-key=X) and URL passwords hidden.
func Args(argv []string) []string {
	out := make([]string, len(argv))
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		name, _, hasValue := strings.Cut(a, "=")
		flag := strings.HasPrefix(a, "-") && IsSecretKey(strings.TrimLeft(name, "-"))
		switch {
		case flag && hasValue:
			out[i] = name + "=" + Mask
		case flag && i+1 < len(argv):
			out[i], out[i+1] = a, Mask
			i++
		default:
			out[i] = URLs(a)
		}
	}
	return out
}

// URLSecrets returns the secrets a URL carries: the password, as written
// and decoded, and the Basic credentials that an HTTP client derives from
// the userinfo and sends (which a server may echo). None for a URL
// without a password.
func URLSecrets(raw string) []string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.User == nil {
		return nil
	}
	pass, ok := u.User.Password()
	if !ok || pass == "" || pass == Mask {
		return nil
	}
	return []string{pass, url.QueryEscape(pass), url.PathEscape(pass), BasicAuth(u.User.Username(), pass)}
}

// BasicAuth is what an HTTP client sends for a user and password in an
// "Authorization: Basic" header; a secret as much as the password. "" for
// no password.
func BasicAuth(user, password string) string {
	if password == "" {
		return ""
	}
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}

// A Redactor removes the secrets of one configuration from text: the
// values given to New, and whatever the structural rules catch. Its
// methods may be called concurrently, and on a nil Redactor (structural
// rules only).
type Redactor struct {
	values []string // longest first, so that no shorter one splits a longer
}

// New returns a Redactor for the given secret values. A value of the form
// "Bearer xyz" also makes its last word secret; empty and very short
// values are ignored.
func New(values ...string) *Redactor {
	seen := map[string]bool{}
	r := &Redactor{}
	add := func(v string) {
		if utf8.RuneCountInString(v) >= minSecret && !seen[v] && v != Mask {
			seen[v] = true
			r.values = append(r.values, v)
		}
	}
	for _, v := range values {
		v = strings.TrimSpace(v)
		add(v)
		if f := strings.Fields(v); len(f) > 1 {
			add(f[len(f)-1])
		}
	}
	sort.Slice(r.values, func(i, j int) bool { return len(r.values[i]) > len(r.values[j]) })
	return r
}

// String redacts text of our own making (a message, a file name): known
// secret values and URL passwords.
func (r *Redactor) String(s string) string {
	if r != nil {
		for _, v := range r.values {
			s = strings.ReplaceAll(s, v, Mask)
		}
	}
	return URLs(s)
}

// Quote redacts text that a server sent, which may echo the request:
// String, and also the values of secret-named pairs such as
// "Authorization: Bearer …" or "x-api-key=…". Then, and only then, it
// collapses whitespace and cuts the text to at most n characters (n > 0),
// marking the cut with "…".
func (r *Redactor) Quote(s string, n int) string {
	s = strings.Join(strings.Fields(pairs(r.String(s))), " ")
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// Error returns err with its message redacted; errors.Is and errors.As
// still see the original. nil stays nil.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := r.String(err.Error())
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
