package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// chatStreamResult is what a strict reading of a chat stream found.
type chatStreamResult struct {
	tokens []string // content of each token chunk
	finish string
	usage  map[string]any // nil without include_usage
}

// checkChatStream verifies the event sequence vLLM sends: a role chunk, one
// chunk per token with the finish reason on the last only, an optional
// usage chunk with no choices, then [DONE].
func checkChatStream(t *testing.T, events []string, model string, wantUsage bool) chatStreamResult {
	t.Helper()
	if len(events) < 3 || events[len(events)-1] != "[DONE]" {
		t.Fatalf("stream %q does not end with [DONE] after at least two chunks", events)
	}
	events = events[:len(events)-1]
	var res chatStreamResult
	if wantUsage {
		u := decodeMap(t, events[len(events)-1])
		if c, ok := u["choices"].([]any); !ok || len(c) != 0 {
			t.Errorf("usage chunk choices = %v, want []", u["choices"])
		}
		res.usage, _ = u["usage"].(map[string]any)
		if res.usage == nil {
			t.Fatalf("usage chunk %v has no usage", u)
		}
		events = events[:len(events)-1]
	}

	var id any
	for i, e := range events {
		c := decodeMap(t, e)
		if i == 0 {
			id = c["id"]
		}
		if c["id"] != id || c["object"] != "chat.completion.chunk" || c["model"] != model {
			t.Errorf("chunk %d header = %v %v %v, want id %v, chat.completion.chunk, %s", i, c["id"], c["object"], c["model"], id, model)
		}
		if _, ok := c["created"].(float64); !ok {
			t.Errorf("chunk %d has no created time", i)
		}
		if _, ok := c["usage"]; ok {
			t.Errorf("chunk %d carries usage; vLLM sends it only in the last chunk", i)
		}
		choices := c["choices"].([]any)
		if len(choices) != 1 {
			t.Fatalf("chunk %d has %d choices", i, len(choices))
		}
		choice := choices[0].(map[string]any)
		delta := choice["delta"].(map[string]any)
		finish, hasFinish := choice["finish_reason"]
		if !hasFinish {
			t.Errorf("chunk %d has no finish_reason key", i)
		}
		if i == 0 {
			if !reflect.DeepEqual(delta, map[string]any{"role": "assistant", "content": ""}) || finish != nil {
				t.Fatalf("first chunk = %s, want the assistant role with empty content", e)
			}
			continue
		}
		if _, ok := delta["role"]; ok {
			t.Errorf("token chunk %d repeats the role", i)
		}
		content, ok := delta["content"].(string)
		if !ok {
			t.Fatalf("token chunk %d has no content: %s", i, e)
		}
		res.tokens = append(res.tokens, content)
		last := i == len(events)-1
		switch {
		case last && finish == nil:
			t.Errorf("last token chunk has no finish_reason: %s", e)
		case last:
			res.finish = finish.(string)
		case finish != nil:
			t.Errorf("token chunk %d of %d has finish_reason %v", i, len(events)-1, finish)
		}
	}
	return res
}

func chatBody(prompt string, maxTokens int, extra map[string]any) map[string]any {
	b := map[string]any{
		"model":       "sim-model",
		"messages":    []map[string]any{{"role": "user", "content": prompt}},
		"max_tokens":  maxTokens,
		"temperature": 0.7, // accepted and ignored, like every sampling knob
	}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

func streamChat(t *testing.T, url string, body map[string]any) []string {
	t.Helper()
	resp := post(t, context.Background(), url+"/v1/chat/completions", body)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("Content-Type %q, want text/event-stream", ct)
	}
	return readSSE(t, resp.Body)
}

func TestChatStreamIgnoreEOS(t *testing.T) {
	ts := startTest(t, mustNew(t, fastConfig()))
	events := streamChat(t, ts.URL, chatBody("Hello, world!", 7, map[string]any{
		"ignore_eos": true, "stream": true, "stream_options": map[string]any{"include_usage": true},
	}))
	res := checkChatStream(t, events, "sim-model", true)

	if len(res.tokens) != 7 {
		t.Errorf("%d token chunks, want max_tokens = 7", len(res.tokens))
	}
	for i, tok := range res.tokens {
		if countTokens(tok) != 1 {
			t.Errorf("token chunk %d = %q, want one word", i, tok)
		}
	}
	if res.finish != "length" {
		t.Errorf("finish_reason %q, want length", res.finish)
	}
	// "Hello, world!" is 4 tokens, plus 4 for the message and 3 for the reply.
	want := map[string]any{"prompt_tokens": 11.0, "completion_tokens": 7.0, "total_tokens": 18.0}
	if !reflect.DeepEqual(res.usage, want) {
		t.Errorf("usage = %v, want %v", res.usage, want)
	}
}

