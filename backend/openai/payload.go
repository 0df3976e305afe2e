package openai

import (
	"encoding/json"

	"github.com/aienergy/aienergy/backend"
)

// The payload struct, decoded by encoding/json, is decodeChunk's slow
// path, and the reference FuzzDecodeChunk holds the scanner to.

// choice covers the choice shapes of chat chunks, chat answers and
// completions, streaming or not.
type choice struct {
	Delta        message `json:"delta"`
	Message      message `json:"message"`
	Text         string  `json:"text"`
	FinishReason *string `json:"finish_reason"`
}

// message holds the text fields of a delta or message. Reasoning models
// stream their thinking in reasoning_content (vLLM, DeepSeek) or
// reasoning (newer vLLM, OpenRouter); it is generated output too.
type message struct {
	Content          string `json:"content"`
	ReasoningContent string `json:"reasoning_content"`
	Reasoning        string `json:"reasoning"`
}

type usage struct {
	PromptTokens            *int `json:"prompt_tokens"`
	CompletionTokens        *int `json:"completion_tokens"`
	CompletionTokensDetails *struct {
		ReasoningTokens *int `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

// payload is one stream chunk or a whole non-streaming answer.
type payload struct {
	Choices []choice        `json:"choices"`
	Usage   *usage          `json:"usage"`
	Error   json.RawMessage `json:"error"`
	// Older vLLM sends errors as {"object":"error","message":...}.
	Object  string `json:"object"`
	Message string `json:"message"`
}

// chunk is what p tells the record.
func (p *payload) chunk() chunk {
	c := chunk{choices: p.Choices != nil, errorField: p.Error, errorObject: p.Object == "error", message: []byte(p.Message)}
	for i := range p.Choices {
		ch := &p.Choices[i]
		c.chars += backend.TextChars(ch.Text) +
			backend.TextChars(ch.Delta.Content) + backend.TextChars(ch.Delta.ReasoningContent) + backend.TextChars(ch.Delta.Reasoning) +
			backend.TextChars(ch.Message.Content) + backend.TextChars(ch.Message.ReasoningContent) + backend.TextChars(ch.Message.Reasoning)
		if ch.FinishReason != nil && *ch.FinishReason != "" {
			c.finish = *ch.FinishReason
		}
	}
	if u := p.Usage; u != nil {
		c.usage.prompt, c.usage.hasPrompt = deref(u.PromptTokens)
		c.usage.completion, c.usage.hasCompletion = deref(u.CompletionTokens)
		if d := u.CompletionTokensDetails; d != nil {
			c.usage.reasoning, c.usage.hasReasoning = deref(d.ReasoningTokens)
		}
	}
	return c
}

func deref(p *int) (int, bool) {
	if p == nil {
		return 0, false
	}
	return *p, true
}
