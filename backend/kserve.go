package backend

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// KServeOptions configure a backend for the Open Inference Protocol
// (KServe v2) over HTTP/JSON: Triton, TorchServe, MLServer, OpenVINO Model
// Server, KServe InferenceServices.
type KServeOptions struct {
	// BaseURL is the server root, e.g. http://localhost:8000 (Triton's
	// HTTP port); the /v2 paths are added. A trailing "/v2" is dropped.
	BaseURL string
	// Version, when set, pins the model version
	// (/v2/models/{m}/versions/{v}); otherwise the server chooses.
	Version string
	// APIKey, when set, is sent as "Authorization: Bearer ...".
	APIKey string
	// Timeout bounds each request; 0 means no limit beyond the context.
	Timeout time.Duration
	// Headers are added to every request (e.g. Host for a KServe
	// InferenceService behind an ingress).
	Headers map[string]string
	// MaxConns sizes the idle connection pool; 0 means 64.
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

// KServe is a Backend for the Open Inference Protocol. It is safe for
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
// Images: with KServeOptions.Images, inputs shaped like images — [N, C,
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
type KServe struct {
	h       *nativeHTTP
	version string
	batch   int
	shapes  map[string][]int64
	seed    uint64
	images  []string // the images folder's files; nil: synthetic data

	mu        sync.Mutex
	plans     map[string]*kservePlan // by model, built on first use
	imageSets map[imageSpec]*imageSet
}

var _ Backend = (*KServe)(nil)

// kservePlan is what is needed to send one model requests.
type kservePlan struct {
	endpoint string
	inputs   []kserveInput
}

// kserveInput is one input tensor, its JSON ready to send except, for
// BYTES and image inputs, the data.
type kserveInput struct {
	head   []byte            // {"name":...,"shape":...,"datatype":...,"data":
	data   []byte            // the data array; nil for BYTES and images, filled per request
	images *kserveImageInput // set when the data comes from the images folder
	count  int64             // elements
}

// maxTensorElements bounds the synthetic data held per model.
const maxTensorElements = 64 << 20

// NewKServe checks the options and returns a backend. It does not contact
// the server; call Check for that.
func NewKServe(opts KServeOptions) (*KServe, error) {
	h, err := newNativeHTTP("kserve", "KServe v2", nativeOptions{
		baseURL: opts.BaseURL, example: "http://localhost:8000", apiKey: opts.APIKey, timeout: opts.Timeout,
		headers: opts.Headers, maxConns: opts.MaxConns, clock: opts.Clock,
	})
	if err != nil {
		return nil, err
	}
	h.base.Path = strings.TrimSuffix(h.base.Path, "/v2")
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
	return &KServe{h: h, version: opts.Version, batch: batch, shapes: opts.Shapes, seed: opts.Seed, images: images,
		plans: map[string]*kservePlan{}, imageSets: map[imageSpec]*imageSet{}}, nil
}

// Close releases idle connections.
func (k *KServe) Close() error { return k.h.close() }

// modelPath is /v2/models/{m}[/versions/{v}].
func (k *KServe) modelPath(model string) string {
	p := "/v2/models/" + url.PathEscape(model)
	if k.version != "" {
		p += "/versions/" + url.PathEscape(k.version)
	}
	return p
}

var kserveHints = checkHints{
	start:    "Triton serves HTTP on port 8000 by default",
	notFound: "is this an Open Inference Protocol (KServe v2) server? The base URL is the server root, e.g. http://localhost:8000",
}

// Check verifies that the server is ready (GET /v2/health/ready), that
// model is ready (GET /v2/models/{m}/ready) and that its metadata
// (GET /v2/models/{m}) describes inputs that can be built; the plan is
// kept for Do. An empty model only checks the server.
func (k *KServe) Check(ctx context.Context, model string) error {
	base := k.h.base.Redacted()
	status, body, err := k.h.checkGet(ctx, "/v2/health/ready", kserveHints)
	if err != nil {
		return err
	}
	switch {
	case status == http.StatusNotFound:
		return k.h.statusError("/v2/health/ready", status, body, kserveHints)
	case status < 200 || status > 299:
		return &checkError{msg: k.h.redact(fmt.Sprintf(
			"KServe v2 server at %s is not ready (HTTP %d to GET /v2/health/ready): its models may still be loading; wait and retry (server said: %s)",
			base, status, serverMessage(k.h.red, body)))}
	}
	if model == "" {
		return nil
	}
	readyPath := k.modelPath(model) + "/ready"
	status, body, err = k.h.checkGet(ctx, readyPath, kserveHints)
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return &checkError{msg: k.h.redact(fmt.Sprintf(
			"model %q is not ready on the KServe v2 server at %s (HTTP %d to GET %s): check the name and version, and that the server loaded it (Triton lists its models with POST /v2/repository/index) (server said: %s)",
			model, base, status, readyPath, serverMessage(k.h.red, body)))}
	}
	_, _, err = k.plan(ctx, model)
	return err
}

