package openai

import (
	"encoding/json"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/internal/redact"
)

// A chunk is what one stream event, or a whole answer, tells the record:
// only the fields the record needs, read without building the payload.
type chunk struct {
	chars   int    // characters of generated text, over all choices
	finish  string // the last non-empty finish_reason of its choices
	choices bool   // it has a "choices" array, even an empty one
	usage   usageCounts
	// errorField is the "error" member as sent (nil when absent);
	// errorObject and message are older vLLM's {"object":"error",
	// "message":...}. On the fast path they alias the input.
	errorField  []byte
	errorObject bool
	message     []byte
}

// usageCounts is a usage object's token counts; a count not sent (or
// null) has its has* flag unset.
type usageCounts struct {
	prompt, completion, reasoning          int
	hasPrompt, hasCompletion, hasReasoning bool
}

// reported tells whether the usage carries a token count the record can
// use, as a usage object that only says total_tokens does not.
func (u usageCounts) reported() bool { return u.hasPrompt || u.hasCompletion }

// decodeChunk reads a chunk or whole answer. The scanner reads the common
// shapes in place, with no allocation; whatever it is not sure of goes to
// encoding/json over the payload struct, which is then the judge of
// validity and of every odd case, and words the error.
func decodeChunk(data []byte) (chunk, error) {
	var c chunk
	s := scanner{data: data}
	if s.payload(&c) {
		return c, nil
	}
	var p payload
	if err := json.Unmarshal(data, &p); err != nil {
		return chunk{}, err
	}
	return p.chunk(), nil
}

// errorMessage reports whether the chunk is an error rather than output.
func (c *chunk) errorMessage(r *redact.Redactor) (string, bool) {
	if backend.HasError(c.errorField) {
		return backend.ErrorFieldMessage(r, c.errorField), true
	}
	if c.errorObject {
		if len(c.message) > 0 {
			return r.Quote(string(c.message), backend.MaxMessage), true
		}
		return "unspecified error", true
	}
	return "", false
}

// The names of the fields the decoding uses, object by object; their
// indexes are the constants below each.
var (
	payloadFields = []string{"choices", "usage", "error", "object", "message"}
	choiceFields  = []string{"text", "delta", "message", "finish_reason"}
	messageFields = []string{"content", "reasoning_content", "reasoning"}
	usageFields   = []string{"prompt_tokens", "completion_tokens", "completion_tokens_details"}
	detailsFields = []string{"reasoning_tokens"}
)

const (
	pChoices = iota
	pUsage
	pError
	pObject
	pMessage
)

const (
	cText = iota
	cDelta
	cMessage
	cFinish
)

const (
	uPrompt = iota
	uCompletion
	uDetails
)

// payload reads a whole chunk into c. Only an object is read here: null
// (which encoding/json takes for an empty payload) and anything else go
// to the slow path.
func (s *scanner) payload(c *chunk) bool {
	if s.next() != '{' {
		return false
	}
	f := fieldSet{names: payloadFields}
	ok := s.members(func(name []byte) bool {
		switch f.match(name) {
		case pChoices:
			return s.choices(c)
		case pUsage:
			return s.usage(&c.usage)
		case pError:
			s.ws()
			begin := s.pos
			if !s.skip() {
				return false
			}
			c.errorField = s.data[begin:s.pos]
			return true
		case pObject:
			v, null, ok := s.plainString()
			c.errorObject = !null && string(v) == "error"
			return ok
		case pMessage:
			v, _, ok := s.plainString()
			c.message = v
			return ok
		case otherField:
			return s.skip()
		}
		return false
	})
	s.ws()
	return ok && s.pos == len(s.data)
}

// choices reads the choices array: null leaves it absent.
func (s *scanner) choices(c *chunk) bool {
	if s.null() {
		return true
	}
	c.choices = true
	return s.elements(func() bool {
		if s.null() {
			return true // decodes as an empty choice
		}
		return s.choice(c)
	})
}

