package rundir

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// WriteFileAtomic writes data to path through a temporary file and a
// rename, with the data and the rename synced to disk: a reader, or the
// machine after a power cut, sees the old file or the new, never a mix.
func WriteFileAtomic(path string, data []byte) error {
	return replaceFile(path, data, true)
}

// WriteAtomic is WriteFileAtomic for a file written as it is produced:
// write gets a buffered writer onto the new file, so that a file of
// hundreds of MB (a run's every inter-token gap) is never in memory
// whole. When write fails, path is left as it was and its error is
// returned as it is.
func WriteAtomic(path string, write func(io.Writer) error) error {
	return replaceFunc(path, true, func(f *os.File) error {
		bw := bufio.NewWriterSize(f, 64<<10)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// replaceFile writes data to a new file beside path and renames it over
// path; if durable, the file is fsynced before the rename and its
// directory after, so that the rename survives a power cut. The new file's mode is
// 0666 less the umask, as for any file the user creates: an umask of 077
// keeps run data private.
func replaceFile(path string, data []byte, durable bool) error {
	return replaceFunc(path, durable, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}

// replaceFunc is replaceFile with the new file's content written by write.
func replaceFunc(path string, durable bool, write func(*os.File) error) error {
	tmp, err := createTemp(path)
	if err != nil {
		return err
	}
	err = write(tmp)
	if err == nil && durable {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if durable {
		return syncDir(filepath.Dir(path))
	}
	return nil
}

// createTemp is os.CreateTemp with mode 0666 (less the umask) rather than
// 0600: the file is to become path itself.
func createTemp(path string) (*os.File, error) {
	for {
		name := filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.%016x.tmp", filepath.Base(path), rand.Uint64()))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, os.ErrExist) {
			return f, err
		}
	}
}
