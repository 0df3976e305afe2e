package sink

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// fakeMLflow is a loopback MLflow tracking server that checks requests
// against the REST API reference (api/2.0/mlflow, the mlflow-artifacts
// proxy) and MLflow's validation limits, answering errors the way MLflow
// does: {"error_code": …, "message": …}.
type fakeMLflow struct {
	t     *testing.T
	srv   *httptest.Server
	token string // required bearer token; "" for none

	// Failure injection.
	failLogBatch string // error message for runs/log-batch
	artifactURI  string // overrides the run's artifact_uri

	mu          sync.Mutex
	experiments map[string]string // name → id
	runs        map[string]*fakeRun
	artifacts   map[string][]byte // path under /api/2.0/mlflow-artifacts/artifacts/
	calls       []string          // "METHOD path"
	batches     []mlflowBatch
}

type fakeRun struct {
	experimentID, name, status string
	startTime, endTime         int64
	params, tags               map[string]string
	metrics                    []mlflowMetric
}

func newFakeMLflow(t *testing.T) *fakeMLflow {
	f := &fakeMLflow{t: t, experiments: map[string]string{}, runs: map[string]*fakeRun{}, artifacts: map[string][]byte{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeMLflow) fail(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error_code": code, "message": msg})
}

// decode reads a request body strictly: unknown fields and wrong JSON
// types (a float timestamp, a numeric experiment_id) are errors.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

var mlflowKeyRE = regexp.MustCompile(`^[A-Za-z0-9_\-. /]{1,250}$`)

func (f *fakeMLflow) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r.Method+" "+r.URL.Path)
	if f.token != "" && r.Header.Get("Authorization") != "Bearer "+f.token {
		f.fail(w, http.StatusUnauthorized, "UNAUTHENTICATED", "You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html")
		return
	}
	const api = "/api/2.0/mlflow/"
	switch {
	case r.Method == http.MethodGet && r.URL.Path == api+"experiments/get-by-name":
		name := r.URL.Query().Get("experiment_name")
		id, ok := f.experiments[name]
		if !ok {
			f.fail(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", fmt.Sprintf("Could not find experiment with name '%s'", name))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"experiment": map[string]any{"experiment_id": id, "name": name, "lifecycle_stage": "active"}})
	case r.Method == http.MethodPost && r.URL.Path == api+"experiments/create":
		var in struct {
			Name string `json:"name"`
		}
		if err := decode(r, &in); err != nil || in.Name == "" {
			f.fail(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", fmt.Sprintf("bad experiments/create: %v", err))
			return
		}
		id := fmt.Sprint(len(f.experiments) + 1)
		f.experiments[in.Name] = id
		_ = json.NewEncoder(w).Encode(map[string]string{"experiment_id": id})
	case r.Method == http.MethodPost && r.URL.Path == api+"runs/create":
		var in struct {
			ExperimentID string     `json:"experiment_id"`
			RunName      string     `json:"run_name"`
			StartTime    int64      `json:"start_time"`
			Tags         []mlflowKV `json:"tags"`
		}
		if err := decode(r, &in); err != nil || in.ExperimentID == "" {
			f.fail(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", fmt.Sprintf("bad runs/create: %v", err))
			return
		}
		id := fmt.Sprintf("run%d", len(f.runs)+1)
		run := &fakeRun{experimentID: in.ExperimentID, name: in.RunName, status: "RUNNING", startTime: in.StartTime, params: map[string]string{}, tags: map[string]string{}}
		for _, t := range in.Tags {
			run.tags[t.Key] = t.Value
		}
		f.runs[id] = run
		uri := f.artifactURI
		if uri == "" {
			uri = fmt.Sprintf("mlflow-artifacts:/%s/%s/artifacts", in.ExperimentID, id)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"run": map[string]any{
			"info": map[string]any{"run_id": id, "run_uuid": id, "experiment_id": in.ExperimentID, "run_name": in.RunName,
				"status": "RUNNING", "start_time": in.StartTime, "artifact_uri": uri, "lifecycle_stage": "active"},
			"data": map[string]any{}}})
	case r.Method == http.MethodPost && r.URL.Path == api+"runs/log-batch":
		f.logBatch(w, r)
	case r.Method == http.MethodPost && r.URL.Path == api+"runs/update":
		var in struct {
			RunID   string `json:"run_id"`
			Status  string `json:"status"`
			EndTime int64  `json:"end_time"`
		}
		run, ok := (*fakeRun)(nil), false
		if err := decode(r, &in); err == nil {
			run, ok = f.runs[in.RunID]
		}
		if !ok || !strings.Contains(" RUNNING SCHEDULED FINISHED FAILED KILLED ", " "+in.Status+" ") {
			f.fail(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", "bad runs/update")
			return
		}
		run.status, run.endTime = in.Status, in.EndTime
		_ = json.NewEncoder(w).Encode(map[string]any{"run_info": map[string]any{"run_id": in.RunID, "status": in.Status}})
	case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/api/2.0/mlflow-artifacts/artifacts/"):
		b, _ := io.ReadAll(r.Body)
		f.artifacts[strings.TrimPrefix(r.URL.Path, "/api/2.0/mlflow-artifacts/artifacts/")] = b
		_, _ = io.WriteString(w, "{}")
	default:
		f.fail(w, http.StatusNotFound, "ENDPOINT_NOT_FOUND", "No API endpoint found for "+r.Method+" "+r.URL.Path)
	}
}

// logBatch enforces MLflow's LogBatch validation.
func (f *fakeMLflow) logBatch(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	bad := func(format string, args ...any) {
		f.fail(w, http.StatusBadRequest, "INVALID_PARAMETER_VALUE", fmt.Sprintf(format, args...))
	}
	if len(body) > 1_000_000 {
		bad("Batched logging API requests must be at most 1 MB in size, got size %d bytes", len(body))
		return
	}
	// Every metric must carry all four fields with the right types.
	var shape struct {
		Metrics []map[string]json.RawMessage `json:"metrics"`
	}
	_ = json.Unmarshal(body, &shape)
	for _, m := range shape.Metrics {
		for _, k := range []string{"key", "value", "timestamp", "step"} {
			if _, ok := m[k]; !ok {
				bad("metric %s lacks %q", m["key"], k)
				return
			}
		}
	}
	var in mlflowBatch
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		bad("malformed log-batch: %v", err)
		return
	}
	run, ok := f.runs[in.RunID]
	switch {
	case !ok:
		f.fail(w, http.StatusNotFound, "RESOURCE_DOES_NOT_EXIST", "Run '"+in.RunID+"' not found")
		return
	case len(in.Metrics) > 1000:
		bad("A batch logging request can contain at most 1000 metrics. Got %d metrics.", len(in.Metrics))
		return
	case len(in.Params) > 100:
		bad("A batch logging request can contain at most 100 params. Got %d params.", len(in.Params))
		return
	case len(in.Tags) > 100:
		bad("A batch logging request can contain at most 100 tags. Got %d tags.", len(in.Tags))
		return
	case len(in.Metrics)+len(in.Params)+len(in.Tags) > 1000:
		bad("A batch logging request can contain at most 1000 metrics/params/tags in total.")
		return
	case f.failLogBatch != "":
		bad("%s", f.failLogBatch)
		return
	}
	for _, kv := range append(append([]mlflowKV(nil), in.Params...), in.Tags...) {
		if !mlflowKeyRE.MatchString(kv.Key) {
			bad("Invalid value %q for parameter 'key' supplied", kv.Key)
			return
		}
	}
	for _, p := range in.Params {
		if len(p.Value) > 6000 {
			bad("Param value '%s…' had length %d, which exceeded length limit of 6000", p.Value[:20], len(p.Value))
			return
		}
		if old, ok := run.params[p.Key]; ok && old != p.Value {
			bad("Changing param values is not allowed. Param with key='%s' was already logged", p.Key)
			return
		}
		run.params[p.Key] = p.Value
	}
	for _, t := range in.Tags {
		run.tags[t.Key] = t.Value
	}
	for _, m := range in.Metrics {
		if !mlflowKeyRE.MatchString(m.Key) {
			bad("Invalid metric name: %q", m.Key)
			return
		}
	}
	run.metrics = append(run.metrics, in.Metrics...)
	f.batches = append(f.batches, in)
	_, _ = io.WriteString(w, "{}")
}