func TestChatStreamWithoutUsage(t *testing.T) {
	ts := startTest(t, mustNew(t, fastConfig()))
	events := streamChat(t, ts.URL, chatBody("hi", 3, map[string]any{"ignore_eos": true, "stream": true}))
	res := checkChatStream(t, events, "sim-model", false)
	if len(res.tokens) != 3 {
		t.Errorf("%d token chunks, want 3", len(res.tokens))
	}
}

// TestChatStreamNaturalStop covers both endings without ignore_eos: a
// natural stop ends with an empty end-of-sequence chunk that is counted, a
// cut at max_tokens ends on a word.
func TestChatStreamNaturalStop(t *testing.T) {
	ts := startTest(t, mustNew(t, fastConfig()))
	const maxTokens = 6
	seen := map[string]int{}
	for i := range 24 {
		events := streamChat(t, ts.URL, chatBody(fmt.Sprintf("prompt number %d", i), maxTokens, map[string]any{
			"stream": true, "stream_options": map[string]any{"include_usage": true},
		}))
		res := checkChatStream(t, events, "sim-model", true)
		n := len(res.tokens)
		if got := int(res.usage["completion_tokens"].(float64)); got != n {
			t.Errorf("usage says %d completion tokens, stream has %d token chunks", got, n)
		}
		if n < 1 || n > maxTokens {
			t.Errorf("%d tokens, want 1..%d", n, maxTokens)
		}
		lastEmpty := res.tokens[n-1] == ""
		switch res.finish {
		case "stop":
			if !lastEmpty || n == maxTokens {
				t.Errorf("stop after %d tokens with last chunk %q; want an empty EOS chunk before the cap", n, res.tokens[n-1])
			}
		case "length":
			if lastEmpty || n != maxTokens {
				t.Errorf("length after %d tokens with last chunk %q; want %d words", n, res.tokens[n-1], maxTokens)
			}
		default:
			t.Errorf("finish_reason %q", res.finish)
		}
		seen[res.finish]++
	}
	if seen["stop"] == 0 || seen["length"] == 0 {
		t.Errorf("finish reasons %v: want both stop and length across prompts", seen)
	}
}

func TestChatNonStreaming(t *testing.T) {
	s := mustNew(t, fastConfig())
	ts := startTest(t, s)
	body := chatBody("", 5, map[string]any{"ignore_eos": true, "max_completion_tokens": 9})
	body["messages"] = []map[string]any{
		{"role": "system", "content": "Be brief."},
		{"role": "user", "content": []map[string]any{
			{"type": "text", "text": "What is a joule?"},
			{"type": "image_url", "image_url": map[string]any{"url": "data:,"}},
		}},
	}
	get := func() chatResponse {
		resp := post(t, context.Background(), ts.URL+"/v1/chat/completions", body)
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		var r chatResponse
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := get()
	if r.Object != "chat.completion" || !strings.HasPrefix(r.ID, "chatcmpl-") || r.Model != "sim-model" || len(r.Choices) != 1 {
		t.Fatalf("response header = %+v", r)
	}
	c := r.Choices[0]
	// max_completion_tokens (9) wins over max_tokens (5).
	if got := countTokens(c.Message.Content); got != 9 || c.FinishReason != "length" || c.Message.Role != "assistant" {
		t.Errorf("choice = %+v with %d words, want 9 words, length, assistant", c, got)
	}
	// "Be brief." 3 + "What is a joule?" 5, + 2×4 per message + 3.
	if want := (usageInfo{PromptTokens: 19, CompletionTokens: 9, TotalTokens: 28}); r.Usage != want {
		t.Errorf("usage = %+v, want %+v", r.Usage, want)
	}
	again := get()
	if again.Choices[0].Message.Content != c.Message.Content {
		t.Error("the same request produced different text")
	}
	if again.ID == r.ID {
		t.Error("two responses share an id")
	}
}

func TestChatMinTokens(t *testing.T) {
	ts := startTest(t, mustNew(t, fastConfig()))
	for i := range 15 {
		body := chatBody(fmt.Sprintf("short answer %d", i), 12, map[string]any{"min_tokens": 10})
		resp := post(t, context.Background(), ts.URL+"/v1/chat/completions", body)
		var r chatResponse
		err := json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if n := r.Usage.CompletionTokens; n < 10 || n > 12 {
			t.Errorf("min_tokens 10, max_tokens 12: got %d tokens", n)
		}
	}
}

func TestDefaultModelAndMaxTokens(t *testing.T) {
	ts := startTest(t, mustNew(t, Config{TTFT: -1, ITL: -1, Models: []string{"first", "second"}, DefaultMaxTokens: 4}))
	resp := post(t, context.Background(), ts.URL+"/v1/chat/completions",
		`{"messages":[{"role":"user","content":"hi"}],"ignore_eos":true}`)
	defer resp.Body.Close()
	var r chatResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if r.Model != "first" || r.Usage.CompletionTokens != 4 {
		t.Errorf("model %q with %d tokens, want the first model and DefaultMaxTokens 4", r.Model, r.Usage.CompletionTokens)
	}
}
