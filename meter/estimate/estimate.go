package estimate

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/aienergy/aienergy/meter"
)

// The meter kinds this package registers. Their channels carry the same
// names, so an estimate is recognisable in power.csv even without run.json.
const (
	KindCPU = "cpu-estimate"
	KindRAM = "ram-estimate"
)

// IsEstimate reports whether meters of kind produce modelled figures
// rather than measurements.
func IsEstimate(kind string) bool { return kind == KindCPU || kind == KindRAM }

func init() {
	meter.Register(KindCPU, parseCPU)
	meter.Register(KindRAM, parseRAM)
}

const defaultProcfs = "/proc"

// procfsOption decodes the procfs option.
func procfsOption(spec meter.Spec) (string, error) {
	root, err := spec.String("procfs", defaultProcfs)
	if err != nil {
		return "", err
	}
	if root == "" {
		return "", spec.Errorf("procfs", "must not be empty (default %s)", defaultProcfs)
	}
	return root, nil
}

// checkProcfs checks, when the meter is opened, that root/file is there.
func checkProcfs(spec meter.Spec, root, file string) error {
	if _, err := os.Stat(filepath.Join(root, file)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return meter.Unavailable(spec, fmt.Sprintf("no procfs at %s (%s is missing; estimates need Linux)", root, filepath.Join(root, file)),
				"run on Linux, or set procfs: to where procfs is mounted")
		}
		return spec.Errorf("procfs", "%w", err)
	}
	return nil
}

// positive decodes an optional number that must be > 0 when set; 0 means unset.
func positive(spec meter.Spec, key string, def float64) (float64, error) {
	v, err := spec.Float(key, def)
	if err != nil {
		return 0, err
	}
	if spec.Has(key) && !(v > 0) {
		return 0, spec.Errorf(key, "must be positive, got %v", v)
	}
	return v, nil
}
