package openai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// referenceChunk decodes data the way the client did before the scanner:
// encoding/json into the whole payload struct.
func referenceChunk(data []byte) (chunk, error) {
	var p payload
	if err := json.Unmarshal(data, &p); err != nil {
		return chunk{}, err
	}
	return p.chunk(), nil
}

// sameChunk compares chunks field by field; a raw field compares by its
// bytes, nil being empty.
func sameChunk(a, b chunk) bool {
	return a.chars == b.chars && a.finish == b.finish && a.choices == b.choices && a.usage == b.usage &&
		bytes.Equal(a.errorField, b.errorField) && a.errorObject == b.errorObject && bytes.Equal(a.message, b.message)
}

// checkAgainstReference fails t unless decodeChunk agrees with the
// reference on data, and returns whether the scanner read it alone.
func checkAgainstReference(t *testing.T, data []byte) (fast bool) {
	t.Helper()
	got, err := decodeChunk(data)
	want, wantErr := referenceChunk(data)
	if (err != nil) != (wantErr != nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("%q: error %v, reference %v", data, err, wantErr)
	}
	if !sameChunk(got, want) {
		t.Fatalf("%q:\n got %+v\nwant %+v", data, got, want)
	}
	var c chunk
	s := scanner{data: data}
	if !s.payload(&c) {
		return false
	}
	if wantErr != nil || !sameChunk(c, want) {
		t.Fatalf("%q: the scanner read %+v, the reference %+v (%v)", data, c, want, wantErr)
	}
	return true
}

// TestDecodeChunkOddJSON: valid JSON that no server is known to send
// but any may, decoded as encoding/json decodes it. fast says whether the
// scanner reads it alone (the rest is left to encoding/json, by design).
func TestDecodeChunkOddJSON(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		fast  bool
		chars int
	}{
		{"vLLM chunk", `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"The"},"logprobs":null,"finish_reason":null}]}`, true, 3},
		{"keys reordered, finish first", `{"choices":[{"finish_reason":"stop","delta":{"content":"ab"},"index":0}],"model":"m"}`, true, 2},
		{"whitespace everywhere", " \t\r\n{ \"choices\" : [ { \"text\" : \"abc\" , \"finish_reason\" : null } ] , \"usage\" : null }\n", true, 3},
		{"escapes in text", `{"choices":[{"delta":{"content":"a\"b\\c\/d\b\f\n\r\t"}}]}`, true, 12},
		{"unicode escape", `{"choices":[{"text":"caf\u00e9 \u4e16"}]}`, true, 6},
		{"surrogate pair is one character", `{"choices":[{"text":"\ud83d\ude00!"}]}`, true, 2},
		{"lone high surrogate", `{"choices":[{"text":"\ud83dx"}]}`, true, 2},
		{"high surrogate then a non-surrogate escape", `{"choices":[{"text":"\ud83d\u0041"}]}`, true, 2},
		{"lone low surrogate", `{"choices":[{"text":"\ude00"}]}`, true, 1},
		{"raw UTF-8", `{"choices":[{"delta":{"content":"héllo wörld 世界 😀"}}]}`, true, 16},
		{"invalid UTF-8 bytes", "{\"choices\":[{\"text\":\"a\xff\xfeb\xe2\x82\"}]}", true, 6},
		{"null text fields", `{"choices":[{"text":null,"delta":{"content":null,"reasoning_content":null,"reasoning":null},"message":null,"finish_reason":null}]}`, true, 0},
		{"reasoning and content", `{"choices":[{"delta":{"reasoning_content":"think","reasoning":"more","content":"yes"}}]}`, true, 12},
		{"several choices, last finish wins", `{"choices":[{"text":"a","finish_reason":"length"},null,{"text":"bc","finish_reason":"stop"},{"text":"","finish_reason":""}]}`, true, 3},
		{"empty choices array", `{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":0,"total_tokens":3}}`, true, 0},
		{"usage with details", `{"choices":[],"usage":{"completion_tokens_details":{"reasoning_tokens":7,"x":[1,2]},"completion_tokens":9,"prompt_tokens":-1}}`, true, 0},
		{"usage with null counts", `{"usage":{"prompt_tokens":null,"completion_tokens":5,"completion_tokens_details":null}}`, true, 0},
		{"usage total only", `{"usage":{"total_tokens":5}}`, true, 0},
		{"largest int", `{"usage":{"completion_tokens":9223372036854775807,"prompt_tokens":-9223372036854775808}}`, true, 0},
		{"numbers of every form elsewhere", `{"created":-0.5e+10,"a":[0,-0,1.25,3E2,1e-3],"choices":[]}`, true, 0},
		{"nested unknown values", `{"logprobs":{"content":[{"token":"\u00e9","top":[{"a":true,"b":false,"c":null}]}]},"choices":[]}`, true, 0},
		{"error object", `{"error":{"message":"CUDA out of memory","code":500}}`, true, 0},
		{"error string", `{"error":"boom"}`, true, 0},
		{"error null", `{"error":null,"choices":[]}`, true, 0},
		{"older vLLM error", `{"object":"error","message":"bad request","code":400}`, true, 0},

		// Left to encoding/json.
		{"top-level null", `null`, false, 0},
		{"escaped name", `{"\u0063hoices":[{"text":"ab"}]}`, false, 2},
		{"case-folded name", `{"Choices":[{"Text":"ab"}]}`, false, 2},
		{"Kelvin sign folds to k", `{"usage":{"completion_to` + "\u212a" + `ens":4}}`, false, 0},
		{"repeated object merges", `{"choices":[{"delta":{"content":"a"},"delta":{"reasoning":"bc"}}]}`, false, 3},
		{"repeated text, last wins", `{"choices":[{"text":"abc","text":"d"}]}`, false, 1},
		{"repeated usage merges", `{"usage":{"prompt_tokens":1},"usage":{"completion_tokens":2}}`, false, 0},
		{"escaped finish reason", `{"choices":[{"finish_reason":"st\u006fp"}]}`, false, 0},
		{"escaped object", `{"object":"err\u006fr","message":"m"}`, false, 0},
		{"escaped message", `{"object":"error","message":"line\nbreak"}`, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fast := checkAgainstReference(t, []byte(tt.data))
			if fast != tt.fast {
				t.Errorf("read by the scanner alone: %v, want %v", fast, tt.fast)
			}
			c, _ := decodeChunk([]byte(tt.data))
			if c.chars != tt.chars {
				t.Errorf("chars %d, want %d", c.chars, tt.chars)
			}
		})
	}
}

