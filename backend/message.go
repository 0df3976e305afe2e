package backend

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/aienergy/aienergy/internal/redact"
)

const (
	// MaxMessage bounds a server's message quoted in an error.
	MaxMessage = 200
	// maxErrorBody bounds how much of an error response is read.
	maxErrorBody = 64 << 10
)

// ServerMessage extracts the human message from an error body in any of
// the shapes model servers use:
//
//	{"error": {"message": "..."}}             OpenAI, llama.cpp, newer vLLM
//	{"error": "...", "error_type": "..."}     TGI, Ollama, KServe v2
//	{"object": "error", "message": "..."}     older vLLM
//	{"detail": "..."} or {"detail": [...]}    FastAPI validation
//
// Anything else is quoted as text. The result is one line of at most
// MaxMessage characters, cut after r has masked the secrets, so that no
// secret's start is left at the cut.
func ServerMessage(r *redact.Redactor, body []byte) string {
	var shape struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &shape) == nil {
		if HasError(shape.Error) {
			if msg, err := messageFromErrorField(shape.Error); err == nil {
				return r.Quote(msg, MaxMessage)
			}
		}
		if shape.Message != "" {
			return r.Quote(shape.Message, MaxMessage)
		}
		if len(shape.Detail) > 0 && string(shape.Detail) != "null" {
			var s string
			if json.Unmarshal(shape.Detail, &s) == nil {
				return r.Quote(s, MaxMessage)
			}
			return r.Quote(string(shape.Detail), MaxMessage)
		}
	}
	text := strings.TrimSpace(string(body))
	if text == "" {
		return "(empty response body)"
	}
	return r.Quote(text, MaxMessage)
}

// HasError reports whether an "error" field is present and not null.
func HasError(raw json.RawMessage) bool { return len(raw) > 0 && string(raw) != "null" }

// ErrorFieldMessage reads an "error" field that may be a string or an
// object with a message, masking secrets before it is cut.
func ErrorFieldMessage(r *redact.Redactor, raw json.RawMessage) string {
	msg, err := messageFromErrorField(raw)
	if err != nil {
		return r.Quote(string(raw), MaxMessage)
	}
	return r.Quote(msg, MaxMessage)
}

var errNoMessage = errors.New("no message")

func messageFromErrorField(raw json.RawMessage) (string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		return s, nil
	}
	var obj struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &obj) == nil && obj.Message != "" {
		return obj.Message, nil
	}
	return "", errNoMessage
}
