//go:build unix

package rundir

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Every file of a run directory is created 0666 less the umask, like any
// file the user makes: with an umask of 077 the run stays private, files
// written atomically included. (The umask is the process's: this test
// does not run in parallel with others.)
func TestFilesFollowTheUmask(t *testing.T) {
	for _, tt := range []struct {
		umask int
		want  os.FileMode
	}{{0o077, 0o600}, {0o022, 0o644}, {0o002, 0o664}} {
		old := syscall.Umask(tt.umask)
		dir := filepath.Join(t.TempDir(), "run")
		w, err := Create(dir, time.Now())
		if err == nil {
			err = w.Close()
		}
		if err == nil {
			err = WriteJSON(dir, MetaFile, Meta{})
		}
		if err == nil {
			err = WriteFileAtomic(filepath.Join(dir, SummaryFile), []byte("{}\n"))
		}
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{PowerFile, RequestsFile, PhasesFile, MetaFile, SummaryFile} {
			fi, err := os.Stat(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != tt.want {
				t.Errorf("umask %03o: %s has mode %03o, want %03o", tt.umask, name, got, tt.want)
			}
		}
		if fi, err := os.Stat(dir); err == nil && fi.Mode().Perm() != 0o777&^os.FileMode(tt.umask) {
			t.Errorf("umask %03o: the run directory has mode %03o", tt.umask, fi.Mode().Perm())
		}
	}
}
