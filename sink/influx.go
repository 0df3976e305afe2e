package sink

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"

	"github.com/aienergy/aienergy/internal/redact"
	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

func init() { registerReady("influxdb", NewInflux) }

// Influx writes a run's results to InfluxDB as line protocol, so they
// land beside PowerAPI's data: measurement aienergy_run, one point per
// model (tags run_id, model, host, backend; a field per headline figure;
// time = the end of the model's measured phase) and, with requests: true,
// aienergy_request, one point per request.
//
// InfluxDB 1.x (option database) is written through /write?db=;
// 2.x (options org and bucket) through /api/v2/write with a token.
type Influx struct {
	url      string
	v2       bool
	database string // 1.x
	rp       string // 1.x retention policy; "" for the default
	org      string // 2.x
	bucket   string // 2.x

	measurement        string
	requestMeasurement string // "" unless requests are written
	c                  *client
}

// influxBatch is how many lines go in one write, InfluxData's advice.
const influxBatch = 5000

// NewInflux builds an InfluxDB sink. Options: url; for 1.x database,
// retention_policy, username, password_env; for 2.x org, bucket,
// token_env; measurement (aienergy_run), requests (false),
// request_measurement (aienergy_request), timeout_s (30).
func NewInflux(opts map[string]any) (*Influx, error) {
	o := newOptions("influxdb", opts)
	s := &Influx{
		url:         o.url("url", "http://127.0.0.1:8086"),
		database:    o.str("database", ""),
		rp:          o.str("retention_policy", ""),
		org:         o.str("org", ""),
		bucket:      o.str("bucket", ""),
		measurement: o.str("measurement", "aienergy_run"),
	}
	if o.boolean("requests", false) {
		s.requestMeasurement = o.str("request_measurement", "aienergy_request")
	} else {
		o.str("request_measurement", "")
	}
	user, password := o.login()
	token := o.secret("token_env")
	timeout := o.duration("timeout_s", defaultTimeout)
	switch {
	case s.database != "" && (s.bucket != "" || s.org != ""):
		o.fail("database", "give database (InfluxDB 1.x) or org and bucket (2.x), not both")
	case s.bucket != "" || s.org != "":
		s.v2 = true
		if s.bucket == "" {
			o.fail("bucket", "missing: InfluxDB 2.x needs org and bucket")
		}
		if s.org == "" {
			o.fail("org", "missing: InfluxDB 2.x needs org and bucket")
		}
		if user != "" || s.rp != "" {
			o.fail("username", "username, password_env and retention_policy are for InfluxDB 1.x; 2.x uses token_env")
		}
	case s.database == "":
		o.fail("database", "missing: give database (InfluxDB 1.x) or org and bucket (2.x)")
	}
	if s.measurement == "" {
		o.fail("measurement", "is empty")
	}
	if err := o.done(); err != nil {
		return nil, err
	}
	s.c = newClient(timeout, func(r *http.Request) {
		switch {
		case token != "":
			r.Header.Set("Authorization", "Token "+token)
		case user != "":
			r.SetBasicAuth(user, password)
		}
	}, token, password, redact.BasicAuth(user, password))
	return s, nil
}

// Name implements Sink.
func (s *Influx) Name() string {
	if s.v2 {
		return fmt.Sprintf("influxdb %s (org %s, bucket %s)", s.url, s.org, s.bucket)
	}
	return fmt.Sprintf("influxdb %s (database %s)", s.url, s.database)
}

