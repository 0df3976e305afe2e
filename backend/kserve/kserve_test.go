package kserve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/backend/backendtest"
)

// kserveRequest is an inference request as a server decodes it.
type kserveRequest struct {
	ID     *string `json:"id"`
	Inputs []struct {
		Name     string  `json:"name"`
		Shape    []int64 `json:"shape"`
		Datatype string  `json:"datatype"`
		Data     []any   `json:"data"`
	} `json:"inputs"`
}

// oipServer is a loopback Open Inference Protocol server. It serves the
// models' metadata, checks every inference request against it the way
// the protocol document says (names, datatypes, shapes with -1 free, a
// flat row-major data array of the shape's size, element types) and
// answers with zero-filled outputs of the declared shapes.
type oipServer struct {
	t      *testing.T
	srv    *httptest.Server
	models map[string]kserveMetadata
	raw    map[string][]byte

	mu       sync.Mutex
	paths    []string // "GET /v2/health/ready", ...
	requests []kserveRequest
	bodies   [][]byte
	// infer, when set, answers inference instead of the checks.
	infer func(w http.ResponseWriter, r *http.Request)
}

func newOIPServer(t *testing.T, fixtures ...string) *oipServer {
	s := &oipServer{t: t, models: map[string]kserveMetadata{}, raw: map[string][]byte{}}
	for _, f := range fixtures {
		raw := backendtest.ReadFixture(t, f)
		var m kserveMetadata
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		s.models[m.Name], s.raw[m.Name] = m, raw
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

func (s *oipServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.paths = append(s.paths, r.Method+" "+r.URL.EscapedPath())
	s.mu.Unlock()
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/v2/"), "/")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v2/health/ready":
		w.WriteHeader(http.StatusOK)
		return
	case len(parts) < 2 || parts[0] != "models":
		http.NotFound(w, r)
		return
	}
	name := parts[1]
	meta, ok := s.models[name]
	if !ok {
		// Triton's answer for a model it does not have.
		writeJSON(w, http.StatusBadRequest, fmt.Sprintf(`{"error":"Request for unknown model: '%s' is not found"}`, name))
		return
	}
	rest := parts[2:]
	if len(rest) >= 2 && rest[0] == "versions" {
		rest = rest[2:]
	}
	switch {
	case r.Method == http.MethodGet && len(rest) == 0:
		writeJSON(w, http.StatusOK, string(s.raw[name]))
	case r.Method == http.MethodGet && len(rest) == 1 && rest[0] == "ready":
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodPost && len(rest) == 1 && rest[0] == "infer":
		if s.infer != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
			s.infer(w, r)
			return
		}
		s.answer(w, r, meta, body)
	default:
		http.NotFound(w, r)
	}
}

// answer checks an inference request and answers it.
func (s *oipServer) answer(w http.ResponseWriter, r *http.Request, meta kserveMetadata, body []byte) {
	fail := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		s.t.Errorf("server: %s", msg)
		writeJSON(w, http.StatusBadRequest, `{"error":`+string(mustJSON(msg))+`}`)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		fail("Content-Type %q", ct)
		return
	}
	var req kserveRequest
	if err := json.Unmarshal(body, &req); err != nil {
		fail("body is not JSON: %v", err)
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.bodies = append(s.bodies, body)
	s.mu.Unlock()
	if req.ID == nil {
		fail("no id")
		return
	}
	if len(req.Inputs) != len(meta.Inputs) {
		fail("%d inputs, model has %d", len(req.Inputs), len(meta.Inputs))
		return
	}
	batch := int64(-1)
	for i, in := range req.Inputs {
		want := meta.Inputs[i]
		if in.Name != want.Name || in.Datatype != want.Datatype || len(in.Shape) != len(want.Shape) {
			fail("input %d is %s %s %v, want %s %s %v", i, in.Name, in.Datatype, in.Shape, want.Name, want.Datatype, want.Shape)
			return
		}
		n := int64(1)
		for d, size := range in.Shape {
			if size < 1 || (want.Shape[d] != -1 && size != want.Shape[d]) {
				fail("input %s shape %v does not fit %v", in.Name, in.Shape, want.Shape)
				return
			}
			n *= size
		}
		if want.Shape[0] == -1 {
			batch = in.Shape[0]
		}
		if int64(len(in.Data)) != n {
			fail("input %s has %d elements for shape %v", in.Name, len(in.Data), in.Shape)
			return
		}
		for _, v := range in.Data {
			if err := checkElement(in.Datatype, v); err != nil {
				fail("input %s: %v", in.Name, err)
				return
			}
		}
	}
	outs := make([]string, len(meta.Outputs))
	for i, o := range meta.Outputs {
		shape := append([]int64(nil), o.Shape...)
		n := 1
		for d := range shape {
			if shape[d] == -1 {
				shape[d] = batch
			}
			n *= int(shape[d])
		}
		zero := "0"
		if o.Datatype == "BYTES" {
			zero = `"positive"`
		}
		outs[i] = fmt.Sprintf(`{"name":%q,"datatype":%q,"shape":%s,"data":[%s]}`, o.Name, o.Datatype, mustJSON(shape),
			strings.TrimSuffix(strings.Repeat(zero+",", n), ","))
	}
	writeJSON(w, http.StatusOK, fmt.Sprintf(`{"model_name":%q,"model_version":"1","id":%q,"outputs":[%s]}`,
		meta.Name, *req.ID, strings.Join(outs, ",")))
}

