package sim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestRequestErrors(t *testing.T) {
	ts := startTest(t, mustNew(t, Config{TTFT: -1, ITL: -1, MaxModelLen: 100}))
	const chat, completions = "/v1/chat/completions", "/v1/completions"
	tests := []struct {
		name   string
		path   string
		body   string
		status int
		param  any // nil or "model"
		msg    string
	}{
		{"unknown model", chat, `{"model":"x","messages":[{"role":"user","content":"hi"}]}`,
			404, "model", "The model `x` does not exist."},
		{"unknown model completions", completions, `{"model":"gpt-4","prompt":"hi"}`,
			404, "model", "The model `gpt-4` does not exist."},
		{"bad JSON", chat, `{"messages":`, 400, nil, "Invalid JSON body"},
		{"trailing data", completions, `{"prompt":"hi"} {}`, 400, nil, "unexpected data after"},
		{"wrong type", completions, `{"prompt":"hi","max_tokens":"ten"}`, 400, nil, "Invalid JSON body"},
		{"no messages", chat, `{"messages":[]}`, 400, nil, "at least one message"},
		{"no role", chat, `{"messages":[{"content":"hi"}]}`, 400, nil, "messages[0].role is required"},
		{"bad content", chat, `{"messages":[{"role":"user","content":7}]}`, 400, nil, "messages[0].content"},
		{"no prompt", completions, `{"max_tokens":3}`, 400, nil, "prompt is required"},
		{"empty prompt", completions, `{"prompt":"  "}`, 400, nil, "prompt cannot be empty"},
		{"batched prompts", completions, `{"prompt":["a","b"]}`, 400, nil, "one prompt per request, got a batch of 2"},
		{"bad prompt", completions, `{"prompt":{"text":"a"}}`, 400, nil, "prompt must be"},
		{"zero max_tokens", completions, `{"prompt":"hi","max_tokens":0}`, 400, nil, "max_tokens must be at least 1, got 0."},
		{"negative min_tokens", completions, `{"prompt":"hi","min_tokens":-1}`, 400, nil, "min_tokens must be greater than or equal to 0"},
		{"min above max", completions, `{"prompt":"hi","max_tokens":3,"min_tokens":4}`, 400, nil,
			"min_tokens must be less than or equal to max_tokens=3, got 4."},
		{"context exceeded", completions, `{"prompt":"hi there","max_tokens":99}`, 400, nil,
			"maximum context length is 100 tokens. However, you requested 101 tokens (2 in the messages, 99 in the completion)"},
		{"prompt too long", completions, `{"prompt":"` + strings.Repeat("w ", 100) + `"}`, 400, nil,
			"your request has 100 input tokens"},
		{"n above 1", chat, `{"messages":[{"role":"user","content":"hi"}],"n":2}`, 400, nil, "n must be 1"},
		{"stream options without stream", chat, `{"messages":[{"role":"user","content":"hi"}],"stream_options":{"include_usage":true}}`,
			400, nil, "Stream options can only be defined when `stream=True`."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := post(t, context.Background(), ts.URL+tt.path, tt.body)
			defer resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			var body struct {
				Error map[string]any `json:"error"`
			}
			raw, _ := io.ReadAll(resp.Body)
			if err := json.Unmarshal(raw, &body); err != nil || body.Error == nil {
				t.Fatalf("body %s is not an OpenAI error: %v", raw, err)
			}
			e := body.Error
			wantType := map[int]string{400: "BadRequestError", 404: "NotFoundError"}[tt.status]
			if e["type"] != wantType || e["code"] != float64(tt.status) || e["param"] != tt.param {
				t.Errorf("error = %v, want type %s, code %d, param %v", e, wantType, tt.status, tt.param)
			}
			if _, ok := e["param"]; !ok {
				t.Error("error has no param key")
			}
			if msg, _ := e["message"].(string); !strings.Contains(msg, tt.msg) {
				t.Errorf("message %q does not contain %q", msg, tt.msg)
			}
		})
	}
}

func TestUnknownModelBodyIsVLLMShape(t *testing.T) {
	ts := startTest(t, mustNew(t, fastConfig()))
	resp := post(t, context.Background(), ts.URL+"/v1/chat/completions",
		`{"model":"x","messages":[{"role":"user","content":"hi"}]}`)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	want := `{"error":{"message":"The model ` + "`x`" + ` does not exist.","type":"NotFoundError","param":"model","code":404}}` + "\n"
	if string(raw) != want {
		t.Errorf("body\n got %s\nwant %s", raw, want)
	}
}

func TestWrongMethod(t *testing.T) {
	ts := startTest(t, mustNew(t, fastConfig()))
	resp, err := http.Get(ts.URL + "/v1/chat/completions")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET on a POST endpoint: status %d, want 405", resp.StatusCode)
	}
}
