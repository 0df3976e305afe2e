package openai

import (
	"bytes"
	"testing"
	"time"

	"github.com/aienergy/aienergy/backend"
	"github.com/aienergy/aienergy/backend/backendtest"
)

// Fuzz targets for the response readers: whatever a server streams, a
// request ends with a record, never a panic, and the record keeps within
// its limits. (FuzzSSEReader checks the event parser on its own.)

// FuzzOpenAIStream reads any body as an OpenAI-style event stream.
func FuzzOpenAIStream(f *testing.F) {
	backendtest.SeedFuzz(f, "*.sse")
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := &backend.Record{Start: time.Now()}
		a := &accumulator{rec: rec, clock: backendtest.FakeClock()}
		a.ReadStream(bytes.NewReader(body))
		var u *backend.Usage
		rec.ErrorClass, _, u, _ = a.Result()
		backend.SetTokens(rec, u, a.textChars, "a prompt")
		backendtest.CheckFuzzRecord(t, rec)
	})
}