// checkElement checks one decoded JSON element against its datatype.
func checkElement(datatype string, v any) error {
	switch datatype {
	case "BOOL":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%v is not a boolean", v)
		}
	case "BYTES":
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%v is not a string", v)
		}
	case "FP32", "FP64":
		// Synthetic data is in [0, 1); images send 255/255 = 1 too.
		if f, ok := v.(float64); !ok || f < 0 || f > 1 {
			return fmt.Errorf("%v is not a float in [0, 1]", v)
		}
	default:
		f, ok := v.(float64)
		limit := 128.0
		if datatype == "UINT8" {
			limit = 256
		}
		if !ok || f != float64(int64(f)) || f < 0 || f >= limit {
			return fmt.Errorf("%v is not an integer in [0, %v)", v, limit)
		}
	}
	return nil
}

func (s *oipServer) lastRequest(t *testing.T) (kserveRequest, []byte) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) == 0 {
		t.Fatal("server saw no inference request")
	}
	return s.requests[len(s.requests)-1], s.bodies[len(s.bodies)-1]
}

func (s *oipServer) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.paths...)
}

func newTestClient(t *testing.T, baseURL string, opts Options) *Client {
	t.Helper()
	opts.BaseURL = baseURL
	c, err := New(opts)
	return backendtest.Open(t, c, err)
}

