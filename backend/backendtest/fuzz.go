package backendtest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aienergy/aienergy/backend"
)

// FakeClock ticks a millisecond per reading.
func FakeClock() func() time.Time {
	t := time.Now()
	return func() time.Time { t = t.Add(time.Millisecond); return t }
}

// CheckFuzzRecord fails when a record read from any body breaks its
// limits: too many chunk times, times that go back, negative tokens.
func CheckFuzzRecord(t *testing.T, rec *backend.Record) {
	if len(rec.Chunks) > backend.MaxRecordedChunks {
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

// SeedFuzz adds the testdata files that match pattern to f's corpus.
func SeedFuzz(f *testing.F, pattern string) {
	files, _ := filepath.Glob(filepath.Join("testdata", pattern))
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
}
