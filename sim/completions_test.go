package sim

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestCompletionStream(t *testing.T) {
	ts := startTest(t, mustNew(t, fastConfig()))
	resp := post(t, context.Background(), ts.URL+"/v1/completions", map[string]any{
		"model": "sim-model", "prompt": "The energy of a token is", "max_tokens": 5,
		"ignore_eos": true, "stream": true, "stream_options": map[string]any{"include_usage": true},
	})
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	events := readSSE(t, resp.Body)
	// 5 token chunks, the usage chunk, [DONE]; no role chunk in completions.
	if len(events) != 7 || events[6] != "[DONE]" {
		t.Fatalf("events = %q, want 5 tokens, usage, [DONE]", events)
	}
	var id any
	for i, e := range events[:5] {
		c := decodeMap(t, e)
		if i == 0 {
			id = c["id"]
			if !strings.HasPrefix(id.(string), "cmpl-") {
				t.Errorf("id %v, want a cmpl- prefix", id)
			}
		}
		if c["id"] != id || c["object"] != "text_completion" || c["model"] != "sim-model" {
			t.Errorf("chunk %d header: %s", i, e)
		}
		// vLLM dumps completions chunks with every field, usage null included.
		if u, ok := c["usage"]; !ok || u != nil {
			t.Errorf("chunk %d usage = %v (present %v), want null", i, u, ok)
		}
		choice := c["choices"].([]any)[0].(map[string]any)
		if countTokens(choice["text"].(string)) != 1 {
			t.Errorf("chunk %d text %q, want one word", i, choice["text"])
		}
		wantFinish := any(nil)
		if i == 4 {
			wantFinish = "length"
		}
		if choice["finish_reason"] != wantFinish {
			t.Errorf("chunk %d finish_reason %v, want %v", i, choice["finish_reason"], wantFinish)
		}
	}
	u := decodeMap(t, events[5])
	if c, ok := u["choices"].([]any); !ok || len(c) != 0 {
		t.Errorf("usage chunk choices = %v, want []", u["choices"])
	}
	// "The energy of a token is" is 6 tokens.
	want := map[string]any{"prompt_tokens": 6.0, "completion_tokens": 5.0, "total_tokens": 11.0}
	if !reflect.DeepEqual(u["usage"], want) {
		t.Errorf("usage = %v, want %v", u["usage"], want)
	}
}

func TestCompletionNonStreaming(t *testing.T) {
	ts := startTest(t, mustNew(t, fastConfig()))
	tests := []struct {
		name         string
		prompt       any
		promptTokens int
	}{
		{"string", "one two three", 3},
		{"list of one string", []string{"one, two"}, 3},
		{"token ids", []int{101, 2023, 2003, 102}, 4},
		{"list of token id lists", [][]int{{1, 2}}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := post(t, context.Background(), ts.URL+"/v1/completions", map[string]any{
				"prompt": tt.prompt, "max_tokens": 4, "ignore_eos": true,
			})
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			var r completionResponse
			if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
				t.Fatal(err)
			}
			if r.Object != "text_completion" || len(r.Choices) != 1 {
				t.Fatalf("response %+v", r)
			}
			if got := countTokens(r.Choices[0].Text); got != 4 {
				t.Errorf("text %q has %d words, want 4", r.Choices[0].Text, got)
			}
			if f := r.Choices[0].FinishReason; f == nil || *f != "length" {
				t.Errorf("finish_reason %v, want length", f)
			}
			if want := (usageInfo{PromptTokens: tt.promptTokens, CompletionTokens: 4, TotalTokens: tt.promptTokens + 4}); r.Usage != want {
				t.Errorf("usage %+v, want %+v", r.Usage, want)
			}
		})
	}
}