func TestKServeInfer(t *testing.T) {
	tests := []struct {
		fixture, model string
		opts           Options
		shapes         [][]int64 // sent, per input
	}{
		{"metadata_resnet50.json", "resnet50", Options{BatchSize: 4}, [][]int64{{4, 3, 224, 224}}},
		{"metadata_resnet50.json", "resnet50", Options{}, [][]int64{{1, 3, 224, 224}}},
		{"metadata_simple.json", "simple", Options{BatchSize: 2, Version: "1"}, [][]int64{{2, 16}, {2, 16}}},
		{"metadata_densenet.json", "densenet_onnx", Options{BatchSize: 1}, [][]int64{{3, 224, 224}}},
		{"metadata_uint8.json", "efficientdet", Options{}, [][]int64{{1, 320, 320, 3}}},
		{"metadata_bert.json", "bert", Options{Shapes: map[string][]int64{
			"input_ids": {2, 128}, "attention_mask": {2, 128}, "token_type_ids": {2, 128}}},
			[][]int64{{2, 128}, {2, 128}, {2, 128}}},
		{"metadata_mlserver_text.json", "sentiment", Options{BatchSize: 3}, [][]int64{{3}}},
		{"metadata_mixed.json", "mixed", Options{BatchSize: 5}, [][]int64{{5, 4}, {5, 2}, {5, 1}}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%v", tt.model, tt.shapes[0]), func(t *testing.T) {
			s := newOIPServer(t, tt.fixture)
			c := newTestClient(t, s.srv.URL, tt.opts)
			if err := c.Check(context.Background(), tt.model); err != nil {
				t.Fatalf("Check: %v", err)
			}
			rec := c.Do(context.Background(), backend.Request{ID: 7, Model: tt.model, Prompt: "great film"})
			if !rec.OK() {
				t.Fatalf("failed: %s: %s", rec.ErrorClass, rec.Error)
			}
			backendtest.CheckRecordTimes(t, rec)
			if !rec.FirstToken.IsZero() || len(rec.Chunks) != 0 || rec.Streamed {
				t.Errorf("FirstToken %v, %d chunks, streamed %v; want none of them: an answer that is not streamed shows no token times", rec.FirstToken, len(rec.Chunks), rec.Streamed)
			}
			if rec.InputTokens != 0 || rec.OutputTokens != 0 || rec.TokensEstimated || rec.ID != 7 || rec.Model != tt.model {
				t.Errorf("record %+v", rec)
			}
			if want := max(tt.opts.BatchSize, 1); rec.Items != want {
				t.Errorf("items = %d, want the batch size %d", rec.Items, want)
			}
			req, _ := s.lastRequest(t)
			if req.ID == nil || *req.ID != "7" {
				t.Errorf("id %v, want \"7\"", req.ID)
			}
			for i, in := range req.Inputs {
				if !reflect.DeepEqual(in.Shape, tt.shapes[i]) {
					t.Errorf("input %s shape %v, want %v", in.Name, in.Shape, tt.shapes[i])
				}
				if in.Datatype == "BYTES" {
					for _, v := range in.Data {
						if v != "great film" {
							t.Errorf("BYTES element %v, want the prompt", v)
						}
					}
				}
			}
			infer := fmt.Sprintf("POST /v2/models/%s/infer", tt.model)
			if tt.opts.Version != "" {
				infer = fmt.Sprintf("POST /v2/models/%s/versions/%s/infer", tt.model, tt.opts.Version)
			}
			if paths := s.seen(); paths[len(paths)-1] != infer {
				t.Errorf("last request %q, want %q", paths[len(paths)-1], infer)
			}
		})
	}
}

// The request body is the protocol's JSON: checked here as text too, for
// field names and the flat data array.
func TestKServeRequestBody(t *testing.T) {
	s := newOIPServer(t, "metadata_simple.json")
	c := newTestClient(t, s.srv.URL, Options{Seed: 3, APIKey: backendtest.Key, Headers: map[string]string{"Host": "simple.default.example.com"}})
	var got backendtest.Recorder
	s.infer = func(w http.ResponseWriter, r *http.Request) {
		if r.Host != "simple.default.example.com" {
			t.Errorf("Host %q, want the configured one", r.Host)
		}
		got.Add(t, r)
		writeJSON(w, 200, string(backendtest.ReadFixture(t, "infer_response_spec.json")))
	}
	rec := c.Do(context.Background(), backend.Request{ID: 42, Model: "simple"})
	if !rec.OK() {
		t.Fatalf("failed: %s: %s", rec.ErrorClass, rec.Error)
	}
	req := got.Last(t)
	if fmt.Sprint(req.Header["Authorization"]) != "[Bearer "+backendtest.Key+"]" || req.Header.Get("Accept") != "application/json" {
		t.Errorf("headers %v", req.Header)
	}
	keys := func(m map[string]any) []string {
		var k []string
		for key := range m {
			k = append(k, key)
		}
		return k
	}
	if len(req.Body) != 2 || req.Body["id"] != "42" {
		t.Errorf("top-level fields %v, want id and inputs", keys(req.Body))
	}
	inputs, _ := req.Body["inputs"].([]any)
	if len(inputs) != 2 {
		t.Fatalf("inputs %v", req.Body["inputs"])
	}
	for i, name := range []string{"INPUT0", "INPUT1"} {
		in := inputs[i].(map[string]any)
		if len(in) != 4 || in["name"] != name || in["datatype"] != "INT32" || fmt.Sprint(in["shape"]) != "[1 16]" {
			t.Errorf("input %d: %v", i, in)
		}
		data, _ := in["data"].([]any)
		if len(data) != 16 {
			t.Errorf("input %d: %d elements, want 16, flat", i, len(data))
		}
		for _, v := range data {
			if err := checkElement("INT32", v); err != nil {
				t.Errorf("input %d: %v", i, err)
			}
		}
	}
}

