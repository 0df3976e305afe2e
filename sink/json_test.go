package sink

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/aienergy/aienergy/rundir"
)

// A json reporter writes summary.json to its output_file, replacing an
// older file, in a directory it creates.
func TestJSONWritesSummary(t *testing.T) {
	r := finishedRun(t, "run-two-models")
	out := filepath.Join(t.TempDir(), "new", "summary-copy.json")
	s, err := Open(testCtx(t), "json", map[string]any{"output_file": out})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(testCtx(t), r.dir, r.sum, r.raw); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(r.dir, rundir.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
		t.Errorf("%s differs from the run's summary.json (%d bytes, want %d)", out, len(got), len(want))
	}

	// A directory in the way is an error, not a silent skip.
	blocked, err := Open(testCtx(t), "json", map[string]any{"output_file": t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := blocked.Send(testCtx(t), r.dir, r.sum, r.raw); err == nil {
		t.Error("writing over a directory succeeded")
	}
}
