package promquery

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aienergy/aienergy/internal/httpx"
	"github.com/aienergy/aienergy/internal/redact"
)

// maxBody bounds an API answer; a week of 1 s samples of a few series is
// far below it.
const maxBody = 256 << 20

// client speaks the Prometheus HTTP API (/api/v1/query, /api/v1/query_range).
type client struct {
	base      string // base URL without a trailing slash
	shown     string // base with any password hidden, for messages
	headers   map[string]string
	red       *redact.Redactor // the URL's password and every header value, for quoted answers
	http      *http.Client
	transport *http.Transport
}

func newClient(base, shown string, headers map[string]string) *client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 8 // one kept-alive connection per concurrent query
	// A proxy or a misconfigured server may echo the request in an error
	// answer: every header value counts as a secret (a tenant ID next to a
	// token is no less telling), as the backends and the exporter do.
	secrets := redact.URLSecrets(base)
	for _, v := range headers {
		secrets = append(secrets, v)
	}
	return &client{
		base:      strings.TrimRight(base, "/"),
		shown:     strings.TrimRight(shown, "/"),
		headers:   headers,
		red:       redact.New(secrets...),
		http:      &http.Client{Transport: tr},
		transport: tr,
	}
}

// A series is one labelled time series as the API returns it; points hold
// raw values, not yet scaled.
type series struct {
	labels map[string]string
	points []point
}

// A point is one sample: Unix seconds and value.
type point struct{ t, v float64 }

// instant evaluates expr now (/api/v1/query) and returns one point per series.
func (c *client) instant(ctx context.Context, expr string, limit time.Duration) ([]series, error) {
	return c.get(ctx, "query", url.Values{"query": {expr}}, expr, limit)
}

// instantAt evaluates expr at t; with a range selector the answer is a
// matrix of raw samples.
func (c *client) instantAt(ctx context.Context, expr string, t time.Time, limit time.Duration) ([]series, error) {
	return c.get(ctx, "query", url.Values{"query": {expr}, "time": {unixString(t)}}, expr, limit)
}

// rangeQuery evaluates expr on the grid start, start+step, … ≤ end.
func (c *client) rangeQuery(ctx context.Context, expr string, start, end time.Time, step time.Duration, limit time.Duration) ([]series, error) {
	v := url.Values{
		"query": {expr},
		"start": {unixString(start)},
		"end":   {unixString(end)},
		"step":  {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)},
	}
	return c.get(ctx, "query_range", v, expr, limit)
}

func unixString(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixNano())/1e9, 'f', 3, 64)
}

// apiResponse is the envelope of every API answer.
type apiResponse struct {
	Status    string `json:"status"`
	ErrorType string `json:"errorType"`
	Error     string `json:"error"`
	Data      struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	} `json:"data"`
}

func (c *client) get(ctx context.Context, endpoint string, params url.Values, expr string, limit time.Duration) ([]series, error) {
	// The caller's deadline (the sampler's) may be the tighter one; the
	// error message should name the limit that really applied.
	if dl, ok := ctx.Deadline(); ok {
		limit = min(limit, time.Until(dl))
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	u := c.base + "/api/v1/" + endpoint + "?" + params.Encode()
	shown := c.shown + "/api/v1/" + endpoint
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", shown, err)
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.requestError(err, limit)
	}
	defer func() {
		// Drain what is left so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		_ = resp.Body.Close()
	}()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, c.requestError(err, limit)
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("GET %s: answer larger than %d MiB for %s; narrow the query with selector", shown, maxBody>>20, expr)
	}
	var r apiResponse
	jsonErr := json.Unmarshal(body, &r)
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, fmt.Errorf("GET %s: %s: wrong or missing credentials; put user:password@ in url, or set bearer_token_env or headers", shown, resp.Status)
	case resp.StatusCode == http.StatusNotFound && jsonErr != nil:
		return nil, fmt.Errorf("GET %s: %s: no Prometheus API there; url must be the server's base URL such as http://prometheus:9090 (with any path prefix it is served under)", shown, resp.Status)
	case jsonErr != nil || r.Status == "":
		return nil, fmt.Errorf("GET %s: %s, and the answer is not Prometheus API JSON (%s); is url a Prometheus server?", shown, resp.Status, strconv.Quote(c.red.Quote(string(body), maxQuoted)))
	case r.Status != "success":
		return nil, fmt.Errorf("query rejected by Prometheus at %s: %s: %s (%s, %s)", c.shown, expr, c.red.Quote(r.Error, 0), r.ErrorType, resp.Status)
	}
	ss, err := decodeResult(r.Data.ResultType, r.Data.Result)
	if err != nil {
		return nil, fmt.Errorf("GET %s for %s: %w", shown, expr, err)
	}
	return ss, nil
}

// maxQuoted bounds the start of an answer that is not the API's, quoted
// in a message.
const maxQuoted = 120

// decodeResult turns the result of any type into series. A scalar is one
// series without labels.
func decodeResult(resultType string, raw json.RawMessage) ([]series, error) {
	switch resultType {
	case "vector":
		var items []struct {
			Metric map[string]string `json:"metric"`
			Value  pair              `json:"value"`
		}
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("cannot decode the vector: %w", err)
		}
		out := make([]series, len(items))
		for i, it := range items {
			out[i] = series{labels: it.Metric, points: []point{point(it.Value)}}
		}
		return out, nil
	case "matrix":
		var items []struct {
			Metric map[string]string `json:"metric"`
			Values []pair            `json:"values"`
		}
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("cannot decode the matrix: %w", err)
		}
		out := make([]series, len(items))
		for i, it := range items {
			pts := make([]point, len(it.Values))
			for j, p := range it.Values {
				pts[j] = point(p)
			}
			out[i] = series{labels: it.Metric, points: pts}
		}
		return out, nil
	case "scalar":
		var p pair
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, fmt.Errorf("cannot decode the scalar: %w", err)
		}
		return []series{{labels: map[string]string{}, points: []point{point(p)}}}, nil
	}
	return nil, fmt.Errorf("result of type %q; want a vector of power or energy series", resultType)
}

// pair is a sample as the API writes it: [1712345678.123, "42.5"].
type pair struct{ t, v float64 }

func (p *pair) UnmarshalJSON(b []byte) error {
	var raw [2]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if err := json.Unmarshal(raw[0], &p.t); err != nil {
		return fmt.Errorf("sample time %s: %w", raw[0], err)
	}
	var s string
	if err := json.Unmarshal(raw[1], &s); err != nil {
		return fmt.Errorf("sample value %s: %w", raw[1], err)
	}
	v, err := strconv.ParseFloat(s, 64) // also "NaN", "+Inf"
	if err != nil {
		return fmt.Errorf("sample value %q: %w", s, err)
	}
	p.v = v
	return nil
}

// requestError turns a transport failure into advice; limit is the time
// the request was given.
func (c *client) requestError(err error, limit time.Duration) error {
	return c.red.Error(httpx.Unreached(httpx.Explain(err), "Prometheus", c.shown, limit,
		"is Prometheus running and listening there?"))
}

func (c *client) close() { c.transport.CloseIdleConnections() }
