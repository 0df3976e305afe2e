package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// A KServe v2 server for a batch-4 image model: every inference request
// carries 4 items, so a run of 6 measured requests reports 24 items, and
// the summary gives requests and items but no tokens.
func TestRunKServeBackendCountsItems(t *testing.T) {
	var infers atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/health/ready", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("GET /v2/models/resnet/ready", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("GET /v2/models/resnet", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, `{"name":"resnet","versions":["1"],"platform":"onnxruntime_onnx","inputs":[{"name":"x","datatype":"UINT8","shape":[-1,3,8,8]}],"outputs":[{"name":"y","datatype":"FP32","shape":[-1,10]}]}`)
	})
	mux.HandleFunc("POST /v2/models/resnet/infer", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     string `json:"id"`
			Inputs []struct {
				Shape []int `json:"shape"`
			} `json:"inputs"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Inputs) != 1 || req.Inputs[0].Shape[0] != 4 {
			http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
			return
		}
		infers.Add(1)
		fmt.Fprintf(w, `{"id":%q,"model_name":"resnet","outputs":[{"name":"y","datatype":"FP32","shape":[4,10],"data":[%s0]}]}`, req.ID, strings.Repeat("0.1,", 39))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	cfg := filepath.Join(t.TempDir(), "k.yaml")
	os.WriteFile(cfg, []byte("backend: {type: kserve, model: resnet, endpoint: "+srv.URL+", batch_size: 4}\n"+
		"scenario: {num_samples: 6}\nphases: {idle_before: 0s, warmup_requests: 1, idle_after: 0s}\n"), 0o644)
	dir := filepath.Join(t.TempDir(), "k")
	stdout, stderr, code := runCLI(t, "run", cfg, "--output", dir)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if n := infers.Load(); n != 7 {
		t.Errorf("server saw %d inferences, want 1 warmup + 6", n)
	}
	var sum struct {
		Models []struct {
			Completed    int `json:"completed"`
			Items        int `json:"items"`
			OutputTokens int `json:"output_tokens"`
		} `json:"models"`
	}
	data, _ := os.ReadFile(filepath.Join(dir, "summary.json"))
	json.Unmarshal(data, &sum)
	if m := sum.Models[0]; m.Completed != 6 || m.Items != 24 || m.OutputTokens != 0 {
		t.Errorf("model = %+v, want 6 requests of 4 items and no tokens", m)
	}
	if !strings.Contains(stdout, "items") {
		t.Errorf("summary table does not show items:\n%s", stdout)
	}
}

// Ollama's native API (the first seed's server): tokens come from the
// final object's eval counts (3 for one chunk "Hello there"), not from
// chunks.
func TestRunOllamaBackend(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/tags", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, `{"models":[{"name":"llama3.2:latest","model":"llama3.2:latest"}]}`)
	})
	mux.HandleFunc("POST /api/chat", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		io.WriteString(w, `{"model":"llama3.2","message":{"role":"assistant","content":"Hello there"},"done":false}`+"\n")
		io.WriteString(w, `{"model":"llama3.2","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"prompt_eval_count":26,"eval_count":3}`+"\n")
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "o.yaml")
	os.WriteFile(cfg, []byte("backend: {type: ollama, model: llama3.2, endpoint: "+srv.URL+"}\n"+
		"scenario: {num_samples: 3}\nphases: {idle_before: 0s, warmup_requests: 0, idle_after: 0s}\n"), 0o644)
	dir := filepath.Join(t.TempDir(), "o")
	if stdout, stderr, code := runCLI(t, "run", cfg, "--output", dir); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	s := readSummary(t, dir)
	if s.Completed != 3 || s.OutputTokens != 3*3 {
		t.Errorf("completed %d with %d output tokens, want 3 and %d (from eval_count)", s.Completed, s.OutputTokens, 3*3)
	}
}
