//go:build unix

package rundir

import (
	"errors"
	"os"
	"syscall"
)

// syncDir fsyncs a directory, making a rename in it durable. File systems
// that cannot sync a directory (EINVAL) have nothing more to make durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		err = nil
	}
	return errors.Join(err, d.Close())
}