// plan returns the model's request plan, fetching its metadata the first
// time. Failures are not cached, so a later call tries again; with one
// comes the error class a request failed by it gets.
func (k *KServe) plan(ctx context.Context, model string) (*kservePlan, string, error) {
	k.mu.Lock()
	p := k.plans[model]
	k.mu.Unlock()
	if p != nil {
		return p, "", nil
	}
	path := k.modelPath(model)
	status, body, err := k.h.checkGet(ctx, path, kserveHints)
	if err != nil {
		if cls, ok := contextClass(ctx); ok {
			return nil, cls, err
		}
		return nil, ErrorConnect, err
	}
	if status < 200 || status > 299 {
		return nil, ErrorHTTP, k.h.statusError(path, status, body, kserveHints)
	}
	var meta kserveMetadata
	if err := json.Unmarshal(body, &meta); err != nil {
		return nil, ErrorProtocol, &checkError{msg: k.h.redact(fmt.Sprintf(
			"KServe v2 server at %s answered GET %s with something that is not model metadata (%v): %s",
			k.h.base.Redacted(), path, err, k.h.red.Quote(string(body), maxMessage))), cause: err}
	}
	p, err = k.buildPlan(model, &meta)
	if err != nil {
		return nil, ErrorProtocol, &checkError{msg: err.Error(), cause: err}
	}
	p.endpoint = k.h.base.String() + path + "/infer"
	k.mu.Lock()
	if cached := k.plans[model]; cached != nil {
		p = cached // another request built it first; keep one
	} else {
		k.plans[model] = p
	}
	k.mu.Unlock()
	return p, "", nil
}

type kserveTensor struct {
	Name     string  `json:"name"`
	Datatype string  `json:"datatype"`
	Shape    []int64 `json:"shape"`
}

type kserveMetadata struct {
	Name     string         `json:"name"`
	Versions []string       `json:"versions"`
	Platform string         `json:"platform"`
	Inputs   []kserveTensor `json:"inputs"`
	Outputs  []kserveTensor `json:"outputs"`
}

