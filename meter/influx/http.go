package influx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
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

// do sends req and turns transport failures into advice.
func (s *server) do(req *http.Request) (*http.Response, error) {
	if s.auth != nil {
		s.auth(req)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, s.reachError(req.Context(), err)
	}
	return resp, nil
}

func (s *server) reachError(ctx context.Context, err error) error {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		limit := ""
		if dl, ok := ctx.Deadline(); ok {
			limit = fmt.Sprintf(" (deadline %s)", dl.Format(time.RFC3339))
		}
		return fmt.Errorf("InfluxDB at %s gave no complete answer in time%s; is it overloaded, or the address wrong? (%w)",
			s.shown, limit, context.DeadlineExceeded)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("query to %s: %w", s.shown, context.Canceled)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("cannot reach InfluxDB at %s: connection refused; is influxd running and listening there?", s.shown)
	case errors.As(err, &dnsErr):
		return fmt.Errorf("cannot reach InfluxDB at %s: no such host %q", s.shown, dnsErr.Name)
	}
	return fmt.Errorf("cannot reach InfluxDB at %s: %v; is influxd running?", s.shown, unwrapURLError(err))
}

// unwrapURLError drops net/http's "Get \"URL\":" prefix, which repeats the
// address the message already names.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// snippet reads the start of an error body for a message.
func snippet(body io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(body, 512))
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
