package sim

import "encoding/json"

// The JSON shapes of vLLM's OpenAI-compatible server. Field order follows
// vLLM's pydantic models, and so does the choice of fields that appear as
// null: a stream chunk is dumped with exclude_unset, a completions chunk
// without it, the usage chunk with exclude_none.

// samplingFields are the request fields both endpoints share. Fields the
// simulator ignores (temperature, top_p, …) are accepted and dropped.
type samplingFields struct {
	Model         string         `json:"model"`
	MaxTokens     *int           `json:"max_tokens"`
	MinTokens     *int           `json:"min_tokens"`
	IgnoreEOS     bool           `json:"ignore_eos"`
	N             *int           `json:"n"`
	Stream        bool           `json:"stream"`
	StreamOptions *streamOptions `json:"stream_options"`
}

type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type chatRequest struct {
	samplingFields
	Messages            []chatMessage `json:"messages"`
	MaxCompletionTokens *int          `json:"max_completion_tokens"`
}

type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"` // string, null or a list of parts
}

// contentPart is one element of a multi-part message content.
type contentPart struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type completionRequest struct {
	samplingFields
	Prompt json.RawMessage `json:"prompt"` // string, [string], [int] or [[int]]
}

type usageInfo struct {
	PromptTokens     int `json:"prompt_tokens"`
	TotalTokens      int `json:"total_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

// null is a JSON null for fields vLLM always writes but the simulator never
// fills (logprobs, stop_reason).
type null struct{}

func (null) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

type chatChunk struct {
	ID      string            `json:"id"`
	Object  string            `json:"object"`
	Created int64             `json:"created"`
	Model   string            `json:"model"`
	Choices []chatChunkChoice `json:"choices"`
	Usage   *usageInfo        `json:"usage,omitempty"`
}

type chatChunkChoice struct {
	Index        int       `json:"index"`
	Delta        chatDelta `json:"delta"`
	Logprobs     null      `json:"logprobs"`
	FinishReason *string   `json:"finish_reason"`
	StopReason   *null     `json:"stop_reason,omitempty"` // set on the finishing chunk only
}

type chatDelta struct {
	Role    string `json:"role,omitempty"`
	Content string `json:"content"`
}

type chatResponse struct {
	ID      string       `json:"id"`
	Object  string       `json:"object"`
	Created int64        `json:"created"`
	Model   string       `json:"model"`
	Choices []chatChoice `json:"choices"`
	Usage   usageInfo    `json:"usage"`
}

type chatChoice struct {
	Index        int             `json:"index"`
	Message      assistantOutput `json:"message"`
	Logprobs     null            `json:"logprobs"`
	FinishReason string          `json:"finish_reason"`
	StopReason   null            `json:"stop_reason"`
}

type assistantOutput struct {
	Role      string   `json:"role"`
	Content   string   `json:"content"`
	ToolCalls []string `json:"tool_calls"` // always empty
}

type completionChunk struct {
	ID      string             `json:"id"`
	Object  string             `json:"object"`
	Created int64              `json:"created"`
	Model   string             `json:"model"`
	Choices []completionChoice `json:"choices"`
	Usage   *usageInfo         `json:"usage"` // null on token chunks
}

// completionUsageChunk is the stream's last chunk: exclude_none drops the
// nulls a token chunk carries.
type completionUsageChunk struct {
	ID      string     `json:"id"`
	Object  string     `json:"object"`
	Created int64      `json:"created"`
	Model   string     `json:"model"`
	Choices []struct{} `json:"choices"` // always empty
	Usage   usageInfo  `json:"usage"`
}

type completionChoice struct {
	Index        int     `json:"index"`
	Text         string  `json:"text"`
	Logprobs     null    `json:"logprobs"`
	FinishReason *string `json:"finish_reason"`
	StopReason   null    `json:"stop_reason"`
}

type completionResponse struct {
	ID      string             `json:"id"`
	Object  string             `json:"object"`
	Created int64              `json:"created"`
	Model   string             `json:"model"`
	Choices []completionChoice `json:"choices"`
	Usage   usageInfo          `json:"usage"`
}

type modelList struct {
	Object string      `json:"object"`
	Data   []modelCard `json:"data"`
}

type modelCard struct {
	ID          string `json:"id"`
	Object      string `json:"object"`
	Created     int64  `json:"created"`
	OwnedBy     string `json:"owned_by"`
	Root        string `json:"root"`
	Parent      null   `json:"parent"`
	MaxModelLen int    `json:"max_model_len"`
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    int     `json:"code"`
}
