package sim

import (
	"context"
	"net/http"
	"strings"
)

// handleChat serves POST /v1/chat/completions.
func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	var req chatRequest
	if err := decodeBody(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	model, apiErr := s.resolveModel(req.Model)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	promptTokens, parts, apiErr := chatPrompt(req.Messages)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	maxTokens := req.MaxTokens
	if req.MaxCompletionTokens != nil {
		maxTokens = req.MaxCompletionTokens // vLLM prefers the newer name
	}
	j, apiErr := s.newJob(model, req.samplingFields, maxTokens, promptTokens, parts)
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}

	ctx, cancel := s.requestContext(r)
	defer cancel()
	id := s.newID("chatcmpl-")
	j.id = id
	if req.Stream {
		s.streamChat(ctx, w, j, id, req.StreamOptions != nil && req.StreamOptions.IncludeUsage)
		return
	}

	var text strings.Builder
	err := s.run(ctx, j, func(_ int, t string) error {
		text.WriteString(t)
		return nil
	})
	if err != nil {
		return // the client is gone or the server is closing
	}
	writeJSON(w, http.StatusOK, chatResponse{
		ID:      id,
		Object:  "chat.completion",
		Created: j.created,
		Model:   model,
		Choices: []chatChoice{{
			Message:      assistantOutput{Role: "assistant", Content: text.String(), ToolCalls: []string{}},
			FinishReason: j.finish,
		}},
		Usage: j.usage(),
	})
}

// streamChat sends vLLM's chat stream: a role chunk with the first token,
// one chunk per token with the finish reason on the last, the usage chunk
// when asked for, then [DONE].
func (s *Server) streamChat(ctx context.Context, w http.ResponseWriter, j *job, id string, includeUsage bool) {
	sw, err := startSSE(w)
	if err != nil {
		return
	}
	chunk := chatChunk{ID: id, Object: "chat.completion.chunk", Created: j.created, Model: j.model}
	err = s.run(ctx, j, func(i int, text string) error {
		if i == 0 {
			chunk.Choices = []chatChunkChoice{{Delta: chatDelta{Role: "assistant"}}}
			if err := sw.send(chunk); err != nil {
				return err
			}
		}
		choice := chatChunkChoice{Delta: chatDelta{Content: text}}
		if i == j.outputTokens-1 {
			choice.FinishReason = &j.finish
			choice.StopReason = &null{}
		}
		chunk.Choices = []chatChunkChoice{choice}
		return sw.send(chunk)
	})
	if err != nil {
		return
	}
	if includeUsage {
		u := j.usage()
		chunk.Choices = []chatChunkChoice{}
		chunk.Usage = &u
		if sw.send(chunk) != nil {
			return
		}
	}
	sw.done()
}
