package estimate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/aienergy/aienergy/meter"
)

// cpuMeter estimates CPU package power from utilization and TDP.
type cpuMeter struct {
	name        string
	statPath    string
	maxWatts    float64 // sockets × TDP
	curve       curve
	minFraction float64
	describe    string // the model in words, for `aienergy meters` and logs

	mu    sync.Mutex // guards prev and lastU; Read may be called concurrently
	prev  cpuTimes
	lastU float64
}

var _ meter.Estimator = (*cpuMeter)(nil)

var cpuKeys = []string{"tdp_watts", "sockets", "curve", "min_fraction", "procfs"}

// cpuOptions are a cpu-estimate meter's options, decoded.
type cpuOptions struct {
	curveName   string
	curve       curve
	minFraction float64
	tdp         float64 // W per package; 0 to look it up
	sockets     int     // 0 to count them
	procfs      string
}

// parseCPU checks the options; opening reads procfs for the CPU model
// and the first utilization figures.
func parseCPU(spec meter.Spec) (meter.Opener, error) {
	if err := spec.CheckKeys(cpuKeys...); err != nil {
		return nil, err
	}
	var o cpuOptions
	var err error
	if o.curveName, err = spec.String("curve", defaultCurve); err != nil {
		return nil, err
	}
	if o.curve, err = lookupCurve(o.curveName); err != nil {
		return nil, spec.Errorf("curve", "%v", err)
	}
	if o.minFraction, err = spec.Float("min_fraction", 0.1); err != nil {
		return nil, err
	}
	if o.minFraction < 0 || o.minFraction > 1 {
		return nil, spec.Errorf("min_fraction", "want a share of TDP between 0 and 1, got %v", o.minFraction)
	}
	if o.tdp, err = positive(spec, "tdp_watts", 0); err != nil {
		return nil, err
	}
	sockets, err := positive(spec, "sockets", 0)
	if err != nil {
		return nil, err
	}
	if sockets != float64(int(sockets)) {
		return nil, spec.Errorf("sockets", "want a whole number of CPU packages, got %v", sockets)
	}
	o.sockets = int(sockets)
	if o.procfs, err = procfsOption(spec); err != nil {
		return nil, err
	}
	return meter.OpenNow(func() (*cpuMeter, error) { return openCPU(spec, o) }), nil
}

func openCPU(spec meter.Spec, o cpuOptions) (*cpuMeter, error) {
	if err := checkProcfs(spec, o.procfs, "stat"); err != nil {
		return nil, err
	}
	basis, err := packageWatts(spec, o.procfs, o.tdp, o.sockets)
	if err != nil {
		return nil, err
	}
	m := &cpuMeter{name: spec.Name, curve: o.curve, minFraction: o.minFraction, maxWatts: basis.watts}
	m.describe = fmt.Sprintf("estimate: %s; W = %g × %s", basis.text, m.maxWatts,
		map[string]string{"linear": fmt.Sprintf("max(u, %g)", m.minFraction),
			"codecarbon": fmt.Sprintf("(%g + %g × u³)", m.minFraction, 1-m.minFraction)}[o.curveName])
	m.statPath = filepath.Join(o.procfs, "stat")
	// The first Read measures utilization since now.
	if m.prev, err = m.readTimes(); err != nil {
		return nil, spec.Errorf("", "%w", err)
	}
	return m, nil
}

// tdpBasis is the machine's total TDP and where it comes from.
type tdpBasis struct {
	watts float64
	text  string // "2 × Intel Xeon Gold 6248 at 150 W TDP (Intel ARK ...)"
}