// Data is seeded: the same seed gives the same tensors, another seed
// others, and values are spread over their range, not constant.
func TestKServeSyntheticData(t *testing.T) {
	s := newOIPServer(t, "metadata_thumbnail.json")
	bodyFor := func(seed uint64, id int) []byte {
		c := newTestClient(t, s.srv.URL, Options{Seed: seed})
		if rec := c.Do(context.Background(), backend.Request{ID: id, Model: "thumbnail_classifier"}); !rec.OK() {
			t.Fatalf("failed: %s", rec.Error)
		}
		_, body := s.lastRequest(t)
		return bytes.Replace(body, fmt.Appendf(nil, `"id":"%d"`, id), nil, 1)
	}
	a, b, other := bodyFor(1, 1), bodyFor(1, 2), bodyFor(2, 1)
	if !bytes.Equal(a, b) {
		t.Errorf("same seed, different data")
	}
	if bytes.Equal(a, other) {
		t.Errorf("different seeds, same data")
	}
	req, _ := s.lastRequest(t)
	distinct := map[float64]bool{}
	for _, v := range req.Inputs[0].Data {
		distinct[v.(float64)] = true
	}
	if len(distinct) != 256 {
		t.Errorf("%d distinct UINT8 values in 12288, want all 256", len(distinct))
	}
}

func TestKServeSpecResponse(t *testing.T) {
	// The protocol document's example answer (with the comma it lacks
	// after "id" restored) is a success for request 42 and a mismatch
	// for any other.
	s := newOIPServer(t, "metadata_simple.json")
	s.infer = func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, string(backendtest.ReadFixture(t, "infer_response_spec.json")))
	}
	c := newTestClient(t, s.srv.URL, Options{})
	if rec := c.Do(context.Background(), backend.Request{ID: 42, Model: "simple"}); !rec.OK() {
		t.Errorf("request 42: %s: %s", rec.ErrorClass, rec.Error)
	}
	rec := c.Do(context.Background(), backend.Request{ID: 43, Model: "simple"})
	if rec.ErrorClass != backend.ErrorProtocol || !strings.Contains(rec.Error, `response is for request id "42", not "43"`) {
		t.Errorf("request 43: %s: %s", rec.ErrorClass, rec.Error)
	}
}

func TestKServeCheck(t *testing.T) {
	s := newOIPServer(t, "metadata_thumbnail.json")
	c := newTestClient(t, s.srv.URL+"/v2/", Options{}) // "/v2" is dropped
	if err := c.Check(context.Background(), ""); err != nil {
		t.Fatalf("Check(\"\"): %v", err)
	}
	if err := c.Check(context.Background(), "thumbnail_classifier"); err != nil {
		t.Fatalf("Check: %v", err)
	}
	for i := range 3 {
		if rec := c.Do(context.Background(), backend.Request{ID: i, Model: "thumbnail_classifier"}); !rec.OK() {
			t.Fatalf("Do: %s", rec.Error)
		}
	}
	want := []string{
		"GET /v2/health/ready",
		"GET /v2/health/ready", "GET /v2/models/thumbnail_classifier/ready", "GET /v2/models/thumbnail_classifier",
		"POST /v2/models/thumbnail_classifier/infer", "POST /v2/models/thumbnail_classifier/infer", "POST /v2/models/thumbnail_classifier/infer",
	}
	if got := s.seen(); !reflect.DeepEqual(got, want) {
		t.Errorf("requests\n got %q\nwant %q (metadata fetched once)", got, want)
	}
	// Do without Check fetches the metadata itself; names are escaped.
	s2 := newOIPServer(t, "metadata_simple.json")
	c2 := newTestClient(t, s2.srv.URL, Options{Version: "1"})
	if rec := c2.Do(context.Background(), backend.Request{Model: "simple"}); !rec.OK() {
		t.Fatalf("Do without Check: %s", rec.Error)
	}
	if got := s2.seen(); !reflect.DeepEqual(got, []string{"GET /v2/models/simple/versions/1", "POST /v2/models/simple/versions/1/infer"}) {
		t.Errorf("requests %q", got)
	}
	if got := c2.modelPath("team/a b"); got != "/v2/models/team%2Fa%20b/versions/1" {
		t.Errorf("modelPath %q", got)
	}
}

