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
	meter.Register(KindCPU, newCPU)
	meter.Register(KindRAM, newRAM)
}

const defaultProcfs = "/proc"

// procfsRoot decodes the procfs option and checks that root/file is there.
func procfsRoot(spec meter.Spec, file string) (string, error) {
	root, err := spec.String("procfs", defaultProcfs)
	if err != nil {
		return "", err
	}
	if root == "" {
		return "", spec.Errorf("procfs", "must not be empty (default %s)", defaultProcfs)
	}
	if _, err := os.Stat(filepath.Join(root, file)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", meter.Unavailable(spec, fmt.Sprintf("no procfs at %s (%s is missing; estimates need Linux)", root, filepath.Join(root, file)),
				"run on Linux, or set procfs: to where procfs is mounted")
		}
		return "", spec.Errorf("procfs", "%w", err)
	}
	return root, nil
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
