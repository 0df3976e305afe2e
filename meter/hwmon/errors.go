package hwmon

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// sysPath is the file's path as the user would type it.
func (m *AMDGPU) sysPath(rel string) string {
	return filepath.Join(m.root, filepath.FromSlash(rel))
}

// readError explains a sensor that could be read before and now cannot.
// amdgpu answers EPERM, not a permission problem, while the GPU is in reset
// or the system is suspending; EACCES is the file's mode.
func (m *AMDGPU) readError(g gpu, file string, err error) error {
	where := fmt.Sprintf("%s (%s): %s", g.channel, g.card, m.sysPath(file))
	switch {
	case errors.Is(err, syscall.EACCES):
		return fmt.Errorf("%s: permission denied; amdgpu makes its sensors readable by everyone: check who changed the mode, or run aienergy as root (%w)", where, err)
	case errors.Is(err, syscall.EPERM):
		return fmt.Errorf("%s: the driver refused (EPERM): the GPU is being reset, or the system is suspending (%w)", where, err)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s has gone: was the GPU removed or the amdgpu driver unloaded? (%w)", where, err)
	}
	return fmt.Errorf("%s: %w", where, err)
}

// errno strips the path from a file error: the message names the file.
func errno(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// readMicro reads a sysfs file holding a count of micro-units.
func readMicro(fsys fs.FS, file string) (uint64, error) {
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return 0, err
	}
	s := strings.TrimSpace(string(b))
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s holds %q, not a whole number", file, s)
	}
	return v, nil
}
