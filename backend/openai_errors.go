package backend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/aienergy/aienergy/internal/redact"
)

const (
	// maxMessage bounds a server's message quoted in an error.
	maxMessage = 200
	// maxErrorBody bounds how much of an error response is read.
	maxErrorBody = 64 << 10
)

// contextClass reports whether ctx has ended, and as what error class.
func contextClass(ctx context.Context) (string, bool) {
	switch ctx.Err() {
	case nil:
		return "", false
	case context.DeadlineExceeded:
		return ErrorTimeout, true
	default:
		return ErrorCanceled, true
	}
}

func (c *OpenAI) contextMessage(ctx context.Context) string {
	if ctx.Err() == context.DeadlineExceeded {
		if c.timeout > 0 {
			return c.redact(fmt.Sprintf("request to %s did not finish within the deadline (timeout %v)", c.endpoint, c.timeout))
		}
		return c.redact(fmt.Sprintf("request to %s did not finish within the deadline", c.endpoint))
	}
	return c.redact(fmt.Sprintf("request to %s was canceled", c.endpoint))
}

// classifySendError explains an error from sending a request, when no
// response arrived.
func (c *OpenAI) classifySendError(ctx context.Context, err error) (class, msg string) {
	if cls, ok := contextClass(ctx); ok {
		return cls, c.contextMessage(ctx)
	}
	if cause, ok := unreachable(err); ok {
		return ErrorConnect, c.redact(fmt.Sprintf("model server at %s is not reachable (%s); check that it is running and that the URL is right", c.base.Redacted(), cause))
	}
	return ErrorConnect, c.redact(fmt.Sprintf("connection to %s failed before a response: %v", c.base.Redacted(), err))
}

// unreachable reports whether err means the server could not be
// contacted at all, with a short cause such as "connection refused".
func unreachable(err error) (string, bool) {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			return fmt.Sprintf("host %q not found", dnsErr.Name), true
		}
		return fmt.Sprintf("cannot resolve host %q: %s", dnsErr.Name, dnsErr.Err), true
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused", true
	case errors.Is(err, syscall.EHOSTUNREACH):
		return "host unreachable", true
	case errors.Is(err, syscall.ENETUNREACH):
		return "network unreachable", true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		if opErr.Timeout() {
			return "connection timed out", true
		}
		return opErr.Err.Error(), true
	}
	return "", false
}

// redact removes the secrets the client sends (API key, headers, URL
// password) from a message, in case a server echoed them.
func (c *OpenAI) redact(msg string) string { return c.red.String(msg) }

// newRedactor knows the secrets a client sends with every request: the
// API key, every header value, and the base URL's password (also as the
// Basic credentials Go's client derives from it).
func newRedactor(apiKey string, headers map[string]string, base *url.URL) *redact.Redactor {
	secrets := append([]string{apiKey}, redact.URLSecrets(base.String())...)
	for _, v := range headers {
		secrets = append(secrets, v)
	}
	return redact.New(secrets...)
}

// readSome reads at most limit bytes of r.
func readSome(r io.Reader, limit int64) []byte {
	data, _ := io.ReadAll(io.LimitReader(r, limit))
	return data
}

// serverMessage extracts the human message from an error body in any of
// the shapes compatible servers use:
//
//	{"error": {"message": "..."}}             OpenAI, llama.cpp, newer vLLM
//	{"error": "...", "error_type": "..."}     TGI, Ollama
//	{"object": "error", "message": "..."}     older vLLM
//	{"detail": "..."} or {"detail": [...]}    FastAPI validation
//
// Anything else is quoted as text. The result is one line of at most
// maxMessage characters, cut after r has masked the secrets, so that no
// secret's start is left at the cut.
func serverMessage(r *redact.Redactor, body []byte) string {
	var shape struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &shape) == nil {
		if len(shape.Error) > 0 && string(shape.Error) != "null" {
			if msg, err := messageFromErrorField(shape.Error); err == nil {
				return r.Quote(msg, maxMessage)
			}
		}
		if shape.Message != "" {
			return r.Quote(shape.Message, maxMessage)
		}
		if len(shape.Detail) > 0 && string(shape.Detail) != "null" {
			var s string
			if json.Unmarshal(shape.Detail, &s) == nil {
				return r.Quote(s, maxMessage)
			}
			return r.Quote(string(shape.Detail), maxMessage)
		}
	}
	text := strings.TrimSpace(string(body))
	if text == "" {
		return "(empty response body)"
	}
	return r.Quote(text, maxMessage)
}
