package rapl

import (
	"path/filepath"
	"testing"

	"github.com/aienergy/aienergy/internal/testenv"
)

// sysfsTree unpacks testdata/name (a txtar sysfs fixture) into a
// temporary sysfs root.
func sysfsTree(t testing.TB, name string) string {
	t.Helper()
	return testenv.SysfsTree(t, filepath.Join("testdata", name))
}

func setFile(t testing.TB, root, rel, content string) { testenv.SetFile(t, root, rel, content) }
