package backend

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Fuzz targets for the response readers: whatever a server streams, a
// request ends with a record, never a panic, and the record keeps within
// its limits. (FuzzSSEReader checks the event parser on its own.)

// fakeClock ticks a millisecond per reading.
func fakeClock() func() time.Time {
	t := time.Now()
	return func() time.Time { t = t.Add(time.Millisecond); return t }
}

func checkFuzzRecord(t *testing.T, rec *Record, prompt string) {
	if len(rec.Chunks) > maxRecordedChunks {
		t.Fatalf("%d chunk times recorded", len(rec.Chunks))
	}
	for i := 1; i < len(rec.Chunks); i++ {
		if rec.Chunks[i] < rec.Chunks[i-1] {
			t.Fatalf("chunk times go back: %v", rec.Chunks)
		}
	}
	if rec.InputTokens < 0 || rec.OutputTokens < 0 || rec.ReasoningTokens < 0 {
		t.Fatalf("negative tokens: %+v", rec)
	}
	if len(rec.Chunks) > 0 && rec.FirstToken.IsZero() {
		t.Fatalf("chunks without a first token")
	}
}

func seedFuzz(f *testing.F, pattern string) {
	files, _ := filepath.Glob(filepath.Join("testdata", pattern))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
}

// FuzzOpenAIStream reads any body as an OpenAI-style event stream.
func FuzzOpenAIStream(f *testing.F) {
	seedFuzz(f, "*.sse")
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := &Record{Start: time.Now()}
		a := &accumulator{rec: rec, clock: fakeClock()}
		a.readStream(bytes.NewReader(body))
		a.fillTokens("a prompt")
		checkFuzzRecord(t, rec, "a prompt")
	})
}

// FuzzOllamaNDJSON reads any body as an Ollama NDJSON stream, and as a
// whole answer.
func FuzzOllamaNDJSON(f *testing.F) {
	seedFuzz(f, "ollama_*.ndjson")
	seedFuzz(f, "ollama_*.json")
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, stream := range []bool{true, false} {
			rec := &Record{Start: time.Now()}
			a := &ollamaAcc{rec: rec, clock: fakeClock()}
			if stream {
				a.readStream(bytes.NewReader(body))
			} else {
				a.readJSON(bytes.NewReader(body))
			}
			checkFuzzRecord(t, rec, "")
		}
	})
}
