package redfish

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aienergy/aienergy/internal/redact"
)

const (
	servicePath     = "/redfish/v1/"
	defaultSessions = "/redfish/v1/SessionService/Sessions"
	maxBody         = 16 << 20 // an expanded sensor collection of a big server fits
	maxMessage      = 300      // of a BMC's error message quoted in ours
)

// A client talks to one BMC. It is not safe for concurrent use: the meter
// serialises its calls.
type client struct {
	base      *url.URL // scheme://host[:port]
	shown     string   // base as typed, for messages
	http      *http.Client
	transport *http.Transport
	timeout   time.Duration

	user    string
	pass    string
	passEnv string // where pass came from, for messages

	useSession  bool
	sessionsURI string // POST here to log in
	token       string // X-Auth-Token of the open session
	sessionURI  string // DELETE this to log out
}

// An httpError is a BMC's answer other than success.
type httpError struct {
	Method, URL string
	Status      int
	Message     string // from the Redfish error body, if any
}

func (e *httpError) Error() string {
	msg := fmt.Sprintf("%s %s: %d %s", e.Method, e.URL, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// get fetches a resource and decodes it into into.
func (c *client) get(ctx context.Context, path string, into any) error {
	body, err := c.fetch(ctx, path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, into); err != nil {
		return &decodeError{url: c.show(path), err: err}
	}
	return nil
}

// A decodeError is an answer whose JSON has an unexpected shape.
type decodeError struct {
	url string
	err error
}

func (e *decodeError) Error() string {
	return fmt.Sprintf("GET %s: unexpected JSON from the BMC: %v", e.url, e.err)
}

// fetch GETs path and returns the body of a 200 answer. In session mode a
// 401 means the session expired (BMCs drop idle sessions after minutes):
// log in again and retry once.
func (c *client) fetch(ctx context.Context, path string) ([]byte, error) {
	status, _, body, err := c.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	if status == http.StatusUnauthorized && c.useSession && c.token != "" {
		c.token, c.sessionURI = "", ""
		if err := c.login(ctx); err != nil {
			return nil, err
		}
		status, _, body, err = c.do(ctx, http.MethodGet, path, nil)
		if err != nil {
			return nil, err
		}
	}
	if status != http.StatusOK {
		return nil, c.statusError(http.MethodGet, path, status, body)
	}
	return body, nil
}

// login opens a session: POST {UserName, Password} to the sessions
// collection; the token comes back in X-Auth-Token, the session's URI in
// Location.
func (c *client) login(ctx context.Context) error {
	payload, err := json.Marshal(map[string]string{"UserName": c.user, "Password": c.pass})
	if err != nil {
		return err
	}
	status, header, body, err := c.do(ctx, http.MethodPost, c.sessionsURI, payload)
	if err != nil {
		return err
	}
	if status != http.StatusCreated && status != http.StatusOK {
		return c.statusError(http.MethodPost, c.sessionsURI, status, body)
	}
	token := header.Get("X-Auth-Token")
	if token == "" {
		return fmt.Errorf("POST %s: the BMC created a session but sent no X-Auth-Token; use basic auth (session: false)", c.show(c.sessionsURI))
	}
	c.token = token
	c.sessionURI = header.Get("Location")
	if c.sessionURI == "" {
		var s link
		if json.Unmarshal(body, &s) == nil {
			c.sessionURI = s.ID
		}
	}
	return nil
}

// logout deletes the open session, if any. A 404 means the BMC already
// dropped it.
func (c *client) logout(ctx context.Context) error {
	if c.token == "" || c.sessionURI == "" {
		return nil
	}
	uri := c.sessionURI
	status, _, body, err := c.do(ctx, http.MethodDelete, uri, nil)
	if err == nil && status >= 300 && status != http.StatusNotFound {
		// Explained while the token is known, to mask it if echoed.
		err = c.statusError(http.MethodDelete, uri, status, body)
	}
	c.token, c.sessionURI = "", ""
	if err != nil {
		return fmt.Errorf("logging out of the BMC: %w", err)
	}
	return nil
}

// do sends one request with the meter's credentials and returns the
// status, headers and body. It fails only when no answer came.
func (c *client) do(ctx context.Context, method, path string, payload []byte) (int, http.Header, []byte, error) {
	u, err := c.resolve(path)
	if err != nil {
		return 0, nil, nil, err
	}
	// The caller's deadline (the sampler's) may be the tighter one; the
	// message should name the limit that really applied.
	limit, byCaller := c.timeout, false
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < limit {
		limit, byCaller = time.Until(dl), true
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s %s: %w", method, c.show(path), err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("OData-Version", "4.0")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case c.token != "":
		req.Header.Set("X-Auth-Token", c.token)
	case c.user != "" && !c.useSession:
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, c.requestError(method, path, err, limit, byCaller)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return 0, nil, nil, c.requestError(method, path, err, limit, byCaller)
	}
	if len(body) > maxBody {
		return 0, nil, nil, fmt.Errorf("%s %s: answer larger than %d MiB", method, c.show(path), maxBody>>20)
	}
	return resp.StatusCode, resp.Header, body, nil
}

// resolve turns an @odata.id, a Location header or a path into a URL on
// the BMC. An absolute URL naming another host (a BMC behind NAT reports
// its own name) is re-rooted on the configured address: credentials go
// with every request and must never go elsewhere.
func (c *client) resolve(path string) (*url.URL, error) {
	ref, err := url.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("the BMC named the resource %q, which is not a URL", path)
	}
	if ref.IsAbs() || ref.Host != "" {
		ref = &url.URL{Path: ref.Path, RawPath: ref.RawPath, RawQuery: ref.RawQuery}
	}
	u := c.base.ResolveReference(ref)
	u.Fragment = ""
	return u, nil
}

// show is path as a full URL for messages.
func (c *client) show(path string) string {
	if u, err := c.resolve(path); err == nil {
		return u.String()
	}
	return path
}

// statusError explains a non-success answer. The BMC's message is quoted
// with the credentials masked: a BMC may echo the login it refused.
func (c *client) statusError(method, path string, status int, body []byte) error {
	e := &httpError{Method: method, URL: c.show(path), Status: status, Message: c.redactor().Quote(redfishMessage(body), maxMessage)}
	switch status {
	case http.StatusUnauthorized:
		if c.user == "" {
			return fmt.Errorf("%w; the BMC wants credentials: set username and password_env", e)
		}
		return fmt.Errorf("%w; the BMC rejected user %q: check username and the password in $%s", e, c.user, c.passEnv)
	case http.StatusForbidden:
		return fmt.Errorf("%w; user %q lacks the privilege to read this (Login/ReadOnly role is enough on most BMCs)", e, c.user)
	case http.StatusNotFound:
		return fmt.Errorf("%w; the BMC has no such resource", e)
	case http.StatusServiceUnavailable, http.StatusTooManyRequests:
		return fmt.Errorf("%w; the BMC is busy: poll it less often", e)
	}
	return e
}

// redactor knows the secrets the client sends: the password, the Basic
// credentials made from it and the session's token.
func (c *client) redactor() *redact.Redactor {
	return redact.New(c.pass, redact.BasicAuth(c.user, c.pass), c.token)
}

// redfishMessage extracts the message of a Redfish error body:
// {"error": {"message": …, "@Message.ExtendedInfo": [{"Message": …}]}}.
func redfishMessage(body []byte) string {
	var e struct {
		Error struct {
			Message  string `json:"message"`
			Extended []struct {
				Message string
			} `json:"@Message.ExtendedInfo"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	msg := e.Error.Message
	if len(e.Error.Extended) > 0 && e.Error.Extended[0].Message != "" {
		if msg != "" {
			msg += ": "
		}
		msg += e.Error.Extended[0].Message
	}
	return strings.TrimSpace(msg)
}
