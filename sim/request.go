package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// maxBodyBytes bounds a request body; real prompts are far smaller.
const maxBodyBytes = 32 << 20

// decodeBody reads one JSON object from the request. Unknown fields are
// ignored, as vLLM ignores them.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) *apiError {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err := dec.Decode(v); err != nil {
		return badRequest("Invalid JSON body: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("Invalid JSON body: unexpected data after the JSON object")
	}
	return nil
}

// resolveModel maps the requested model to a served one; vLLM serves its
// first model when the request names none.
func (s *Server) resolveModel(model string) (string, *apiError) {
	if model == "" {
		return s.cfg.Models[0], nil
	}
	if _, ok := s.engine.models[model]; !ok {
		return "", modelNotFound(model)
	}
	return model, nil
}

// chatPrompt counts a conversation's tokens, template included, and returns
// its text for hashing.
func chatPrompt(messages []chatMessage) (tokens int, parts []string, apiErr *apiError) {
	if len(messages) == 0 {
		return 0, nil, badRequest("messages must contain at least one message")
	}
	for i, m := range messages {
		if m.Role == "" {
			return 0, nil, badRequest("messages[%d].role is required", i)
		}
		text, err := messageText(m.Content)
		if err != nil {
			return 0, nil, badRequest("messages[%d].content: %v", i, err)
		}
		tokens += tokensPerMessage + countTokens(text)
		parts = append(parts, m.Role, text)
	}
	return tokens + tokensReplyPrime, parts, nil
}

// messageText flattens a message content: a string, null, or a list of
// parts whose text parts are joined by newlines (other parts, such as
// images, carry no text and count nothing here).
func messageText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var parts []contentPart
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", errors.New("must be a string or a list of content parts")
	}
	var texts []string
	for _, p := range parts {
		if p.Type == "text" {
			texts = append(texts, p.Text)
		}
	}
	return strings.Join(texts, "\n"), nil
}

// completionPrompt counts a completions prompt's tokens and returns its text
// for hashing. Batched prompts are refused: the simulator runs one sequence
// per request.
func completionPrompt(raw json.RawMessage) (tokens int, text string, apiErr *apiError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, "", badRequest("prompt is required")
	}
	var single string
	var texts []string
	var ids []int
	var idLists [][]int
	switch {
	case json.Unmarshal(raw, &single) == nil:
		tokens, text = countTokens(single), single
	case json.Unmarshal(raw, &texts) == nil && len(texts) == 1:
		tokens, text = countTokens(texts[0]), texts[0]
	case json.Unmarshal(raw, &ids) == nil && len(ids) > 0:
		tokens, text = len(ids), string(raw)
	case json.Unmarshal(raw, &idLists) == nil && len(idLists) == 1:
		tokens, text = len(idLists[0]), string(raw)
	case len(texts) > 1 || len(idLists) > 1:
		return 0, "", badRequest("the simulator serves one prompt per request, got a batch of %d", max(len(texts), len(idLists)))
	default:
		return 0, "", badRequest("prompt must be a string, a list of one string, or a list of token ids")
	}
	if tokens == 0 {
		return 0, "", badRequest("The decoder prompt cannot be empty")
	}
	return tokens, text, nil
}

// newJob checks the sampling fields against the context length and plans
// the output. maxTokens is the request's output cap, nil when absent.
func (s *Server) newJob(model string, f samplingFields, maxTokens *int, promptTokens int, parts []string) (*job, *apiError) {
	if f.N != nil && *f.N != 1 {
		return nil, badRequest("n must be 1: the simulator generates one choice per request, got %d", *f.N)
	}
	if f.StreamOptions != nil && !f.Stream {
		return nil, badRequest("Stream options can only be defined when `stream=True`.")
	}
	limit := s.cfg.MaxModelLen
	if promptTokens >= limit {
		return nil, badRequest("This model's maximum context length is %d tokens. However, your request has %d input tokens. Please reduce the length of the input messages.", limit, promptTokens)
	}
	outCap := min(s.cfg.DefaultMaxTokens, limit-promptTokens)
	if maxTokens != nil {
		outCap = *maxTokens
		if outCap < 1 {
			return nil, badRequest("max_tokens must be at least 1, got %d.", outCap)
		}
		if promptTokens+outCap > limit {
			return nil, badRequest("This model's maximum context length is %d tokens. However, you requested %d tokens (%d in the messages, %d in the completion). Please reduce the length of the messages or completion.",
				limit, promptTokens+outCap, promptTokens, outCap)
		}
	}
	minTokens := 0
	if f.MinTokens != nil {
		minTokens = *f.MinTokens
		if minTokens < 0 {
			return nil, badRequest("min_tokens must be greater than or equal to 0, got %d.", minTokens)
		}
		if minTokens > outCap {
			return nil, badRequest("min_tokens must be less than or equal to max_tokens=%d, got %d.", outCap, minTokens)
		}
	}
	h := promptHash(s.cfg.Seed, model, parts...)
	n, finish := outputLength(h, minTokens, outCap, f.IgnoreEOS)
	return &job{
		model:        model,
		created:      s.engine.now().Unix(),
		promptTokens: promptTokens,
		outputTokens: n,
		finish:       finish,
		words:        splitmix64(h),
	}, nil
}
