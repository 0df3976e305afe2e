package openai

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/backend"
)

// referenceBody is the body as the client built it before it encoded
// bodies by hand: a generic map, Extra merged last.
func referenceBody(chat, stream bool, req backend.Request) map[string]any {
	body := map[string]any{"model": req.Model, "stream": stream}
	if chat {
		body["messages"] = []map[string]string{{"role": "user", "content": req.Prompt}}
	} else {
		body["prompt"] = req.Prompt
	}
	if stream {
		body["stream_options"] = map[string]bool{"include_usage": true}
	}
	if req.MaxTokens > 0 {
		body["max_tokens"] = req.MaxTokens
	}
	if req.MinTokens > 0 {
		body["min_tokens"] = req.MinTokens
	}
	if req.IgnoreEOS {
		body["ignore_eos"] = true
	}
	for k, v := range req.Extra {
		body[k] = v
	}
	return body
}

// decoded is JSON text as generic values, for comparing two encodings.
func decoded(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
	return v
}

func TestRequestBodyMatchesReference(t *testing.T) {
	prompts := []string{"", "Hi", "quote \" backslash \\ newline \n tab \t nul \x00 bell \x07 del \x7f",
		"<html> & </html>", "héllo 世界 😀 \u2028\u2029", "bad \xff\xfe utf-8 \xe2\x82", strings.Repeat("long ", 1000)}
	extras := []map[string]any{nil, {}, {"temperature": 0.7, "seed": 7},
		{"model": "other", "messages": []any{map[string]any{"role": "system", "content": "x"}}, "prompt": "p", "stream": false,
			"stream_options": nil, "max_tokens": 1, "min_tokens": 2, "ignore_eos": false, "k\"ey\n": "v"}}
	for _, chat := range []bool{true, false} {
		for _, stream := range []bool{true, false} {
			c := &Client{chat: chat, stream: stream}
			for _, prompt := range prompts {
				for _, extra := range extras {
					for _, n := range []int{0, 16} {
						req := backend.Request{Model: "org/mödel \"x\"", Prompt: prompt, MaxTokens: n, MinTokens: n / 2, IgnoreEOS: n > 0, Extra: extra}
						got, err := c.requestBody(req)
						if err != nil {
							t.Fatal(err)
						}
						want, err := json.Marshal(referenceBody(chat, stream, req))
						if err != nil {
							t.Fatal(err)
						}
						if g, w := decoded(t, got), decoded(t, want); !reflect.DeepEqual(g, w) {
							t.Errorf("chat %v stream %v:\n got %s\nwant %s", chat, stream, got, want)
						}
					}
				}
			}
		}
	}
}

func TestRequestBodyAllocations(t *testing.T) {
	c := &Client{chat: true, stream: true}
	req := backend.Request{Model: "m", Prompt: "Explain \"why\".\n", MaxTokens: 16}
	if n := testing.AllocsPerRun(100, func() { _, _ = c.requestBody(req) }); n != 1 {
		t.Errorf("%v allocations for a body without Extra; want 1, the body", n)
	}
}

// FuzzAppendString: any Go string is encoded as valid JSON that decodes
// to what encoding/json's own encoding decodes to.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "\"\\\n\r\t\x00\x1f", "é世😀", "\xff", "\xe2\x82", "\u2028<>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString(nil, s)
		if !json.Valid(got) {
			t.Fatalf("%q encodes as invalid JSON %s", s, got)
		}
		want, _ := json.Marshal(s)
		if g, w := decoded(t, got), decoded(t, want); g != w {
			t.Fatalf("%q decodes as %q, want %q", s, g, w)
		}
	})
}

func BenchmarkRequestBody(b *testing.B) {
	c := &Client{chat: true, stream: true}
	req := backend.Request{Model: "meta-llama/Llama-3.1-8B-Instruct", Prompt: strings.Repeat("Explain why the sky is blue.\n", 16), MaxTokens: 16}
	b.Run("hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = c.requestBody(req)
		}
	})
	b.Run("map", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(referenceBody(true, true, req))
		}
	})
}
