// Package kserve is the backend for the Open Inference Protocol (KServe
// v2) over HTTP/JSON: Triton, TorchServe, MLServer, OpenVINO Model Server,
// KServe InferenceServices. It registers itself as the backend kind
// "kserve", with the alias "triton".
package kserve

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aienergy/aienergy/backend"
)

// Options configure a backend for the Open Inference Protocol.
type Options struct {
	// BaseURL is the server root, e.g. http://localhost:8000 (Triton's
	// HTTP port); the /v2 paths are added. A trailing "/v2" is dropped.
	BaseURL string
	// Version, when set, pins the model version
	// (/v2/models/{m}/versions/{v}); otherwise the server chooses.
	Version string
	// APIKey, Timeout, Headers and MaxConns are as in backend.Options: a
	// Host header routes through an ingress to a KServe
	// InferenceService; MaxConns 0 means a pool of 64.
	APIKey   string
	Timeout  time.Duration
	Headers  map[string]string
	MaxConns int
	// BatchSize fills each input's variable first dimension (-1): the
	// number of items (images) per inference. 0 means 1.
	BatchSize int
	// Shapes gives the full shape of inputs, by name, whose metadata has
	// variable dimensions other than the first (e.g. a text model's
	// sequence length). It wins over the metadata and BatchSize.
	Shapes map[string][]int64
	// Seed makes the synthetic tensor data reproducible.
	Seed uint64
	// Images, when set, is a folder whose .jpg, .jpeg and .png files
	// fill the model's image inputs instead of synthetic data; see KServe.
	Images string
	// Clock reads the time for records; nil means time.Now.
	Clock func() time.Time
}

// Client is a backend.Backend for the Open Inference Protocol. It is safe for
// concurrent use.
//
// Each request is one POST /v2/models/{m}/infer whose inputs are built
// from the model's metadata: every declared input, shape with the first
// -1 replaced by BatchSize, filled with seeded synthetic data of its
// datatype (floats in [0, 1), UINT8 0–255, other integers 0–127, random
// booleans; BYTES elements are the request's prompt). The data is built
// once per model and reused, so the client's JSON work does not limit the
// rate. FP16 and BF16 inputs are refused: JSON cannot carry them (they
// need the binary tensor extension).
//
// Records: there are no tokens, so InputTokens and OutputTokens stay 0;
// each request carries BatchSize items. The answer is not streamed, so
// there is no FirstToken and no Chunks.
//
// Images: with Options.Images, inputs shaped like images — [N, C,
// H, W] or [N, H, W, C] with C 1 or 3, or [C, H, W] or [H, W, C] for a
// model without a batch dimension — take the folder's images in file-name
// order, cycling: image b of request i is image (i×N + b) mod n, i the
// request ID. Each is decoded, converted to RGB (or gray when C is 1;
// transparency is dropped as if over black), resized to H×W by bilinear
// interpolation and sent as pixel values 0–255 to UINT8 inputs and
// value/255 (in [0, 1]) to FP32 inputs. There is no mean/std
// normalization or other model-specific preprocessing: a model that
// expects it gets the [0, 1] values, which cost the same to infer but
// classify less well; that preprocessing is out of scope. Other inputs
// keep synthetic data; a model with no image input, or an image input of
// another datatype, is an error. Images are prepared once and their JSON
// kept (see prepareImages), so a request costs no image work.
type Client struct {
	h       *backend.HTTPClient
	version string
	batch   int
	shapes  map[string][]int64
	seed    uint64
	images  []string // the images folder's files; nil: synthetic data

	mu        sync.Mutex
	plans     map[string]*kservePlan // by model, built on first use
	imageSets map[imageSpec]*imageSet
}

var _ backend.Backend = (*Client)(nil)

// Triton speaks the same protocol, and so do TorchServe and MLServer.
func init() {
	backend.Register(func(_ context.Context, o backend.Options) (backend.Backend, error) {
		return New(Options{
			BaseURL: o.BaseURL, APIKey: o.APIKey, Timeout: o.Timeout, Headers: o.Headers,
			MaxConns: o.MaxConns, BatchSize: max(o.BatchSize, 1), Images: o.Images,
		})
	}, "kserve", "triton")
}

// New checks the options and returns a backend. It does not contact the
// server; call Check for that.
func New(opts Options) (*Client, error) {
	base, err := backend.ParseBaseURL("kserve", opts.BaseURL, "http://localhost:8000")
	if err != nil {
		return nil, err
	}
	base.Path = strings.TrimSuffix(base.Path, "/v2")
	h, err := backend.NewHTTPClient(backend.HTTPOptions{
		Kind: "kserve", Server: "KServe v2", Base: base, APIKey: opts.APIKey, Timeout: opts.Timeout,
		Headers: opts.Headers, MaxConns: opts.MaxConns, Clock: opts.Clock,
	})
	if err != nil {
		return nil, err
	}
	if opts.BatchSize < 0 {
		return nil, fmt.Errorf("kserve backend: batch size %d is negative", opts.BatchSize)
	}
	batch := max(opts.BatchSize, 1)
	for name, shape := range opts.Shapes {
		if len(shape) == 0 {
			return nil, fmt.Errorf("kserve backend: shape of input %q is empty; give every dimension, e.g. [1, 128]", name)
		}
		for _, d := range shape {
			if d <= 0 {
				return nil, fmt.Errorf("kserve backend: shape %s of input %q has dimension %d; every dimension must be at least 1", shapeString(shape), name, d)
			}
		}
	}
	var images []string
	if opts.Images != "" {
		if images, err = listImages(opts.Images); err != nil {
			return nil, err
		}
	}
	return &Client{h: h, version: opts.Version, batch: batch, shapes: opts.Shapes, seed: opts.Seed, images: images,
		plans: map[string]*kservePlan{}, imageSets: map[imageSpec]*imageSet{}}, nil
}

