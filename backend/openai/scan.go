package openai

import (
	"bytes"
	"math"
)

// A scanner reads a JSON value in place, for the fast path of
// decodeChunk. It validates everything it passes over, keeps nothing but
// positions, and allocates nothing.
//
// It does not decide hard cases: any input it is not sure of makes its
// methods return false, and the caller then decodes with encoding/json,
// whose answer (or error message) counts. That covers invalid JSON, a
// value of the wrong type, a field name that is a duplicate, escaped or
// only a case-insensitive match, an escaped finish reason, an integer
// that is not plain, and nesting deeper than maxScanDepth. The fast path
// therefore never answers an odd case differently from encoding/json,
// and FuzzDecodeChunk checks that it agrees on everything else.
type scanner struct {
	data  []byte
	pos   int
	depth int
}

// maxScanDepth bounds the nesting the scanner follows by recursion;
// anything deeper is left to encoding/json, which has its own limit.
const maxScanDepth = 64

// ws skips JSON whitespace.
func (s *scanner) ws() {
	// Most calls find none: one comparison decides that.
	for s.pos < len(s.data) && s.data[s.pos] <= ' ' {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// next skips whitespace and returns the byte there, 0 at the end.
func (s *scanner) next() byte {
	s.ws()
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

// literal consumes word ("null", "true", "false") if it comes next.
func (s *scanner) literal(word string) bool {
	if !bytes.HasPrefix(s.data[s.pos:], []byte(word)) {
		return false
	}
	s.pos += len(word)
	return true
}

// null consumes a null if one comes next.
func (s *scanner) null() bool { return s.next() == 'n' && s.literal("null") }

// A jsonString is a string value as it stands in the input, between its
// quotes.
type jsonString struct {
	raw      []byte
	escaped  bool // raw holds a backslash escape
	nonASCII bool // raw holds a byte of 0x80 or more
}

// str consumes a string, checking what JSON allows in one: no control
// characters, only the escapes JSON defines.
func (s *scanner) str() (jsonString, bool) {
	if s.next() != '"' {
		return jsonString{}, false
	}
	s.pos++
	start := s.pos
	var js jsonString
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		if plainByte[c] {
			s.pos++
			continue
		}
		switch {
		case c == '"':
			js.raw = s.data[start:s.pos]
			s.pos++
			return js, true
		case c == '\\':
			if !s.escape() {
				return jsonString{}, false
			}
			js.escaped = true
			continue
		case c < 0x20:
			return jsonString{}, false
		case c >= 0x80:
			js.nonASCII = true
		}
		s.pos++
	}
	return jsonString{}, false
}

// plainByte tells the bytes a string holds as they are: printable ASCII
// but the quote and the backslash.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// escape consumes one backslash escape.
func (s *scanner) escape() bool {
	if s.pos+1 >= len(s.data) {
		return false
	}
	switch s.data[s.pos+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.pos += 2
		return true
	case 'u':
		if s.pos+6 > len(s.data) || hex4(s.data[s.pos+2:s.pos+6]) < 0 {
			return false
		}
		s.pos += 6
		return true
	}
	return false
}

// hex4 decodes four hex digits, or returns -1.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// number consumes a number, following JSON's grammar, and reports
// whether it was a plain integer (no fraction, no exponent).
func (s *scanner) number() (integer, ok bool) {
	s.ws()
	start := s.pos
	if s.pos < len(s.data) && s.data[s.pos] == '-' {
		s.pos++
	}
	switch {
	case s.pos < len(s.data) && s.data[s.pos] == '0':
		s.pos++
	case s.digits() == 0:
		return false, false
	}
	integer = true
	if s.pos < len(s.data) && s.data[s.pos] == '.' {
		s.pos++
		if s.digits() == 0 {
			return false, false
		}
		integer = false
	}
	if s.pos < len(s.data) && (s.data[s.pos] == 'e' || s.data[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.data) && (s.data[s.pos] == '+' || s.data[s.pos] == '-') {
			s.pos++
		}
		if s.digits() == 0 {
			return false, false
		}
		integer = false
	}
	return integer, s.pos > start
}

// digits consumes decimal digits and returns how many.
func (s *scanner) digits() int {
	start := s.pos
	for s.pos < len(s.data) && '0' <= s.data[s.pos] && s.data[s.pos] <= '9' {
		s.pos++
	}
	return s.pos - start
}

// integer consumes a number that a Go int holds exactly, as
// encoding/json would decode into an int.
func (s *scanner) integer() (int, bool) {
	start := s.next()
	begin := s.pos
	if start != '-' && (start < '0' || start > '9') {
		return 0, false
	}
	if integer, ok := s.number(); !integer || !ok {
		return 0, false
	}
	digits := s.data[begin:s.pos]
	neg := digits[0] == '-'
	if neg {
		digits = digits[1:]
	}
	// Accumulate negatively: math.MinInt has no positive counterpart.
	n := 0
	for _, c := range digits {
		d := int(c - '0')
		if n < (math.MinInt+d)/10 {
			return 0, false
		}
		n = n*10 - d
	}
	if !neg {
		if n == math.MinInt {
			return 0, false
		}
		n = -n
	}
	return n, true
}

// skip consumes any one value, validating it.
func (s *scanner) skip() bool {
	switch s.next() {
	case '"':
		_, ok := s.str()
		return ok
	case '{':
		return s.members(func([]byte) bool { return s.skip() })
	case '[':
		return s.elements(s.skip)
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		_, ok := s.number()
		return ok
	}
}

// members consumes an object, calling member with each name (which
// aliases the input) to consume that member's value.
func (s *scanner) members(member func(name []byte) bool) bool {
	if s.next() != '{' || s.depth >= maxScanDepth {
		return false
	}
	s.depth++
	s.pos++
	if s.next() == '}' {
		s.pos++
		s.depth--
		return true
	}
	for {
		name, ok := s.str()
		if !ok || s.next() != ':' {
			return false
		}
		s.pos++
		if !member(name.raw) {
			return false
		}
		switch s.next() {
		case ',':
			s.pos++
		case '}':
			s.pos++
			s.depth--
			return true
		default:
			return false
		}
	}
}

// elements consumes an array, calling element to consume each value.
func (s *scanner) elements(element func() bool) bool {
	if s.next() != '[' || s.depth >= maxScanDepth {
		return false
	}
	s.depth++
	s.pos++
	if s.next() == ']' {
		s.pos++
		s.depth--
		return true
	}
	for {
		if !element() {
			return false
		}
		switch s.next() {
		case ',':
			s.pos++
		case ']':
			s.pos++
			s.depth--
			return true
		default:
			return false
		}
	}
}

// A fieldSet is the field names of one object that the decoding uses,
// and which of them were seen.
type fieldSet struct {
	names []string
	seen  uint
}

// Returns of fieldSet.match besides a field's index.
const (
	otherField = -1 // a name the decoding does not use
	unsure     = -2 // leave the object to encoding/json
)

// match returns the index of the field name in f.names, otherField, or
// unsure for a name encoding/json might read differently: a repeat
// (it would merge the values), an escaped name, or one equal to a field
// only when case is folded.
func (f *fieldSet) match(name []byte) int {
	for i, want := range f.names {
		if string(name) == want {
			if f.seen&(1<<i) != 0 {
				return unsure
			}
			f.seen |= 1 << i
			return i
		}
	}
	if bytes.IndexByte(name, '\\') >= 0 {
		return unsure
	}
	for _, want := range f.names {
		// Folding never changes an ASCII name's length; a non-ASCII
		// one (the Kelvin sign folds to k) is always compared.
		if len(name) == len(want) || hasNonASCII(name) {
			if bytes.EqualFold(name, []byte(want)) {
				return unsure
			}
		}
	}
	return otherField
}

func hasNonASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}
