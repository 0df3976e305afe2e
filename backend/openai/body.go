package openai

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/aienergy/aienergy/backend"
)

// requestBody encodes the JSON body for req; see Do for the rules.
//
// It writes the generated fields by hand instead of encoding a generic
// map, which cost 29 allocations and a few microseconds a request for a
// body that differs only in its prompt: here the prompt is escaped once
// into a buffer sized for it, and only Extra's values, whatever they are,
// go through encoding/json. Fields come in a fixed order, Extra's sorted,
// so that equal requests are equal bytes.
func (c *Client) requestBody(req backend.Request) ([]byte, error) {
	// Room for the fixed text, and for some escapes in the prompt.
	b := make([]byte, 0, 128+len(req.Model)+len(req.Prompt)+len(req.Prompt)/8+32*len(req.Extra))
	b = append(b, '{')
	// generated reports whether a generated field goes in: Extra wins.
	generated := func(name string) bool {
		_, replaced := req.Extra[name]
		return !replaced
	}
	if generated("model") {
		b = appendString(append(b, `"model":`...), req.Model)
		b = append(b, ',')
	}
	switch {
	case c.chat && generated("messages"):
		b = appendString(append(b, `"messages":[{"role":"user","content":`...), req.Prompt)
		b = append(b, "}],"...)
	case !c.chat && generated("prompt"):
		b = appendString(append(b, `"prompt":`...), req.Prompt)
		b = append(b, ',')
	}
	if req.MaxTokens > 0 && generated("max_tokens") {
		b = strconv.AppendInt(append(b, `"max_tokens":`...), int64(req.MaxTokens), 10)
		b = append(b, ',')
	}
	if req.MinTokens > 0 && generated("min_tokens") {
		b = strconv.AppendInt(append(b, `"min_tokens":`...), int64(req.MinTokens), 10)
		b = append(b, ',')
	}
	if req.IgnoreEOS && generated("ignore_eos") {
		b = append(b, `"ignore_eos":true,`...)
	}
	if c.stream && generated("stream_options") {
		b = append(b, `"stream_options":{"include_usage":true},`...)
	}
	if generated("stream") {
		b = strconv.AppendBool(append(b, `"stream":`...), c.stream)
		b = append(b, ',')
	}
	if len(req.Extra) > 0 {
		for _, k := range slices.Sorted(maps.Keys(req.Extra)) {
			v, err := json.Marshal(req.Extra[k])
			if err != nil {
				return nil, err
			}
			b = appendString(b, k)
			b = append(append(append(b, ':'), v...), ',')
		}
	}
	if b[len(b)-1] == ',' {
		b = b[:len(b)-1]
	}
	return append(b, '}'), nil
}

// appendString appends s as a JSON string. It escapes what JSON requires
// (quote, backslash, control characters) and, as encoding/json does,
// replaces invalid UTF-8 with U+FFFD, so that any server reads valid
// UTF-8; unlike encoding/json it leaves <, > and & alone, which only
// matter inside HTML.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0 // s[start:i] is yet to be copied
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			if c >= utf8.RuneSelf {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