func TestKServeCheckErrors(t *testing.T) {
	tests := []struct {
		name     string
		fixture  string
		model    string
		opts     Options
		health   int // status of /v2/health/ready; 0: the oipServer's
		contains string
	}{
		{name: "not a v2 server", health: 404, contains: "has no /v2/health/ready (HTTP 404): is this an Open Inference Protocol (KServe v2) server?"},
		{name: "server not ready", health: 503, contains: "is not ready (HTTP 503 to GET /v2/health/ready): its models may still be loading"},
		{name: "unknown model", fixture: "metadata_simple.json", model: "nope",
			contains: `model "nope" is not ready on the KServe v2 server at http://127.0.0.1:`},
		{name: "unknown model, server's words", fixture: "metadata_simple.json", model: "nope",
			contains: "(server said: Request for unknown model: 'nope' is not found)"},
		{name: "variable inner dimension", fixture: "metadata_bert.json", model: "bert",
			contains: `input "input_ids" of model "bert" has shape [-1, -1]: dimension 1 is variable (-1) and only the first (batch) one is filled in; give the full shape in the kserve shapes option, e.g. "input_ids": [1, 128]`},
		{name: "fp16", fixture: "metadata_fp16.json", model: "resnet50_fp16",
			contains: `input "input" of model "resnet50_fp16": datatype FP16 cannot be sent as JSON`},
		{name: "fixed shape, batch 4", fixture: "metadata_densenet.json", model: "densenet_onnx", opts: Options{BatchSize: 4},
			contains: `input "data_0" of model "densenet_onnx" has fixed shape [3, 224, 224] with no variable batch dimension, so it cannot take batch size 4`},
		{name: "shape rank", fixture: "metadata_simple.json", model: "simple", opts: Options{Shapes: map[string][]int64{"INPUT0": {16}}},
			contains: `shape [16] given for input "INPUT0" of model "simple" has 1 dimensions; its metadata shape [-1, 16] has 2`},
		{name: "too large", fixture: "metadata_resnet50.json", model: "resnet50", opts: Options{BatchSize: 1000},
			contains: "would have shape [1000, 3, 224, 224], more than 67108864 elements; lower the batch size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var url string
			if tt.health != 0 {
				url = backendtest.StatusServer(t, tt.health, "application/json", "").URL
			} else {
				url = newOIPServer(t, tt.fixture).srv.URL
			}
			c := newTestClient(t, url, tt.opts)
			err := c.Check(context.Background(), tt.model)
			if err == nil || !strings.Contains(err.Error(), tt.contains) {
				t.Fatalf("got  %v\nwant %q", err, tt.contains)
			}
		})
	}
}

// metadataServer serves the health and ready checks, and body as model
// m's metadata.
func metadataServer(t *testing.T, body string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/models/m" {
			writeJSON(w, 200, body)
			return
		}
		w.WriteHeader(200)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestKServeMetadataErrors(t *testing.T) {
	tests := []struct{ body, contains string }{
		{`<html>`, "answered GET /v2/models/m with something that is not model metadata"},
		{`{"name":"m","platform":"python","inputs":[],"outputs":[]}`, `model "m" declares no inputs in its metadata`},
		{`{"name":"m","inputs":[{"name":"x","datatype":"STRING","shape":[-1]}]}`, `datatype "STRING" is not one of the protocol's tensor types`},
		{`{"name":"m","inputs":[{"name":"x","datatype":"FP32"}]}`, `input "x" of model "m" has no shape in its metadata`},
		{`{"name":"m","inputs":[{"name":"x","datatype":"FP32","shape":[-1,0]}]}`, `has shape [-1, 0] with dimension 0`},
		{`{"name":"m","inputs":[{"datatype":"FP32","shape":[1]}]}`, `model "m" has an input without a name`},
	}
	for _, tt := range tests {
		c := newTestClient(t, metadataServer(t, tt.body).URL, Options{})
		err := c.Check(context.Background(), "m")
		if err == nil || !strings.Contains(err.Error(), tt.contains) {
			t.Errorf("%s: got %v, want %q", tt.body, err, tt.contains)
		}
		// Do records the same failure, with nothing sent.
		rec := c.Do(context.Background(), backend.Request{Model: "m"})
		if rec.ErrorClass != backend.ErrorProtocol || !strings.Contains(rec.Error, "cannot prepare the request: ") || !strings.Contains(rec.Error, tt.contains) {
			t.Errorf("%s: Do: %s: %s", tt.body, rec.ErrorClass, rec.Error)
		}
	}
}

