package sim

import (
	"context"
	"net/http"
	"strings"
)

// handleCompletions serves POST /v1/completions.
func (s *Server) handleCompletions(w http.ResponseWriter, r *http.Request) {
	var req completionRequest
	if err := decodeBody(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	model, apiErr := s.resolveModel(req.Model)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	promptTokens, text, apiErr := completionPrompt(req.Prompt)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	j, apiErr := s.newJob(model, req.samplingFields, req.MaxTokens, promptTokens, []string{text})
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}

	ctx, cancel := s.requestContext(r)
	defer cancel()
	id := s.newID("cmpl-")
	j.id = id
	if req.Stream {
		s.streamCompletion(ctx, w, j, id, req.StreamOptions != nil && req.StreamOptions.IncludeUsage)
		return
	}

	var out strings.Builder
	err := s.run(ctx, j, func(_ int, t string) error {
		out.WriteString(t)
		return nil
	})
	if err != nil {
		return // the client is gone or the server is closing
	}
	writeJSON(w, http.StatusOK, completionResponse{
		ID:      id,
		Object:  "text_completion",
		Created: j.created,
		Model:   model,
		Choices: []completionChoice{{Text: out.String(), FinishReason: &j.finish}},
		Usage:   j.usage(),
	})
}

// streamCompletion sends vLLM's completions stream: one chunk per token with
// the finish reason on the last, the usage chunk when asked for, then [DONE].
func (s *Server) streamCompletion(ctx context.Context, w http.ResponseWriter, j *job, id string, includeUsage bool) {
	sw, err := startSSE(w)
	if err != nil {
		return
	}
	chunk := completionChunk{ID: id, Object: "text_completion", Created: j.created, Model: j.model}
	err = s.run(ctx, j, func(i int, text string) error {
		choice := completionChoice{Text: text}
		if i == j.outputTokens-1 {
			choice.FinishReason = &j.finish
		}
		chunk.Choices = []completionChoice{choice}
		return sw.send(chunk)
	})
	if err != nil {
		return
	}
	if includeUsage {
		if sw.send(completionUsageChunk{
			ID: id, Object: "text_completion", Created: j.created, Model: j.model,
			Choices: []struct{}{}, Usage: j.usage(),
		}) != nil {
			return
		}
	}
	sw.done()
}