// Close releases idle connections.
func (k *Client) Close() error { return k.h.Close() }

// modelPath is /v2/models/{m}[/versions/{v}].
func (k *Client) modelPath(model string) string {
	p := "/v2/models/" + url.PathEscape(model)
	if k.version != "" {
		p += "/versions/" + url.PathEscape(k.version)
	}
	return p
}

var hints = backend.CheckHints{
	Start:    "Triton serves HTTP on port 8000 by default",
	NotFound: "is this an Open Inference Protocol (KServe v2) server? The base URL is the server root, e.g. http://localhost:8000",
}

// Check verifies that the server is ready (GET /v2/health/ready), that
// model is ready (GET /v2/models/{m}/ready) and that its metadata
// (GET /v2/models/{m}) describes inputs that can be built; the plan is
// kept for Do. An empty model only checks the server.
func (k *Client) Check(ctx context.Context, model string) error {
	base := k.h.Base().Redacted()
	status, body, err := k.h.CheckGet(ctx, "/v2/health/ready", hints)
	if err != nil {
		return err
	}
	switch {
	case status == http.StatusNotFound:
		return k.h.StatusError("/v2/health/ready", status, body, hints)
	case status < 200 || status > 299:
		return k.h.CheckErrorf(nil, "KServe v2 server at %s is not ready (HTTP %d to GET /v2/health/ready): its models may still be loading; wait and retry (server said: %s)",
			base, status, backend.ServerMessage(k.h.Redactor(), body))
	}
	if model == "" {
		return nil
	}
	readyPath := k.modelPath(model) + "/ready"
	status, body, err = k.h.CheckGet(ctx, readyPath, hints)
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return k.h.CheckErrorf(nil, "model %q is not ready on the KServe v2 server at %s (HTTP %d to GET %s): check the name and version, and that the server loaded it (Triton lists its models with POST /v2/repository/index) (server said: %s)",
			model, base, status, readyPath, backend.ServerMessage(k.h.Redactor(), body))
	}
	_, _, err = k.plan(ctx, model)
	return err
}

// kserveResponse is an inference answer or error. Output data is not
// decoded: the benchmark needs its arrival, not its values.
type kserveResponse struct {
	ModelName string          `json:"model_name"`
	ID        *string         `json:"id"`
	Outputs   []kserveOutput  `json:"outputs"`
	Error     json.RawMessage `json:"error"`
}

type kserveOutput struct {
	Name     string          `json:"name"`
	Datatype string          `json:"datatype"`
	Shape    []int64         `json:"shape"`
	Data     json.RawMessage `json:"data"`
}

// Do sends one inference and returns what happened; failures are
// recorded, never returned. The model's metadata is fetched first if
// Check has not done it; that happens before Start. A metadata failure
// is recorded with the class of its cause: connect, timeout, canceled,
// http for a non-2xx answer, protocol for metadata that cannot be used.
//
// Errors: a non-2xx answer or a body with "error" is ErrorHTTP with the
// server's message; an answer that is not JSON, has no outputs, or
// carries another request's id is ErrorProtocol.
func (k *Client) Do(ctx context.Context, req backend.Request) backend.Record {
	rec := backend.Record{ID: req.ID, Model: req.Model}
	ctx, cancel := k.h.WithTimeout(ctx)
	defer cancel()
	p, class, err := k.plan(ctx, req.Model)
	if err != nil {
		k.h.FailNow(&rec, class, "cannot prepare the request: "+err.Error())
		return rec
	}
	body, err := p.body(req)
	if err != nil {
		k.h.FailNow(&rec, backend.ErrorProtocol, "cannot prepare the request: "+err.Error())
		return rec
	}
	reqCtx, abort := context.WithCancel(ctx)
	defer abort()
	resp := k.h.Post(ctx, reqCtx, p.endpoint, body, "application/json", &rec)
	if resp == nil {
		return rec
	}
	defer backend.CloseBody(resp.Body, abort)
	if k.h.FailStatus(resp, p.endpoint, &rec, nil) {
		return rec
	}
	data, err := backend.ReadBody(resp.Body)
	rec.End = k.h.Now()
	fail := func(class, format string, args ...any) backend.Record {
		k.h.Fail(ctx, &rec, p.endpoint, class, fmt.Sprintf(format, args...))
		return rec
	}
	if err != nil {
		return fail(backend.ErrorProtocol, "%v", err)
	}
	var r kserveResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return fail(backend.ErrorProtocol, "response is not valid JSON (%v): %s", err, k.h.Quote(string(data)))
	}
	if backend.HasError(r.Error) {
		return fail(backend.ErrorHTTP, "server reported an error: %s", backend.ErrorFieldMessage(k.h.Redactor(), r.Error))
	}
	if len(r.Outputs) == 0 {
		return fail(backend.ErrorProtocol, "response has no outputs: %s", k.h.Quote(string(data)))
	}
	if r.ID != nil && *r.ID != strconv.Itoa(req.ID) {
		return fail(backend.ErrorProtocol, "response is for request id %q, not %q", *r.ID, strconv.Itoa(req.ID))
	}
	rec.Items = k.batch // images (or other items) inferred in this request
	return rec
}
