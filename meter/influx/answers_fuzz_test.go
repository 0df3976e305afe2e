package influx

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// answerServer serves, on loopback, whatever body holds to every request.
func answerServer(f *testing.F, contentType string) (*server, *atomic.Pointer[[]byte]) {
	var body atomic.Pointer[[]byte]
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(*body.Load())
	}))
	f.Cleanup(hs.Close)
	base, _ := url.Parse(hs.URL)
	return &server{base: base, shown: hs.URL, client: hs.Client()}, &body
}

// checkSeries holds what a query returned to what a meter may use: only
// finite readings.
func checkSeries(t *testing.T, out []series) {
	for _, s := range out {
		for _, p := range s.points {
			if math.IsNaN(p.Watts) || math.IsInf(p.Watts, 0) {
				t.Fatalf("point %+v", p)
			}
		}
	}
}

// FuzzInfluxQLAnswer feeds the InfluxDB 1.x reader any answer to a
// query, from a real loopback server: series or an error, never a panic.
func FuzzInfluxQLAnswer(f *testing.F) {
	for _, s := range []string{
		`{"results":[{"statement_id":0,"series":[{"name":"power_consumption","tags":{"target":"rapl"},"columns":["time","power"],"values":[[1700000000000000000,12.5],[1700000001000000000,null]]}]}]}`,
		`{"results":[{"statement_id":0,"series":[{"name":"p","columns":["time","power"],"values":[[1,2]]}],"partial":true}]}` + "\n" +
			`{"results":[{"statement_id":0,"series":[{"name":"p","columns":["time","power"],"values":[[3,4]]}]}]}`,
		`{"results":[{"statement_id":0,"error":"database not found: x"}]}`,
		`{"error":"error parsing query"}`,
	} {
		f.Add([]byte(s))
	}
	srv, body := answerServer(f, "application/json")
	d := &influxQL{srv: srv, db: "db", chunkSize: defaultChunkSize}
	f.Fuzz(func(t *testing.T, in []byte) {
		body.Store(&in)
		out, err := d.points(context.Background(), "SELECT 1")
		if err == nil {
			checkSeries(t, out)
		}
	})
}

// FuzzFluxAnswer does the same for InfluxDB 2.x annotated CSV.
func FuzzFluxAnswer(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.csv"))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	srv, body := answerServer(f, "text/csv")
	d := &flux{srv: srv, org: "org", bucket: "b"}
	f.Fuzz(func(t *testing.T, in []byte) {
		body.Store(&in)
		out, err := d.points(context.Background(), "from()")
		if err == nil {
			checkSeries(t, out)
		}
	})
}