// Send implements Sink. Lines go in batches of influxBatch as they are
// made: a day of requests is millions of points, never all in memory. A
// batch that fails leaves the ones before it written (InfluxDB overwrites
// a point with the same series and time, so sending the run again is
// safe).
func (s *Influx) Send(ctx context.Context, _ string, sum *report.Summary, raw *rundir.Raw) error {
	var body []byte
	lines, written := 0, 0
	flush := func() error {
		if lines == 0 {
			return nil
		}
		if err := s.write(ctx, body); err != nil {
			if written > 0 {
				return fmt.Errorf("%w (%d points were written before this batch)", err, written)
			}
			return err
		}
		written += lines
		lines, body = 0, body[:0]
		return nil
	}
	err := s.EachLine(sum, raw, func(line string) error {
		body = append(append(body, line...), '\n')
		if lines++; lines >= influxBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("%s: %w", s.Name(), err)
	}
	return nil
}

// EachLine calls fn with each line of the line protocol Send writes, in
// order: the models' points, then, with requests: true, one per request,
// made as requests.csv is read. It stops at fn's first error.
func (s *Influx) EachLine(sum *report.Summary, raw *rundir.Raw, fn func(line string) error) error {
	if s.requestMeasurement != "" && raw == nil {
		return errors.New("requests: true needs the run's raw data (requests.csv)")
	}
	for i := range sum.Models {
		m := &sum.Models[i]
		p := newPoint(s.measurement)
		s.runTags(p, sum, m.Model)
		for _, f := range figures {
			v, ok := f.get(sum, m)
			switch {
			case !ok:
			case f.integer:
				p.integer(f.name, int64(v))
			default:
				p.float(f.name, v)
			}
		}
		if m.EnergyMethod != "" {
			p.str("energy_method", m.EnergyMethod)
		}
		p.boolean("tokens_estimated", m.TokensEstimated)
		line, _ := p.line(windowEnd(sum, m)) // completed is always there
		if err := fn(line); err != nil {
			return err
		}
	}
	if s.requestMeasurement == "" || raw.Requests == nil {
		return nil
	}
	return raw.Requests.Each(func(r trace.Request) error {
		return fn(s.requestLine(sum, r))
	})
}

func (s *Influx) runTags(p *point, sum *report.Summary, model string) {
	p.tag("backend", sum.Backend.Type)
	p.tag("host", sum.Host.Hostname)
	p.tag("model", model)
	p.tag("run_id", sum.RunID)
}

// requestLine is one request's point. Its time is the request's start;
// as requests.csv keeps microseconds, the id modulo 1000 is added in
// nanoseconds so that requests started in the same microsecond do not
// overwrite each other (same tags, same time).
func (s *Influx) requestLine(sum *report.Summary, r trace.Request) string {
	p := newPoint(s.requestMeasurement)
	s.runTags(p, sum, r.Model)
	p.tag("error_class", r.ErrorClass)
	p.tag("phase", r.Phase)
	p.integer("id", int64(r.ID))
	p.float("start_s", r.Start)
	p.float("end_s", r.End)
	p.float("e2e_ms", (r.End-r.Start)*1000)
	if !math.IsNaN(r.FirstToken) {
		p.float("first_token_s", r.FirstToken)
		p.float("ttft_ms", (r.FirstToken-r.Start)*1000)
	}
	p.integer("input_tokens", int64(r.InputTokens))
	p.integer("output_tokens", int64(r.OutputTokens))
	p.boolean("tokens_estimated", r.TokensEstimated)
	p.boolean("ok", r.OK())
	if r.FinishReason != "" {
		p.str("finish_reason", r.FinishReason)
	}
	ns := sum.StartedAt.UnixNano() + int64(math.Round(r.Start*1e6))*1000 + int64(r.ID%1000)
	line, _ := p.line(ns)
	return line
}

// write sends body, lines of line protocol each ended by a newline.
func (s *Influx) write(ctx context.Context, body []byte) error {
	q := url.Values{"precision": {"ns"}}
	endpoint := "/write"
	if s.v2 {
		endpoint = "/api/v2/write"
		q.Set("org", s.org)
		q.Set("bucket", s.bucket)
	} else {
		q.Set("db", s.database)
		if s.rp != "" {
			q.Set("rp", s.rp)
		}
	}
	_, err := s.c.do(ctx, http.MethodPost, s.url+endpoint+"?"+q.Encode(), "text/plain; charset=utf-8", body)
	var se *StatusError
	if !errors.As(err, &se) {
		return err
	}
	switch {
	case se.Code == http.StatusUnauthorized || se.Code == http.StatusForbidden:
		hint := "check username and password_env"
		if s.v2 {
			hint = "check token_env: the token needs write access to the bucket"
		}
		return authHint(err, hint)
	case se.Code == http.StatusNotFound && !s.v2:
		return fmt.Errorf("database %q does not exist (create it: CREATE DATABASE %q): %w", s.database, s.database, err)
	case se.Code == http.StatusNotFound:
		return fmt.Errorf("org %q or bucket %q does not exist: %w", s.org, s.bucket, err)
	case se.Code == http.StatusBadRequest:
		return fmt.Errorf("schema: InfluxDB rejected the points (a field stored before with another type?): %w", err)
	}
	return err
}
