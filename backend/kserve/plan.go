package kserve

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/aienergy/aienergy/backend"
)

// A plan is what a model's requests are built from: its inputs, from its
// metadata, with their synthetic data or images encoded once as JSON.

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

// plan returns the model's request plan, fetching its metadata the first
// time. Failures are not cached, so a later call tries again; with one
// comes the error class a request failed by it gets.
func (k *Client) plan(ctx context.Context, model string) (*kservePlan, string, error) {
	k.mu.Lock()
	p := k.plans[model]
	k.mu.Unlock()
	if p != nil {
		return p, "", nil
	}
	path := k.modelPath(model)
	status, body, err := k.h.CheckGet(ctx, path, hints)
	if err != nil {
		if cls, ok := backend.ContextClass(ctx); ok {
			return nil, cls, err
		}
		return nil, backend.ErrorConnect, err
	}
	if status < 200 || status > 299 {
		return nil, backend.ErrorHTTP, k.h.StatusError(path, status, body, hints)
	}
	var meta kserveMetadata
	if err := json.Unmarshal(body, &meta); err != nil {
		return nil, backend.ErrorProtocol, k.h.CheckErrorf(err, "KServe v2 server at %s answered GET %s with something that is not model metadata (%v): %s",
			k.h.Base().Redacted(), path, err, k.h.Quote(string(body)))
	}
	p, err = k.buildPlan(model, &meta)
	if err != nil {
		return nil, backend.ErrorProtocol, &backend.CheckError{Msg: err.Error(), Cause: err}
	}
	p.endpoint = k.h.Base().String() + path + "/infer"
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
func (k *Client) buildPlan(model string, meta *kserveMetadata) (*kservePlan, error) {
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
func (k *Client) inputShape(model string, in kserveTensor) ([]int64, error) {
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
func (p *kservePlan) body(req backend.Request) ([][]byte, error) {
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
