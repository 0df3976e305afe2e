package sink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aienergy/aienergy/internal/httpx"
	"github.com/aienergy/aienergy/internal/redact"
)

// defaultTimeout bounds each HTTP call of a sink (option timeout_s).
const defaultTimeout = 30 * time.Second

// maxErrorBody is how much of an error response is quoted in messages.
const maxErrorBody = 2000

// StatusError is a non-2xx answer from a sink's server.
type StatusError struct {
	Method, URL string
	Code        int
	Body        string // the start of the response body
}

func (e *StatusError) Error() string {
	msg := strings.TrimSpace(e.Body)
	if msg == "" {
		msg = http.StatusText(e.Code)
	}
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.URL, e.Code, msg)
}

// client is the HTTP side shared by the sinks: one timeout per call, an
// authorization header, and errors that say what went wrong.
type client struct {
	http    *http.Client
	timeout time.Duration
	auth    func(*http.Request) // sets credentials; nil for none
	secrets []string            // the credentials, kept out of quoted answers
}

// newClient returns a client; secrets are the credentials auth sends.
func newClient(timeout time.Duration, auth func(*http.Request), secrets ...string) *client {
	return &client{http: &http.Client{}, timeout: timeout, auth: auth, secrets: secrets}
}

// do sends one request and returns the body of a 2xx answer, a
// *StatusError for any other, or an "unreachable" error when no answer
// came. The URL in messages never carries credentials: they travel in
// headers.
func (c *client) do(ctx context.Context, method, url, contentType string, body []byte) ([]byte, error) {
	return c.doReader(ctx, method, url, contentType, bytes.NewReader(body), int64(len(body)))
}

// doReader is do with a streamed body of the given length (a file).
func (c *client) doReader(ctx context.Context, method, url, contentType string, body io.Reader, size int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, err
	}
	req.ContentLength = size
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.auth != nil {
		c.auth(req)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, unreachable(method, url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		// The credentials this request carried, masked before the cut,
		// which could otherwise leave a secret's start.
		red := redact.New(append(c.secrets, httpx.RequestSecrets(req)...)...)
		return nil, &StatusError{Method: method, URL: url, Code: resp.StatusCode, Body: httpx.QuoteBody(resp.Body, red, maxErrorBody)}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s %s: reading the answer: %w", method, url, err)
	case len(data) > maxAnswer:
		return nil, fmt.Errorf("%s %s: the answer is longer than %d MiB; is this the right server?", method, url, maxAnswer>>20)
	}
	return data, nil
}

// maxAnswer bounds a success answer: the sinks' servers answer with ids
// and short JSON, never megabytes.
const maxAnswer = 16 << 20

// unreachable says why a request got no answer, in the words every HTTP
// client of aienergy uses (httpx.Explain), with the sink's advice.
func unreachable(method, target string, err error) error {
	f := httpx.Explain(err)
	switch {
	case f.Reason == httpx.Timeout:
		return fmt.Errorf("%s %s: unreachable: no answer in time: %w", method, target, f.Err)
	case f.Reason == httpx.Canceled:
		return fmt.Errorf("%s %s: canceled: %w", method, target, f.Err)
	case f.Unreachable():
		return fmt.Errorf("%s %s: unreachable, %s (is the server running at that address?): %w", method, target, f.Cause, f.Err)
	case f.TLS():
		return fmt.Errorf("%s %s: no secure connection, %s: %w", method, target, f.Cause, f.Err)
	}
	return fmt.Errorf("%s %s: unreachable (is the server running at that address?): %w", method, target, f.Err)
}

// authHint adds the likely fix to an authentication or permission error.
func authHint(err error, hint string) error {
	var se *StatusError
	if errors.As(err, &se) && (se.Code == http.StatusUnauthorized || se.Code == http.StatusForbidden) {
		return fmt.Errorf("authentication failed (%s): %w", hint, err)
	}
	return err
}
