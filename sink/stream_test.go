package sink

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aienergy/aienergy/internal/synthrun"
	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// synthetic is n requests made as they are read, none held: a long run's
// requests.csv in miniature. sample, when set, is called every 10 000.
type synthetic struct {
	n      int
	sample func()
}

func (s synthetic) Len() int { return s.n }

func (s synthetic) Each(fn func(trace.Request) error) error {
	for i := range s.n {
		start := float64(i) * 0.005
		r := trace.Request{ID: i, Model: "m", Phase: trace.PhaseMeasured, Start: start, FirstToken: start + 0.1, End: start + 1,
			InputTokens: 100, OutputTokens: 20, FinishReason: "length"}
		if i%50 == 49 {
			r.FirstToken, r.ErrorClass, r.OutputTokens, r.FinishReason = math.NaN(), "timeout", 0, ""
		}
		if s.sample != nil && i%10_000 == 0 {
			s.sample()
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func syntheticRun(n int, sample func()) (*report.Summary, *rundir.Raw) {
	sum := &report.Summary{RunID: "synthetic", StartedAt: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}
	return sum, &rundir.Raw{Requests: synthetic{n: n, sample: sample}}
}

// countRequests counts the HTTP requests a sink's client sends, by the
// start of their query.
type countRequests struct {
	inserts, writes atomic.Int64
}

func (c *countRequests) RoundTrip(r *http.Request) (*http.Response, error) {
	q := r.URL.Query().Get("query")
	switch {
	case strings.HasPrefix(q, "INSERT"):
		c.inserts.Add(1)
	case strings.HasSuffix(r.URL.Path, "/write"):
		c.writes.Add(1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// A run's requests go to ClickHouse in INSERTs of clickhouseBatchRows as
// requests.csv is read: every row arrives, and what the sink holds is one
// batch, not the run.
func TestClickHouseInsertsRequestsInBatches(t *testing.T) {
	srv := startClickHouse(t)
	n := 2*clickhouseBatchRows + 7
	base := synthrun.LiveHeap()
	peak := base
	sum, raw := syntheticRun(n, func() { peak = max(peak, synthrun.LiveHeap()) })
	s, err := NewClickHouse(map[string]any{"url": srv.url})
	if err != nil {
		t.Fatal(err)
	}
	var c countRequests
	s.c.http.Transport = &c
	if err := s.Send(testCtx(t), "", sum, raw); err != nil {
		t.Fatal(err)
	}
	if got := c.inserts.Load(); got != 3 {
		t.Errorf("%d INSERTs for %d requests, want 3 (batches of %d)", got, n, clickhouseBatchRows)
	}
	got := srv.rows(t, "SELECT count() AS n, countIf(ttft_ms IS NULL) AS failed, max(id) AS last FROM aienergy_requests WHERE run_id = 'synthetic'")
	if len(got) != 1 || got[0]["n"].(json.Number).String() != jsonInt(int64(n)) ||
		got[0]["failed"].(json.Number).String() != jsonInt(int64(n/50)) || got[0]["last"].(json.Number).String() != jsonInt(int64(n-1)) {
		t.Errorf("rows %v, want %d requests, %d of them failed, the last id %d", got, n, n/50, n-1)
	}
	// A batch of rows as JSON is a few MB; the run's rows as the maps
	// they used to be built into, about 1.5 KB each, would be 60 MB.
	t.Logf("live heap at most %d KiB above the start", (peak-base)>>10)
	if peak-base > 16<<20 {
		t.Errorf("live heap grew by %d MiB while inserting, want under 16 MiB", (peak-base)>>20)
	}
}

// A run's request points go to InfluxDB in writes of influxBatch lines as
// requests.csv is read.
func TestInfluxWritesRequestsInBatches(t *testing.T) {
	srv := startInfluxd(t)
	srv.query(t, "", "CREATE DATABASE energy", true)
	t.Setenv("AIENERGY_TEST_INFLUX_PASSWORD", srv.password)
	n := 2*influxBatch + 7
	base := synthrun.LiveHeap()
	peak := base
	sum, raw := syntheticRun(n, func() { peak = max(peak, synthrun.LiveHeap()) })
	s, err := NewInflux(map[string]any{"url": srv.url, "database": "energy", "username": srv.user,
		"password_env": "AIENERGY_TEST_INFLUX_PASSWORD", "requests": true})
	if err != nil {
		t.Fatal(err)
	}
	var c countRequests
	s.c.http.Transport = &c
	if err := s.Send(testCtx(t), "", sum, raw); err != nil {
		t.Fatal(err)
	}
	if got := c.writes.Load(); got != 3 {
		t.Errorf("%d writes for %d requests, want 3 (batches of %d)", got, n, influxBatch)
	}
	got := rows(srv.query(t, "energy", `SELECT count(id) FROM aienergy_request WHERE run_id = 'synthetic'`, true))
	if len(got) != 1 || got[0]["count"].(json.Number).String() != jsonInt(int64(n)) {
		t.Errorf("count %v, want %d points", got, n)
	}
	t.Logf("live heap at most %d KiB above the start", (peak-base)>>10)
	if peak-base > 16<<20 {
		t.Errorf("live heap grew by %d MiB while writing, want under 16 MiB", (peak-base)>>20)
	}
}
