package ollama

import (
	"bytes"
	"testing"
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/backend/backendtest"
)

// Fuzz targets for the response readers: whatever a server streams, a
// request ends with a record, never a panic, and the record keeps within
// its limits.

// FuzzOllamaNDJSON reads any body as an NDJSON stream, and as a
// whole answer.
func FuzzOllamaNDJSON(f *testing.F) {
	backendtest.SeedFuzz(f, "*.ndjson")
	backendtest.SeedFuzz(f, "*.json")
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, stream := range []bool{true, false} {
			rec := &backend.Record{Start: time.Now()}
			a := &accumulator{rec: rec, clock: backendtest.FakeClock()}
			if stream {
				a.ReadStream(bytes.NewReader(body))
			} else {
				a.ReadJSON(bytes.NewReader(body))
			}
			backendtest.CheckFuzzRecord(t, rec)
		}
	})
}
