package openai

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"

	"github.com/aienergy/aienergy/backend/backendtest"
)

// modelsServer answers GET /v1/models with status and body.
func modelsServer(t *testing.T, status int, body string, rec *backendtest.Recorder) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rec != nil {
			rec.Add(t, r)
		}
		if r.URL.Path != "/v1/models" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

const vllmModels = `{"object":"list","data":[` +
	`{"id":"meta-llama/Llama-3.1-8B-Instruct","object":"model","created":1732312345,"owned_by":"vllm","root":"meta-llama/Llama-3.1-8B-Instruct","parent":null,"max_model_len":8192},` +
	`{"id":"lora-a","object":"model","created":1732312345,"owned_by":"vllm","root":"lora-a","parent":"meta-llama/Llama-3.1-8B-Instruct"}]}`

func TestCheckServed(t *testing.T) {
	var got backendtest.Recorder
	srv := modelsServer(t, 200, vllmModels, &got)
	c := newTestClient(t, srv.URL, Options{APIKey: backendtest.Key}) // root URL: /v1 is added
	for _, model := range []string{"meta-llama/Llama-3.1-8B-Instruct", "lora-a", ""} {
		if err := c.Check(context.Background(), model); err != nil {
			t.Errorf("Check(%q): %v", model, err)
		}
	}
	req := got.Last(t)
	if req.Method != http.MethodGet || req.Path != "/v1/models" {
		t.Errorf("request %s %s, want GET /v1/models", req.Method, req.Path)
	}
	if a := req.Header.Get("Authorization"); a != "Bearer "+backendtest.Key {
		t.Errorf("Authorization %q", a)
	}
}

func TestCheckErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		key    string
		model  string
		want   string // the whole message, with URL standing for the base URL
		substr bool   // want is only a substring
	}{
		{name: "model not served", status: 200, body: vllmModels, model: "Qwen/Qwen2.5-7B",
			want: `model "Qwen/Qwen2.5-7B" is not served by URL; served: lora-a, meta-llama/Llama-3.1-8B-Instruct`},
		{name: "empty list", status: 200, body: `{"object":"list","data":[]}`, model: "m",
			want: `model "m" is not served by URL; served: (none)`},
		{name: "missing key", status: 401, body: `{"error":"Unauthorized"}`, model: "m",
			want: "needs an API key and none is set", substr: true},
		{name: "wrong key", status: 401, body: `{"error":{"message":"bad key ` + backendtest.Key + `"}}`, key: backendtest.Key, model: "m",
			want: "the API key is wrong", substr: true},
		{name: "forbidden", status: 403, body: ``, key: backendtest.Key, model: "m",
			want: "HTTP 403", substr: true},
		{name: "not a model list", status: 200, body: `<html>hello</html>`, model: "m",
			want: "not an OpenAI model list", substr: true},
		{name: "server error", status: 500, body: `{"error":{"message":"engine is dead"}}`, model: "m",
			want: "answered HTTP 500 Internal Server Error to GET /models: engine is dead", substr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := modelsServer(t, tt.status, tt.body, nil)
			base := srv.URL + "/v1"
			c := newTestClient(t, base, Options{APIKey: tt.key})
			err := c.Check(context.Background(), tt.model)
			if err == nil {
				t.Fatal("Check passed")
			}
			msg := err.Error()
			want := strings.ReplaceAll(tt.want, "URL", base)
			if tt.substr && !strings.Contains(msg, want) || !tt.substr && msg != want {
				t.Errorf("got  %q\nwant %q", msg, want)
			}
			if strings.Contains(msg, backendtest.Key) {
				t.Errorf("error leaks the API key: %q", msg)
			}
		})
	}
}

func TestCheckWrongBasePath(t *testing.T) {
	srv := modelsServer(t, 200, vllmModels, nil)
	c := newTestClient(t, srv.URL+"/api", Options{})
	err := c.Check(context.Background(), "m")
	if err == nil || !strings.Contains(err.Error(), "HTTP 404") || !strings.Contains(err.Error(), "/v1") {
		t.Fatalf("got %v, want a 404 hint about /v1", err)
	}
}

func TestCheckUnreachable(t *testing.T) {
	addr := backendtest.ClosedAddr(t)
	c := newTestClient(t, "http://"+addr+"/v1", Options{APIKey: backendtest.Key})
	err := c.Check(context.Background(), "m")
	want := fmt.Sprintf("cannot reach model server at http://%s/v1: connection refused — is it running? (start one with: aienergy sim --addr %s)", addr, addr)
	if err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("cause is not ECONNREFUSED: %#v", err)
	}
}

func TestCheckCanceled(t *testing.T) {
	srv := modelsServer(t, 200, vllmModels, nil)
	c := newTestClient(t, srv.URL+"/v1", Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Check(ctx, "m"); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}