// choice reads one choice: its text into c.chars, a non-empty
// finish_reason into c.finish.
func (s *scanner) choice(c *chunk) bool {
	f := fieldSet{names: choiceFields}
	return s.members(func(name []byte) bool {
		switch f.match(name) {
		case cText:
			n, ok := s.text()
			c.chars += n
			return ok
		case cDelta, cMessage:
			return s.message(c)
		case cFinish:
			v, null, ok := s.plainString()
			if ok && !null && len(v) > 0 {
				c.finish = finishReason(v)
			}
			return ok
		case otherField:
			return s.skip()
		}
		return false
	})
}

// message reads a delta or message object: the characters of its text
// fields go to c.chars; null is an empty one.
func (s *scanner) message(c *chunk) bool {
	if s.null() {
		return true
	}
	f := fieldSet{names: messageFields}
	return s.members(func(name []byte) bool {
		switch f.match(name) {
		case otherField:
			return s.skip()
		case unsure:
			return false
		}
		n, ok := s.text()
		c.chars += n
		return ok
	})
}

// usage reads a usage object; null leaves none.
func (s *scanner) usage(u *usageCounts) bool {
	if s.null() {
		return true
	}
	f := fieldSet{names: usageFields}
	return s.members(func(name []byte) bool {
		switch f.match(name) {
		case uPrompt:
			n, null, ok := s.count()
			u.prompt, u.hasPrompt = n, !null
			return ok
		case uCompletion:
			n, null, ok := s.count()
			u.completion, u.hasCompletion = n, !null
			return ok
		case uDetails:
			if s.null() {
				return true
			}
			d := fieldSet{names: detailsFields}
			return s.members(func(name []byte) bool {
				switch d.match(name) {
				case 0:
					n, null, ok := s.count()
					u.reasoning, u.hasReasoning = n, !null
					return ok
				case otherField:
					return s.skip()
				}
				return false
			})
		case otherField:
			return s.skip()
		}
		return false
	})
}

// count reads a token count: an integer or null.
func (s *scanner) count() (n int, null, ok bool) {
	if s.null() {
		return 0, true, true
	}
	n, ok = s.integer()
	return n, false, ok
}

// text reads a text field, a string or null, and returns its length in
// characters as the decoded string would have it.
func (s *scanner) text() (int, bool) {
	if s.null() {
		return 0, true
	}
	js, ok := s.str()
	if !ok {
		return 0, false
	}
	if !js.escaped {
		return utf8.RuneCount(js.raw), true
	}
	return escapedChars(js.raw), true
}

// plainString reads a string without escapes, or null; an escaped one,
// or one that is not valid UTF-8, is left to the slow path.
func (s *scanner) plainString() (v []byte, null, ok bool) {
	if s.null() {
		return nil, true, true
	}
	js, ok := s.str()
	if !ok || js.escaped || (js.nonASCII && !utf8.Valid(js.raw)) {
		// encoding/json decides: it replaces invalid UTF-8 with U+FFFD,
		// which the raw bytes would not (found by FuzzDecodeChunk).
		return nil, false, false
	}
	return js.raw, false, true
}

// escapedChars counts the characters of a valid JSON string's content
// the way encoding/json decodes it: an escape is one character, a
// \uD83D\uDE00 surrogate pair too, and a lone surrogate or invalid UTF-8
// byte becomes one U+FFFD each.
func escapedChars(raw []byte) int {
	n := 0
	for len(raw) > 0 {
		i := 0
		for i < len(raw) && raw[i] != '\\' {
			i++
		}
		n += utf8.RuneCount(raw[:i])
		if i == len(raw) {
			break
		}
		raw = raw[i:]
		n++
		if raw[1] != 'u' {
			raw = raw[2:]
			continue
		}
		r := hex4(raw[2:])
		raw = raw[6:]
		if utf16.IsSurrogate(r) && len(raw) >= 6 && raw[0] == '\\' && raw[1] == 'u' &&
			utf16.DecodeRune(r, hex4(raw[2:])) != unicode.ReplacementChar {
			raw = raw[6:]
		}
	}
	return n
}

// commonFinishReasons are returned without allocating.
var commonFinishReasons = []string{"stop", "length", "tool_calls", "content_filter", "abort", "eos_token", "stop_sequence", "function_call"}

func finishReason(raw []byte) string {
	for _, r := range commonFinishReasons {
		if string(raw) == r {
			return r
		}
	}
	return string(raw)
}
