package estimate

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aienergy/aienergy/meter"
)

// Defaults of the RAM model; see the package doc for their sources.
const (
	defaultWattsPerGB   = 3.0 / 8 // CodeCarbon v2: 3 W per 8 GB (Crucial)
	defaultWattsPerDIMM = 5.0     // CodeCarbon v3: RAM_SLOT_POWER_X86
)

// ramMeter reports a constant estimate of DRAM power.
type ramMeter struct {
	name     string
	watts    float64
	describe string
}

var _ meter.Estimator = (*ramMeter)(nil)

var ramKeys = []string{"watts_per_gb", "installed_gb", "dimms", "watts_per_dimm", "procfs"}

// parseRAM checks the options. A meter told the installed memory is
// whole at once; otherwise opening reads MemTotal from procfs.
func parseRAM(spec meter.Spec) (meter.Opener, error) {
	if err := spec.CheckKeys(ramKeys...); err != nil {
		return nil, err
	}
	dimms, err := positive(spec, "dimms", 0)
	if err != nil {
		return nil, err
	}
	if dimms > 0 {
		if dimms != float64(int(dimms)) {
			return nil, spec.Errorf("dimms", "want a whole number of memory modules, got %v", dimms)
		}
		for _, k := range []string{"watts_per_gb", "installed_gb"} {
			if spec.Has(k) {
				return nil, spec.Errorf(k, "set dimms: (power per module) or %s: (power per GB), not both", k)
			}
		}
		perDIMM, err := positive(spec, "watts_per_dimm", defaultWattsPerDIMM)
		if err != nil {
			return nil, err
		}
		return meter.Ready(&ramMeter{name: spec.Name, watts: dimms * perDIMM,
			describe: fmt.Sprintf("estimate: %g modules × %g W", dimms, perDIMM)}), nil
	}
	if spec.Has("watts_per_dimm") {
		return nil, spec.Errorf("watts_per_dimm", "only means something with dimms: (the number of memory modules)")
	}
	perGB, err := positive(spec, "watts_per_gb", defaultWattsPerGB)
	if err != nil {
		return nil, err
	}
	gb, err := positive(spec, "installed_gb", 0)
	if err != nil {
		return nil, err
	}
	if gb > 0 {
		return meter.Ready(perGBMeter(spec, gb, "configured", perGB)), nil
	}
	root, err := procfsOption(spec)
	if err != nil {
		return nil, err
	}
	return meter.OpenNow(func() (*ramMeter, error) {
		if err := checkProcfs(spec, root, "meminfo"); err != nil {
			return nil, err
		}
		gb, err := memTotalGiB(filepath.Join(root, "meminfo"))
		if err != nil {
			return nil, spec.Errorf("", "%w; or set installed_gb", err)
		}
		return perGBMeter(spec, gb, "MemTotal", perGB), nil
	}), nil
}

// perGBMeter estimates gb of memory (source says where the figure comes
// from) at perGB watts each.
func perGBMeter(spec meter.Spec, gb float64, source string, perGB float64) *ramMeter {
	return &ramMeter{name: spec.Name, watts: gb * perGB,
		describe: fmt.Sprintf("estimate: %.4g GB (%s) × %g W/GB", gb, source, perGB)}
}

// memTotalGiB reads MemTotal from a meminfo file, in GiB. The kernel's
// "kB" there are KiB, and memory modules are sized in binary units, so an
// "8 GB" DIMM is 8 GiB.
func memTotalGiB(path string) (float64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || key != "MemTotal" {
			continue
		}
		num, unit, _ := strings.Cut(strings.TrimSpace(val), " ")
		kib, err := strconv.ParseUint(num, 10, 64)
		if err != nil || unit != "kB" || kib == 0 {
			return 0, fmt.Errorf("%s: MemTotal is %q, want a number of kB", path, strings.TrimSpace(val))
		}
		return float64(kib) / (1 << 20), nil
	}
	return 0, fmt.Errorf("%s: no MemTotal line", path)
}

func (m *ramMeter) Name() string { return m.name }

// Estimates marks the readings as modelled, not measured (meter.Estimator).
func (m *ramMeter) Estimates() bool { return true }

// Describe says how the figure is estimated, e.g. "estimate: 31 GB
// (MemTotal) × 0.375 W/GB".
func (m *ramMeter) Describe() string { return m.describe }

func (m *ramMeter) Close() error { return nil }

// Read returns the constant estimate; nothing is measured.
func (m *ramMeter) Read(ctx context.Context) ([]meter.Reading, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return []meter.Reading{{
		Meter:     m.name,
		Channel:   KindRAM,
		Component: meter.DRAM,
		Watts:     m.watts,
		Joules:    meter.NoValue,
	}}, nil
}
