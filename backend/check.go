package backend

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aienergy/aienergy/internal/httpx"
)

// CheckError is an error from a backend's Check: a message written for
// the user, and the underlying cause for errors.Is.
type CheckError struct {
	Msg   string
	Cause error
}

func (e *CheckError) Error() string { return e.Msg }
func (e *CheckError) Unwrap() error { return e.Cause }

// CheckErrorf words a Check error with the client's secrets masked.
func (h *HTTPClient) CheckErrorf(cause error, format string, args ...any) error {
	return &CheckError{Msg: h.Redact(fmt.Sprintf(format, args...)), Cause: cause}
}

// defaultCheckTimeout bounds Check when the options set no Timeout: a
// server that accepts connections and never answers must not hang a run
// before it starts.
const defaultCheckTimeout = 30 * time.Second

// CheckHints are a kind's advice in Check errors.
type CheckHints struct {
	Start    string // how to start a server, for "connection refused"
	NotFound string // what a 404 on the checked path suggests
}

// CheckGet does one GET of base+path for Check under Check's deadline
// (the Timeout, or 30 s). It returns the status and the body (at most
// MaxJSONBody of it), or an error for the user when no answer came.
func (h *HTTPClient) CheckGet(ctx context.Context, path string, hints CheckHints) (int, []byte, error) {
	timeout := h.timeout
	if timeout == 0 {
		timeout = defaultCheckTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	base := h.base.Redacted()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.base.String()+path, nil)
	if err != nil {
		return 0, nil, h.CheckErrorf(err, "cannot build request to %s: %v", base, err)
	}
	h.setHeaders(req, "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		if _, ok := ContextClass(ctx); ok {
			return 0, nil, h.CheckErrorf(ctx.Err(), "%s server at %s did not answer GET %s: %v", h.server, base, path, ctx.Err())
		}
		if f := httpx.Explain(err); f.Unreachable() {
			return 0, nil, h.CheckErrorf(err, "cannot reach %s server at %s: %s — is it running? (%s)", h.server, base, f.Cause, hints.Start)
		}
		return 0, nil, h.CheckErrorf(err, "cannot reach %s server at %s: %s", h.server, base, httpx.Explain(err).Cause)
	}
	defer CloseBody(resp.Body, cancel)
	return resp.StatusCode, readSome(resp.Body, MaxJSONBody), nil
}

// StatusError explains a non-2xx answer to a Check request in the general
// way: access refused, wrong path, or the server's message.
func (h *HTTPClient) StatusError(path string, status int, body []byte, hints CheckHints) error {
	base := h.base.Redacted()
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		if h.apiKey == "" {
			return h.CheckErrorf(nil, "%s server at %s refused access (HTTP %d): it needs an API key and none is set; put the key in the environment variable the config names", h.server, base, status)
		}
		return h.CheckErrorf(nil, "%s server at %s refused access (HTTP %d): the API key is wrong or lacks permission; check the environment variable the config names", h.server, base, status)
	case status == http.StatusNotFound:
		return h.CheckErrorf(nil, "%s server at %s has no %s (HTTP 404): %s (server said: %s)",
			h.server, base, path, hints.NotFound, ServerMessage(h.red, body))
	}
	return h.CheckErrorf(nil, "%s server at %s answered HTTP %s to GET %s: %s",
		h.server, base, statusText(status), path, ServerMessage(h.red, body))
}

// Served lists the models a server has, for a "not served" error: sorted,
// and "(none)" for none.
func Served(names []string) string {
	if len(names) == 0 {
		return "(none)"
	}
	return strings.Join(slices.Sorted(slices.Values(names)), ", ")
}
