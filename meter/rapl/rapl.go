package rapl

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/aienergy/aienergy/meter"
)

func init() { meter.Register("rapl", parse) }

// parse checks the options without reading sysfs; opening reads it.
func parse(spec meter.Spec) (meter.Opener, error) {
	o, err := parseOptions(spec)
	if err != nil {
		return nil, err
	}
	return meter.OpenNow(func() (*Meter, error) { return open(spec, os.DirFS(o.sysfs), o) }), nil
}

// Meter is the "rapl" meter. Besides meter.Meter it offers MaxRanges, which
// the analysis needs to unwrap the counters, and Skipped, which says what
// it found and left out.
type Meter struct {
	name      string
	fsys      fs.FS  // the sysfs root
	root      string // the same, as a path for messages
	channels  []channel
	maxRanges map[string]float64 // by "meter/channel", in joules
	skipped   []string
}

type channel struct {
	name      string
	component meter.Component
	file      string // energy_uj, relative to the sysfs root
}

// open builds the meter over fsys, the sysfs root (o.sysfs names it in
// messages); tests hand in a file system that fails where they want.
func open(spec meter.Spec, fsys fs.FS, o options) (*Meter, error) {
	m := &Meter{name: spec.Name, fsys: fsys, root: o.sysfs, maxRanges: map[string]float64{}}
	doms, skipped, err := discover(fsys)
	if errors.Is(err, errNoPowercap) {
		return nil, unavailableNoRAPL(spec, m.sysPath(powercapDir), false)
	}
	if err != nil {
		return nil, spec.Errorf("", "reading %s: %v", m.sysPath(powercapDir), err)
	}
	if len(doms) == 0 {
		return nil, unavailableNoRAPL(spec, m.sysPath(powercapDir), true)
	}
	doms, mirrored, err := dropMirrors(fsys, doms)
	if err != nil {
		return nil, m.openError(spec, err)
	}
	m.skipped = append(skipped, mirrored...)

	var present []string
	for _, d := range doms {
		if !slices.Contains(present, d.kind) {
			present = append(present, d.kind)
		}
		if !slices.Contains(o.zones, d.kind) {
			m.skipped = append(m.skipped, fmt.Sprintf("%s (%s): a %s zone, which zones: does not ask for", d.channel(), d.zone.id, d.kind))
			continue
		}
		if _, err := readMicro(fsys, d.energyFile()); err != nil {
			return nil, m.openError(spec, err)
		}
		c := channel{name: d.channel(), component: component(d.kind), file: d.energyFile()}
		m.channels = append(m.channels, c)
		switch r, err := readMicro(fsys, d.rangeFile()); {
		case err == nil && r > 0:
			m.maxRanges[m.name+"/"+c.name] = float64(r) / 1e6
		case err == nil || errors.Is(err, fs.ErrNotExist):
			m.skipped = append(m.skipped, fmt.Sprintf("%s: no max_energy_range_uj, so a decrease of its counter will count as a reset", c.name))
		default:
			return nil, m.openError(spec, err)
		}
	}
	if len(m.channels) == 0 {
		return nil, meter.Unavailable(spec,
			fmt.Sprintf("no %s RAPL zone here (this machine has: %s)", strings.Join(o.zones, " or "), strings.Join(present, ", ")),
			"set zones: to some of those, or remove this meter")
	}
	for _, k := range o.zones {
		if o.explicit && !slices.Contains(present, k) {
			m.skipped = append(m.skipped, fmt.Sprintf("zones: %s asked for, but this machine has no %s zone", k, k))
		}
	}
	return m, nil
}

// component says what a domain measures. core, uncore and psys overlap a
// package channel (core and uncore are inside it, psys contains it), so
// they are parts: shown per channel, never added into any sum.
func component(kind string) meter.Component {
	switch kind {
	case kindPackage:
		return meter.CPU
	case kindDRAM:
		return meter.DRAM
	}
	return meter.Part
}

// openError explains a failure while setting up: an unreadable counter
// makes the meter unavailable, with the fix.
func (m *Meter) openError(spec meter.Spec, err error) error {
	var pe *fs.PathError
	if errors.Is(err, fs.ErrPermission) && errors.As(err, &pe) {
		reason, fix := m.permissionHelp(pe.Path)
		return meter.Unavailable(spec, reason, fix)
	}
	return spec.Errorf("", "%v", err)
}

// Name returns the configured name.
func (m *Meter) Name() string { return m.name }

// Close does nothing: every read opens its files afresh.
func (m *Meter) Close() error { return nil }

// Read returns every channel's counter in joules; Watts is NaN.
func (m *Meter) Read(ctx context.Context) ([]meter.Reading, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]meter.Reading, 0, len(m.channels))
	for _, c := range m.channels {
		uj, err := readMicro(m.fsys, c.file)
		if err != nil {
			return nil, m.readError(c, err)
		}
		out = append(out, meter.Reading{
			Meter:     m.name,
			Channel:   c.name,
			Component: c.component,
			Watts:     meter.NoValue,
			Joules:    float64(uj) / 1e6,
		})
	}
	return out, nil
}

// MaxRanges gives, per "meter/channel", the value in joules at which the
// channel's counter wraps to zero (max_energy_range_uj / 1e6): the form
// analysis.Options.MaxRange takes. A channel whose zone has no range is
// absent. The map is a copy.
//
// The kernel computes max_energy_range_uj as (2^32 - 1) energy units, the
// largest value of the 32-bit hardware counter, so the true modulus is one
// unit more (61 µJ for an Intel package, 15 µJ on AMD): a wrap computed
// with this range is short by that much. The range is the kernel's figure,
// as documented and as Kepler uses it; the unit is not in sysfs, and one
// unit per wrap (one wrap per ~262 kJ) is far below the counter's accuracy.
func (m *Meter) MaxRanges() map[string]float64 { return maps.Clone(m.maxRanges) }

// Skipped explains each zone found and not read: duplicates, mirrors,
// unknown domains, zones asked for and absent.
func (m *Meter) Skipped() []string { return slices.Clone(m.skipped) }
