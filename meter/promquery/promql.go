package promquery

import (
	"errors"
	"fmt"
	"strings"
)

// selectorPlaceholder marks where an expression takes the selector.
const selectorPlaceholder = "$selector"

// A bareSelector is a query that is only a series selector, `name` or
// `name{matchers}`: the one form PromQL lets us extend with more matchers
// without a parser, and put a range `[5m]` after to get raw samples.
type bareSelector struct {
	name     string // metric name; "" when only matchers are given
	matchers string // what stands between the braces, trimmed
}

// parseBareSelector recognises a bare series selector. Anything else
// (functions, operators, offsets, ranges) is an expression.
func parseBareSelector(expr string) (bareSelector, bool) {
	s := strings.TrimSpace(expr)
	i := 0
	for i < len(s) && isNameChar(s[i], i == 0) {
		i++
	}
	sel := bareSelector{name: s[:i]}
	rest := strings.TrimSpace(s[i:])
	if rest == "" {
		return sel, sel.name != ""
	}
	if rest[0] != '{' {
		return sel, false
	}
	end, err := matchersEnd(rest, 1)
	if err != nil || strings.TrimSpace(rest[end+1:]) != "" {
		return sel, false
	}
	sel.matchers = strings.TrimSpace(rest[1:end])
	return sel, sel.name != "" || sel.matchers != ""
}

func isNameChar(c byte, first bool) bool {
	return c == '_' || c == ':' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || !first && '0' <= c && c <= '9'
}

// matchersEnd returns the index of the '}' that closes the matcher list
// starting at s[from], skipping quoted label values (which may hold
// braces). An unquoted '{' or an unterminated string is an error.
func matchersEnd(s string, from int) (int, error) {
	for i := from; i < len(s); i++ {
		switch c := s[i]; c {
		case '}':
			return i, nil
		case '{':
			return 0, errors.New("unexpected '{'")
		case '"', '\'', '`':
			j, err := stringEnd(s, i)
			if err != nil {
				return 0, err
			}
			i = j
		}
	}
	return 0, errors.New("missing '}'")
}

// stringEnd returns the index of the quote that closes the string opening
// at s[i]. Backquoted strings have no escapes; the others do.
func stringEnd(s string, i int) (int, error) {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch {
		case s[j] == '\\' && q != '`':
			j++
		case s[j] == q:
			return j, nil
		}
	}
	return 0, fmt.Errorf("unterminated string %s", s[i:])
}

// normalizeSelector checks the selector option and strips optional braces
// and a trailing comma: `{Hostname="n1",}` and `Hostname="n1"` are the same.
func normalizeSelector(sel string) (string, error) {
	s := strings.TrimSpace(sel)
	if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	s = strings.TrimSpace(strings.TrimSuffix(s, ","))
	if s == "" {
		return "", nil
	}
	// Scanning "{" + s + "}" must end exactly at the added brace: a brace
	// of the user's own would otherwise close the selector early and
	// splice the rest into the query.
	wrapped := "{" + s + "}"
	end, err := matchersEnd(wrapped, 1)
	if err != nil {
		return "", err
	}
	if end != len(wrapped)-1 {
		return "", errors.New("unexpected '}'")
	}
	return s, nil
}

// withSelector adds the selector's matchers to a query: where the query
// says $selector, or else inside the braces of a bare selector.
func withSelector(expr, sel string) string {
	if strings.Contains(expr, selectorPlaceholder) {
		return strings.ReplaceAll(expr, selectorPlaceholder, sel)
	}
	if sel == "" {
		return expr
	}
	b, ok := parseBareSelector(expr)
	if !ok {
		return expr // rejected earlier by the config check
	}
	inner := strings.TrimSpace(strings.TrimSuffix(b.matchers, ","))
	if inner != "" {
		inner += ","
	}
	return b.name + "{" + inner + sel + "}"
}