// buildPlan turns metadata into tensors; see KServe for the rules.
func (k *KServe) buildPlan(model string, meta *kserveMetadata) (*kservePlan, error) {
	if len(meta.Inputs) == 0 {
		return nil, fmt.Errorf("model %q declares no inputs in its metadata, so requests cannot be built; declare them in the server's model configuration", model)
	}
	p := &kservePlan{}
	var total int64
	var shapes [][]int64 // sent, for messages
	hasImages := false
	for i, in := range meta.Inputs {
		shape, err := k.inputShape(model, in)
		if err != nil {
			return nil, err
		}
		shapes = append(shapes, shape)
		count := int64(1)
		for _, d := range shape {
			count *= d
			if count > maxTensorElements {
				return nil, fmt.Errorf("input %q of model %q would have shape %s, more than %d elements; lower the batch size or give a smaller shape", in.Name, model, shapeString(shape), maxTensorElements)
			}
		}
		total += count
		if total > maxTensorElements {
			return nil, fmt.Errorf("the inputs of model %q would have more than %d elements in all; lower the batch size", model, maxTensorElements)
		}
		// The data field is left open: it is appended per request.
		head := fmt.Appendf(nil, `{"name":%s,"shape":%s,"datatype":%s,"data":`,
			mustJSON(in.Name), mustJSON(shape), mustJSON(in.Datatype))
		input := kserveInput{head: head, count: count}
		if k.images != nil {
			if input.images, err = k.imageInput(model, in, shape); err != nil {
				return nil, err
			}
		}
		if input.images != nil {
			hasImages = true
		} else if in.Datatype != "BYTES" {
			rng := rand.New(rand.NewPCG(k.seed, uint64(i)))
			input.data, err = syntheticData(in.Datatype, count, rng)
			if err != nil {
				return nil, fmt.Errorf("input %q of model %q: %v", in.Name, model, err)
			}
		}
		p.inputs = append(p.inputs, input)
	}
	if k.images != nil {
		if !hasImages {
			return nil, noImageInputError(model, meta.Inputs, shapes)
		}
		if err := p.prepareImages(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// shapeString writes a shape as it is written in config: [4, 3, 224, 224].
func shapeString(shape []int64) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.FormatInt(d, 10)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v) // strings and int slices always encode
	return b
}

// inputShape resolves the shape to send for one input.
func (k *KServe) inputShape(model string, in kserveTensor) ([]int64, error) {
	if in.Name == "" {
		return nil, fmt.Errorf("model %q has an input without a name in its metadata", model)
	}
	if given, ok := k.shapes[in.Name]; ok {
		if len(in.Shape) > 0 && len(given) != len(in.Shape) {
			return nil, fmt.Errorf("shape %s given for input %q of model %q has %d dimensions; its metadata shape %s has %d",
				shapeString(given), in.Name, model, len(given), shapeString(in.Shape), len(in.Shape))
		}
		return slices.Clone(given), nil
	}
	if len(in.Shape) == 0 {
		return nil, fmt.Errorf("input %q of model %q has no shape in its metadata; give it in the kserve shapes option", in.Name, model)
	}
	shape := slices.Clone(in.Shape)
	if shape[0] == -1 {
		shape[0] = int64(k.batch)
	} else if k.batch > 1 {
		return nil, fmt.Errorf("input %q of model %q has fixed shape %s with no variable batch dimension, so it cannot take batch size %d; set the batch size to 1, or give the shape in the kserve shapes option",
			in.Name, model, shapeString(in.Shape), k.batch)
	}
	for i, d := range shape {
		if d == -1 {
			example := slices.Clone(shape)
			example[i] = 128
			return nil, fmt.Errorf("input %q of model %q has shape %s: dimension %d is variable (-1) and only the first (batch) one is filled in; give the full shape in the kserve shapes option, e.g. %q: %s",
				in.Name, model, shapeString(in.Shape), i, in.Name, shapeString(example))
		}
		if d <= 0 {
			return nil, fmt.Errorf("input %q of model %q has shape %s with dimension %d; dimensions must be at least 1 or -1 (variable)", in.Name, model, shapeString(in.Shape), d)
		}
	}
	return shape, nil
}

// syntheticData encodes count random elements of datatype as a flat JSON
// array, in row-major order as the protocol asks.
func syntheticData(datatype string, count int64, rng *rand.Rand) ([]byte, error) {
	var next func(b []byte) []byte
	switch datatype {
	case "FP32", "FP64":
		next = func(b []byte) []byte { return strconv.AppendFloat(b, float64(rng.IntN(10000))/10000, 'f', -1, 64) }
	case "UINT8":
		next = func(b []byte) []byte { return strconv.AppendInt(b, int64(rng.IntN(256)), 10) }
	case "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64":
		// Small non-negative values are valid for every integer type
		// and as indices (token ids, classes).
		next = func(b []byte) []byte { return strconv.AppendInt(b, int64(rng.IntN(128)), 10) }
	case "BOOL":
		next = func(b []byte) []byte { return strconv.AppendBool(b, rng.IntN(2) == 1) }
	case "FP16", "BF16":
		return nil, fmt.Errorf("datatype %s cannot be sent as JSON (it needs the binary tensor extension, which is not supported yet); serve the model with an FP32 input", datatype)
	default:
		return nil, fmt.Errorf("datatype %q is not one of the protocol's tensor types", datatype)
	}
	b := make([]byte, 0, count*7+2)
	b = append(b, '[')
	for i := range count {
		if i > 0 {
			b = append(b, ',')
		}
		b = next(b)
	}
	return append(b, ']'), nil
}

var (
	kserveComma      = []byte(",")
	kserveCloseInput = []byte("}")
	kserveCloseBody  = []byte("]}")
)

// body returns the inference request for req as parts to send in order.
// The tensor data is the plan's, shared and never written. It fails only
// when an image not prepared before the run cannot be.
func (p *kservePlan) body(req Request) ([][]byte, error) {
	size := 2 + 4*len(p.inputs)
	for _, in := range p.inputs {
		if in.images != nil {
			size += 2 * int(in.images.perRequest)
		}
	}
	parts := make([][]byte, 0, size)
	id := strconv.AppendQuote([]byte(`{"id":`), strconv.Itoa(req.ID))
	parts = append(parts, append(id, `,"inputs":[`...))
	for i, in := range p.inputs {
		if i > 0 {
			parts = append(parts, kserveComma)
		}
		parts = append(parts, in.head)
		switch {
		case in.images != nil:
			var err error
			if parts, err = in.images.appendData(parts, req.ID); err != nil {
				return nil, err
			}
		case in.data != nil:
			parts = append(parts, in.data)
		default:
			parts = append(parts, appendBytesData(nil, req.Prompt, in.count))
		}
		parts = append(parts, kserveCloseInput)
	}
	return append(parts, kserveCloseBody), nil
}

// appendBytesData fills a BYTES tensor with the prompt, or a placeholder
// when there is none.
func appendBytesData(b []byte, prompt string, count int64) []byte {
	if prompt == "" {
		prompt = "aienergy synthetic input"
	}
	elem := mustJSON(prompt)
	b = append(b, '[')
	for i := range count {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, elem...)
	}
	return append(b, ']')
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
func (k *KServe) Do(ctx context.Context, req Request) Record {
	rec := Record{ID: req.ID, Model: req.Model}
	ctx, cancel := k.h.withTimeout(ctx)
	defer cancel()
	p, class, err := k.plan(ctx, req.Model)
	if err != nil {
		k.h.failNow(&rec, class, "cannot prepare the request: "+err.Error())
		return rec
	}
	body, err := p.body(req)
	if err != nil {
		k.h.failNow(&rec, ErrorProtocol, "cannot prepare the request: "+err.Error())
		return rec
	}
	reqCtx, abort := context.WithCancel(ctx)
	defer abort()
	resp := k.h.post(ctx, reqCtx, p.endpoint, body, "application/json", &rec)
	if resp == nil {
		return rec
	}
	defer closeBody(resp.Body, abort)
	if k.h.failStatus(resp, p.endpoint, &rec, nil) {
		return rec
	}
	data := readSome(resp.Body, maxJSONBody+1)
	rec.End = k.h.clock()
	fail := func(class, format string, args ...any) Record {
		rec.ErrorClass, rec.Error = class, k.h.redact(fmt.Sprintf(format, args...))
		if cls, ok := contextClass(ctx); ok && class == ErrorProtocol {
			rec.ErrorClass, rec.Error = cls, k.h.contextMessage(ctx, p.endpoint)
		}
		return rec
	}
	if len(data) > maxJSONBody {
		return fail(ErrorProtocol, "%v", errBodyTooLarge)
	}
	var r kserveResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return fail(ErrorProtocol, "response is not valid JSON (%v): %s", err, k.h.red.Quote(string(data), maxMessage))
	}
	if len(r.Error) > 0 && string(r.Error) != "null" {
		return fail(ErrorHTTP, "server reported an error: %s", errorFieldMessage(k.h.red, r.Error))
	}
	if len(r.Outputs) == 0 {
		return fail(ErrorProtocol, "response has no outputs: %s", k.h.red.Quote(string(data), maxMessage))
	}
	if r.ID != nil && *r.ID != strconv.Itoa(req.ID) {
		return fail(ErrorProtocol, "response is for request id %q, not %q", *r.ID, strconv.Itoa(req.ID))
	}
	rec.Items = k.batch // images (or other items) inferred in this request
	return rec
}
