package sink

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/rundir"
)

// A csv reporter appends the run's results.csv rows to its output_file,
// the header once across runs, and refuses a file with other columns
// rather than shifting them, leaving it as it was.
func TestCSVAppendsResultsRows(t *testing.T) {
	r := finishedRun(t, "run-two-models")
	out := filepath.Join(t.TempDir(), "results", "all.csv")
	s, err := Open(testCtx(t), "csv", map[string]any{"output_file": out})
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, r.dir)
	for range 2 {
		if err := s.Send(testCtx(t), r.dir, r.sum, r.raw); err != nil {
			t.Fatal(err)
		}
	}
	sameSnapshot(t, before, snapshot(t, r.dir))
	runRows := readCSVFile(t, filepath.Join(r.dir, rundir.ResultsCSV))
	got := readCSVFile(t, out)
	if want := 1 + 2*(len(runRows)-1); len(got) != want {
		t.Fatalf("after two sends %s has %d rows, want %d (header + results.csv's rows twice)", out, len(got), want)
	}
	if strings.Join(got[0], ",") != strings.Join(runRows[0], ",") || strings.Join(got[1], ",") != strings.Join(runRows[1], ",") {
		t.Errorf("%s starts %v / %v, want results.csv's header and first row", out, got[0], got[1])
	}

	foreign := []byte("a,b\n1,2\n")
	if err := os.WriteFile(out, foreign, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(testCtx(t), r.dir, r.sum, r.raw); err == nil || !strings.Contains(err.Error(), "other columns") {
		t.Errorf("sending onto a file with other columns: err = %v", err)
	}
	if data, _ := os.ReadFile(out); !bytes.Equal(data, foreign) {
		t.Errorf("the foreign file was modified: %q", data)
	}
}

func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return rows
}
