package influx

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/aienergy/aienergy/internal/httpx"
	"github.com/aienergy/aienergy/internal/redact"
)

// maxBody stops a runaway answer; a day of 1 s points for a dozen
// channels is a few MiB.
const maxBody = 512 << 20

// server is the HTTP side shared by both query languages.
type server struct {
	base   *url.URL
	shown  string
	client *http.Client
	// auth adds credentials to a request. A closure, so that printing a
	// Meter with %+v shows no token or password.
	auth func(*http.Request)
}

// endpoint is base + path, keeping any path prefix of the base URL (a
// reverse proxy's /influx/).
func (s *server) endpoint(path string, q url.Values) string {
	u := s.base.JoinPath(path)
	u.RawQuery = q.Encode()
	return u.String()
}

// maxSnippet bounds the start of an error answer quoted in a message.
const maxSnippet = 512

// do sends req and turns transport failures into advice. The body of an
// error answer (not 2xx) is replaced by its start with the request's
// credentials masked: it is read here, where they are known, so that a
// server that echoes the Authorization header cannot get the token or
// password into a message whoever quotes it.
func (s *server) do(req *http.Request) (*http.Response, error) {
	if s.auth != nil {
		s.auth(req)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, s.reachError(req.Context(), err)
	}
	if resp.StatusCode/100 != 2 {
		masked := httpx.QuoteBody(resp.Body, redact.New(httpx.RequestSecrets(req)...), maxSnippet)
		drain(resp)
		resp.Body = io.NopCloser(strings.NewReader(masked))
	}
	return resp, nil
}

func (s *server) reachError(_ context.Context, err error) error {
	return httpx.Unreached(httpx.Explain(err), "InfluxDB", s.shown, 0, "is influxd running and listening there?")
}

// snippet is the start of an error body for a message, as do left it:
// masked and cut.
func snippet(body io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(body, 4*maxSnippet+int64(len("…"))))
	return strings.TrimSpace(string(b))
}

// drain empties and closes a body so that its connection is reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
}

// detectVersion asks /ping, which every InfluxDB answers without
// credentials, for its major version: "1.6.7~rc0", "1.8.10", "v2.7.4".
func (s *server) detectVersion(ctx context.Context) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.endpoint("ping", nil), nil)
	if err != nil {
		return 0, err
	}
	resp, err := s.client.Do(req) // no credentials: /ping needs none
	if err != nil {
		return 0, s.reachError(ctx, err)
	}
	defer drain(resp)
	v := resp.Header.Get("X-Influxdb-Version")
	if resp.StatusCode/100 != 2 || v == "" {
		return 0, fmt.Errorf("%s answered GET /ping with %s and no X-Influxdb-Version header; is it InfluxDB? "+
			"(set version: 1 or 2 if a proxy hides the header)", s.shown, resp.Status)
	}
	major, _, _ := strings.Cut(strings.TrimPrefix(strings.ToLower(v), "v"), ".")
	switch major {
	case "1":
		return 1, nil
	case "2":
		return 2, nil
	}
	return 0, fmt.Errorf("%s is InfluxDB %s; this meter speaks 1.x (InfluxQL) and 2.x (Flux): set version: 1 or 2 "+
		"if the server offers one of those APIs", s.shown, v)
}
