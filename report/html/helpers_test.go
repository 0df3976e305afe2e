package html

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
)

// fixture copies a run directory's raw files into a temporary directory,
// generates its summary there and reads its raw data back, as a run's end
// or `aienergy report` would.
func fixture(t *testing.T, src string) (dir string, s *report.Summary, raw *rundir.Raw) {
	t.Helper()
	dir = t.TempDir()
	for _, name := range []string{rundir.MetaFile, rundir.PowerFile, rundir.RequestsFile, rundir.PhasesFile} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, _, err := report.GenerateRaw(dir)
	if err != nil {
		t.Fatal(err)
	}
	raw, err = rundir.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, s, raw
}
