package backend

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// checkError is an error from Check: a message written for the user, and
// the underlying cause for errors.Is.
type checkError struct {
	msg   string
	cause error
}

func (e *checkError) Error() string { return e.msg }
func (e *checkError) Unwrap() error { return e.cause }

// defaultCheckTimeout bounds Check when the options set no Timeout: a
// server that accepts connections and never answers must not hang a run
// before it starts.
const defaultCheckTimeout = 30 * time.Second

// Check lists the server's models (GET {base}/models) and verifies that
// model is among them. An empty model only checks that the server answers.
// It gives up after the options' Timeout, or 30 s when none is set.
// Errors say what is wrong and what to do, and never contain the API key.
func (c *OpenAI) Check(ctx context.Context, model string) error {
	timeout := c.timeout
	if timeout == 0 {
		timeout = defaultCheckTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	base := c.base.Redacted()
	modelsURL := c.base.String() + "/models"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, modelsURL, nil)
	if err != nil {
		return &checkError{msg: c.redact(fmt.Sprintf("cannot build request to %s: %v", base, err)), cause: err}
	}
	c.setHeaders(req.Header, false)
	resp, err := c.client.Do(req)
	if err != nil {
		if _, ok := contextClass(ctx); ok {
			return &checkError{msg: fmt.Sprintf("model server at %s did not answer: %v", base, ctx.Err()), cause: ctx.Err()}
		}
		if cause, ok := unreachable(err); ok {
			return &checkError{msg: c.redact(fmt.Sprintf(
				"cannot reach model server at %s: %s — is it running? (start one with: aienergy sim --addr %s)",
				base, cause, c.base.Host)), cause: err}
		}
		return &checkError{msg: c.redact(fmt.Sprintf("cannot reach model server at %s: %v", base, err)), cause: err}
	}
	defer closeBody(resp.Body, cancel)
	body := readSome(resp.Body, maxJSONBody)

	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		if c.apiKey == "" {
			return &checkError{msg: fmt.Sprintf(
				"model server at %s refused access (HTTP %d): it needs an API key and none is set; put the key in the environment variable the config names",
				base, resp.StatusCode)}
		}
		return &checkError{msg: fmt.Sprintf(
			"model server at %s refused access (HTTP %d): the API key is wrong or lacks permission; check the environment variable the config names",
			base, resp.StatusCode)}
	case resp.StatusCode == http.StatusNotFound:
		return &checkError{msg: c.redact(fmt.Sprintf(
			"model server at %s has no %s (HTTP 404): is the base URL right? OpenAI-compatible servers usually serve under /v1 (server said: %s)",
			base, "/models", serverMessage(c.red, body)))}
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return &checkError{msg: c.redact(fmt.Sprintf("model server at %s answered HTTP %s to GET /models: %s",
			base, statusText(resp), serverMessage(c.red, body)))}
	}

	var list struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &list); err != nil || list.Data == nil {
		return &checkError{msg: c.redact(fmt.Sprintf(
			"model server at %s answered GET /models with something that is not an OpenAI model list: %s",
			base, c.red.Quote(string(body), maxMessage))), cause: err}
	}
	if model == "" {
		return nil
	}
	served := make([]string, 0, len(list.Data))
	for _, m := range list.Data {
		if m.ID == model {
			return nil
		}
		served = append(served, m.ID)
	}
	slices.Sort(served)
	names := strings.Join(served, ", ")
	if names == "" {
		names = "(none)"
	}
	return &checkError{msg: c.redact(fmt.Sprintf("model %q is not served by %s; served: %s", model, base, names))}
}