// packageWatts is sockets × TDP, each from the options when set, else from
// /proc/cpuinfo and the TDP table. Packages of different models (rare, but
// possible) each get their own TDP.
func packageWatts(spec meter.Spec, root string, tdp float64, sockets int) (tdpBasis, error) {
	if tdp > 0 && sockets > 0 {
		return tdpBasis{tdp * float64(sockets), fmt.Sprintf("%d × %g W TDP (configured)", sockets, tdp)}, nil
	}
	path := filepath.Join(root, "cpuinfo")
	info, err := os.ReadFile(path)
	if err != nil {
		return tdpBasis{}, spec.Errorf("", "cannot count CPU packages: %w; or set tdp_watts and sockets", err)
	}
	pkgs := parsePackages(info)
	if len(pkgs) == 0 {
		return tdpBasis{}, spec.Errorf("", "%s lists no processors; set tdp_watts and sockets", path)
	}
	n := len(pkgs)
	if sockets > 0 { // the option overrides the count; all packages are taken to be alike
		n, pkgs = sockets, pkgs[:1]
	}
	if alike(pkgs) {
		pkgs = pkgs[:1]
	}
	if tdp > 0 {
		return tdpBasis{tdp * float64(n), fmt.Sprintf("%d × %g W TDP (configured)", n, tdp)}, nil
	}
	var total float64
	var parts []string
	for _, p := range pkgs {
		if p.Model == "" {
			return tdpBasis{}, meter.Unavailable(spec, fmt.Sprintf("%s names no CPU model (no \"model name\" line)", path),
				"set tdp_watts: for this meter to the TDP of one package from the vendor's specification page")
		}
		e, ok, err := lookupTDP(p.Model)
		if err != nil {
			return tdpBasis{}, err
		}
		if !ok {
			return tdpBasis{}, meter.Unavailable(spec, fmt.Sprintf("CPU model %q is not in the TDP table", p.Model),
				"set tdp_watts: for this meter to the TDP of one package from the vendor's specification page (Intel ARK, AMD product page)")
		}
		total += e.Watts
		parts = append(parts, fmt.Sprintf("%s at %g W TDP (%s)", e.Model, e.Watts, e.Source))
	}
	if len(pkgs) == 1 {
		return tdpBasis{total * float64(n), fmt.Sprintf("%d × %s", n, parts[0])}, nil
	}
	return tdpBasis{total, strings.Join(parts, " + ")}, nil
}

// alike reports whether all packages are the same model.
func alike(pkgs []cpuPackage) bool {
	for _, p := range pkgs[1:] {
		if p.Model != pkgs[0].Model {
			return false
		}
	}
	return true
}

func (m *cpuMeter) readTimes() (cpuTimes, error) {
	stat, err := os.ReadFile(m.statPath)
	if err != nil {
		return cpuTimes{}, err
	}
	t, err := parseCPUTimes(stat)
	if err != nil {
		return cpuTimes{}, fmt.Errorf("%s: %w", m.statPath, err)
	}
	return t, nil
}

func (m *cpuMeter) Name() string { return m.name }

// Estimates marks the readings as modelled, not measured (meter.Estimator).
func (m *cpuMeter) Estimates() bool { return true }

func (m *cpuMeter) Close() error { return nil }

// Read returns the estimated power over the time since the previous read.
func (m *cpuMeter) Read(ctx context.Context) ([]meter.Reading, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, err := m.readTimes()
	if err != nil {
		return nil, err
	}
	// Two reads within one clock tick tell nothing new: keep the last figure.
	if u, ok := utilization(m.prev, cur); ok {
		m.lastU = u
	}
	m.prev = cur
	return []meter.Reading{{
		Meter:     m.name,
		Channel:   KindCPU,
		Component: meter.CPU,
		Watts:     m.maxWatts * m.curve(m.lastU, m.minFraction),
		Joules:    meter.NoValue,
	}}, nil
}

// Describe says how the figure is estimated: the TDP, its source and the
// curve, e.g. "estimate: 2 × Intel Xeon Gold 6248 at 150 W TDP (Intel ARK
// ...); W = 300 × max(u, 0.1)".
func (m *cpuMeter) Describe() string { return m.describe }
