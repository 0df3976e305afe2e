// Package safename keeps names from outside aienergy — model ids, label
// values, chassis ids — safe where aienergy writes them: file names,
// channel names, CSV headers. One set of characters serves them all, so a
// name that is safe in one place is safe in every other.
package safename

import "strings"

// Map keeps letters, digits, '-', '_' and '.' of s (ASCII only) and puts
// with in place of every other character.
func Map(s string, with rune) string {
	return strings.Map(func(r rune) rune {
		if valid(r) {
			return r
		}
		return with
	}, s)
}

// Valid reports whether s is made only of the characters Map keeps.
func Valid(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !valid(r) }) < 0
}

func valid(r rune) bool {
	return r == '-' || r == '_' || r == '.' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
}