// TestDecodeChunkRejects: what encoding/json rejects is rejected, with
// its message, and the scanner never accepts it.
func TestDecodeChunkRejects(t *testing.T) {
	for _, data := range []string{
		``, `{`, `{"choices":[{"delta":{"content":"x"}`, `{"choices":[]}x`, `{"choices":[],}`, `{"a":01}`, `{"a":1.}`, `{"a":-}`,
		`{"a":"\x"}`, `{"a":"\u12"}`, "{\"a\":\"tab\there\"}", `{"a":tru}`, `{'a':1}`, `[]`, `"text"`, `42`,
		`{"choices":{}}`, `{"choices":["x"]}`, `{"choices":[{"text":5}]}`, `{"choices":[{"delta":"x"}]}`,
		`{"choices":[{"finish_reason":1}]}`, `{"usage":[]}`, `{"usage":{"prompt_tokens":1.5}}`, `{"usage":{"prompt_tokens":1e2}}`,
		`{"usage":{"prompt_tokens":"5"}}`, `{"usage":{"prompt_tokens":9223372036854775808}}`, `{"object":1}`, `{"message":[]}`,
		strings.Repeat("[", 100000) + strings.Repeat("]", 100000),
	} {
		t.Run(fmt.Sprintf("%.40q", data), func(t *testing.T) {
			if _, err := decodeChunk([]byte(data)); err == nil {
				t.Errorf("accepted %q", data)
			}
			checkAgainstReference(t, []byte(data))
		})
	}
}

// TestDecodeChunkTestdata: every chunk of the recorded streams is read by
// the scanner alone, as the reference reads it.
func TestDecodeChunkTestdata(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.sse")
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		events, _ := readAllEvents(t, bytes.NewReader(raw))
		for _, ev := range events {
			data := []byte(strings.TrimSpace(ev[strings.IndexByte(ev, '|')+1:]))
			if len(data) == 0 || string(data) == "[DONE]" {
				continue
			}
			if !checkAgainstReference(t, data) {
				t.Errorf("%s: the scanner left %s to encoding/json", file, data)
			}
		}
	}
}

func TestDecodeChunkAllocations(t *testing.T) {
	data := []byte(`{"id":"chatcmpl-4b1f","object":"chat.completion.chunk","created":1732312345,"model":"m","choices":[{"index":0,"delta":{"content":" sky"},"logprobs":null,"finish_reason":"length"}],"usage":{"prompt_tokens":128,"completion_tokens":16,"completion_tokens_details":{"reasoning_tokens":0}}}`)
	if n := testing.AllocsPerRun(100, func() { _, _ = decodeChunk(data) }); n != 0 {
		t.Errorf("%v allocations per chunk; want none", n)
	}
}

// FuzzDecodeChunk holds the scanner to encoding/json: on any input,
// decodeChunk gives what decoding the payload struct gives, error
// included.
func FuzzDecodeChunk(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.sse")
	for _, file := range files {
		raw, _ := os.ReadFile(file)
		for line := range strings.SplitSeq(string(raw), "\n") {
			if data, ok := strings.CutPrefix(line, "data:"); ok {
				f.Add([]byte(strings.TrimSpace(data)))
			}
		}
	}
	f.Add([]byte(`{"choices":[{"text":"\ud83d\ude00","finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAgainstReference(t, data)
	})
}

// BenchmarkDecodeChunk compares the scanner with encoding/json on a
// vLLM token chunk.
func BenchmarkDecodeChunk(b *testing.B) {
	data := []byte(`{"id":"chatcmpl-4b1f0d6c2e9a4f7d8a3c5e1b2d7f9a01","object":"chat.completion.chunk","created":1732312345,"model":"meta-llama/Llama-3.1-8B-Instruct","choices":[{"index":0,"delta":{"content":" appears"},"logprobs":null,"finish_reason":null}]}`)
	for _, impl := range []struct {
		name   string
		decode func([]byte) (chunk, error)
	}{{"scanner", decodeChunk}, {"encoding-json", referenceChunk}} {
		b.Run(impl.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if c, err := impl.decode(data); err != nil || c.chars != 8 {
					b.Fatal(c, err)
				}
			}
		})
	}
}