func TestKServeCheckUnreachable(t *testing.T) {
	addr := backendtest.ClosedAddr(t)
	c := newTestClient(t, "http://"+addr, Options{})
	err := c.Check(context.Background(), "m")
	want := "cannot reach KServe v2 server at http://" + addr + ": connection refused — is it running? (Triton serves HTTP on port 8000 by default)"
	if err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("error does not wrap ECONNREFUSED")
	}
	rec := c.Do(context.Background(), backend.Request{Model: "m"})
	if rec.ErrorClass != backend.ErrorConnect || !strings.Contains(rec.Error, "connection refused") {
		t.Errorf("Do: %s: %s", rec.ErrorClass, rec.Error)
	}
}

func TestKServeInferErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		class    string
		contains string
	}{
		{"bad request", 400, `{"error":"unexpected shape for input 'INPUT0' for model 'simple'. Expected [-1,16], got [1,15]"}`, backend.ErrorHTTP,
			"HTTP 400 Bad Request from http://127.0.0.1:"},
		{"bad request, message", 400, `{"error":"unexpected shape for input 'INPUT0' for model 'simple'. Expected [-1,16], got [1,15]"}`, backend.ErrorHTTP,
			"/v2/models/simple/infer: unexpected shape for input 'INPUT0'"},
		{"server error", 500, `{"error":"CUDA out of memory"}`, backend.ErrorHTTP, "HTTP 500 Internal Server Error"},
		{"error in a 200", 200, `{"error":"failed to run model"}`, backend.ErrorHTTP, "server reported an error: failed to run model"},
		{"not JSON", 200, `<html>bad gateway</html>`, backend.ErrorProtocol, "response is not valid JSON"},
		{"no outputs", 200, `{"model_name":"simple","id":"1","outputs":[]}`, backend.ErrorProtocol, `response has no outputs: {"model_name":"simple"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newOIPServer(t, "metadata_simple.json")
			s.infer = func(w http.ResponseWriter, r *http.Request) { writeJSON(w, tt.status, tt.body) }
			c := newTestClient(t, s.srv.URL, Options{})
			rec := c.Do(context.Background(), backend.Request{ID: 1, Model: "simple"})
			if rec.ErrorClass != tt.class || !strings.Contains(rec.Error, tt.contains) {
				t.Fatalf("got %s: %q\nwant %s: %q", rec.ErrorClass, rec.Error, tt.class, tt.contains)
			}
			if rec.Start.IsZero() || rec.End.Before(rec.Start) || !rec.FirstToken.IsZero() || len(rec.Chunks) != 0 {
				t.Errorf("failed record times: %+v", rec)
			}
		})
	}
	t.Run("unknown model", func(t *testing.T) {
		s := newOIPServer(t, "metadata_simple.json")
		rec := newTestClient(t, s.srv.URL, Options{}).Do(context.Background(), backend.Request{Model: "nope"})
		if rec.ErrorClass != backend.ErrorHTTP || !strings.Contains(rec.Error, "Request for unknown model: 'nope' is not found") {
			t.Errorf("got %s: %q", rec.ErrorClass, rec.Error)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		s := newOIPServer(t, "metadata_simple.json")
		s.infer = func(w http.ResponseWriter, r *http.Request) { backendtest.WaitForHangUp(r) }
		c := newTestClient(t, s.srv.URL, Options{Timeout: 200 * time.Millisecond})
		rec := c.Do(context.Background(), backend.Request{Model: "simple"})
		if rec.ErrorClass != backend.ErrorTimeout || !strings.Contains(rec.Error, "timeout 200ms") {
			t.Errorf("got %s: %q", rec.ErrorClass, rec.Error)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		s := newOIPServer(t, "metadata_simple.json")
		s.infer = func(w http.ResponseWriter, r *http.Request) { cancel(); backendtest.WaitForHangUp(r) }
		rec := newTestClient(t, s.srv.URL, Options{}).Do(ctx, backend.Request{Model: "simple"})
		if rec.ErrorClass != backend.ErrorCanceled {
			t.Errorf("got %s: %q", rec.ErrorClass, rec.Error)
		}
	})
	t.Run("key redacted", func(t *testing.T) {
		s := newOIPServer(t, "metadata_simple.json")
		s.infer = func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 401, `{"error":"bad token `+backendtest.Key+`"}`)
		}
		rec := newTestClient(t, s.srv.URL, Options{APIKey: backendtest.Key}).Do(context.Background(), backend.Request{Model: "simple"})
		if rec.ErrorClass != backend.ErrorHTTP || strings.Contains(rec.Error, backendtest.Key) || !strings.Contains(rec.Error, "REDACTED") {
			t.Errorf("got %s: %q", rec.ErrorClass, rec.Error)
		}
	})
}

func TestKServeConcurrentUse(t *testing.T) {
	s := newOIPServer(t, "metadata_simple.json", "metadata_mixed.json")
	c := newTestClient(t, s.srv.URL, Options{MaxConns: 4, BatchSize: 2})
	var wg sync.WaitGroup
	for i := range 16 {
		model := []string{"simple", "mixed"}[i%2]
		wg.Go(func() {
			if rec := c.Do(context.Background(), backend.Request{ID: i, Model: model}); !rec.OK() || rec.ID != i {
				t.Errorf("request %d: %s", i, rec.Error)
			}
		})
	}
	wg.Wait()
}

func TestNewOptions(t *testing.T) {
	c, err := New(Options{BaseURL: "http://triton:8000/"})
	if err != nil || c.batch != 1 || c.h.Base().String() != "http://triton:8000" {
		t.Errorf("defaults: %v, %v", c, err)
	}
	bad := []struct {
		opts     Options
		contains string
	}{
		{Options{}, "base URL is empty; set it to the server's address, e.g. http://localhost:8000"},
		{Options{BaseURL: "triton:8000"}, "must start with http:// or https://"},
		{Options{BaseURL: "http://t", BatchSize: -1}, "batch size -1 is negative"},
		{Options{BaseURL: "http://t", Shapes: map[string][]int64{"x": {}}}, `shape of input "x" is empty`},
		{Options{BaseURL: "http://t", Shapes: map[string][]int64{"x": {2, -1}}}, `shape [2, -1] of input "x" has dimension -1`},
		{Options{BaseURL: "http://t", Timeout: -1}, "timeout -1ns is negative"},
	}
	for _, b := range bad {
		_, err := New(b.opts)
		if err == nil || !strings.Contains(err.Error(), b.contains) || !strings.HasPrefix(err.Error(), "kserve backend: ") {
			t.Errorf("%+v: got %v, want %q", b.opts, err, b.contains)
		}
	}
}

// BenchmarkKServeBody measures building one request body for a batch of
// eight 224×224 images: the client's cost per request.
func BenchmarkKServeBody(b *testing.B) {
	c, err := New(Options{BaseURL: "http://t", BatchSize: 8})
	if err != nil {
		b.Fatal(err)
	}
	var meta kserveMetadata
	if err := json.Unmarshal([]byte(`{"name":"r","inputs":[{"name":"input","datatype":"FP32","shape":[-1,3,224,224]}]}`), &meta); err != nil {
		b.Fatal(err)
	}
	p, err := c.buildPlan("r", &meta)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var size int
	for i := 0; b.Loop(); i++ {
		size = 0
		parts, err := p.body(backend.Request{ID: i})
		if err != nil {
			b.Fatal(err)
		}
		for _, part := range parts {
			size += len(part)
		}
	}
	b.SetBytes(int64(size))
}
