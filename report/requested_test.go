package report

import (
	"os"
	"path/filepath"
	"testing"
)

// Each sweep point's throughput says the concurrency that point asked
// for, not the configured base load's.
func TestRequestedConcurrencyPerPoint(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sweep")
	if err := os.CopyFS(dir, os.DirFS("html/testdata/run-sweep-slo")); err != nil {
		t.Fatal(err)
	}
	s, _, err := GenerateRaw(dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, m := range s.Models {
		p := parseLabel(m.Model)
		if p.Concurrency == 0 {
			continue
		}
		seen++
		if got := m.Throughput.RequestedConcurrency; got == nil || *got != p.Concurrency {
			t.Errorf("%s: requested_concurrency %v, want %d", m.Model, got, p.Concurrency)
		}
	}
	if seen < 2 {
		t.Fatalf("the fixture has %d concurrency points; want a sweep", seen)
	}
}
