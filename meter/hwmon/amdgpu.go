package hwmon

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/aienergy/aienergy/meter"
)

func init() { meter.Register("amdgpu", parse) }

// parse checks the options without reading sysfs; opening reads it.
func parse(spec meter.Spec) (meter.Opener, error) {
	o, err := parseOptions(spec)
	if err != nil {
		return nil, err
	}
	return meter.OpenNow(func() (*AMDGPU, error) { return open(spec, os.DirFS(o.sysfs), o) }), nil
}

// AMDGPU is the "amdgpu" meter.
type AMDGPU struct {
	name string
	fsys fs.FS  // the sysfs root
	root string // the same, as a path for messages
	gpus []gpu
}

type gpu struct {
	channel string // "gpu0"
	card    card
	power   string // power1_input or power1_average, relative to the sysfs root
	energy  string // energy1_input, or "" when the GPU has none
}

// open builds the meter over fsys, the sysfs root (o.sysfs names it in
// messages); tests hand in a file system that fails where they want.
func open(spec meter.Spec, fsys fs.FS, o options) (*AMDGPU, error) {
	m := &AMDGPU{name: spec.Name, fsys: fsys, root: o.sysfs}
	cards, err := discoverCards(fsys)
	if errors.Is(err, errNoDRM) {
		return nil, meter.Unavailable(spec,
			"no AMD GPU here: "+m.sysPath(drmDir)+" does not exist (no GPU driver is loaded)",
			"on a machine with an AMD GPU, load its driver (sudo modprobe amdgpu); otherwise remove this meter")
	}
	if err != nil {
		return nil, spec.Errorf("", "reading %s: %v", m.sysPath(drmDir), err)
	}
	var amd []card
	var others []string
	for _, c := range cards {
		if c.driver == "amdgpu" {
			amd = append(amd, c)
		} else {
			others = append(others, fmt.Sprintf("%s driven by %s", c, cmp.Or(c.driver, "no driver")))
		}
	}
	if len(amd) == 0 {
		return nil, meter.Unavailable(spec,
			fmt.Sprintf("no AMD GPU driven by amdgpu here (DRM cards: %s)", cmp.Or(strings.Join(others, ", "), "none")),
			"on a machine with an AMD GPU, load its driver (sudo modprobe amdgpu); otherwise remove this meter")
	}
	if err := checkSelection(spec, o, amd); err != nil {
		return nil, err
	}
	for i, c := range amd {
		if !selected(o, i, c) {
			continue
		}
		g := gpu{channel: "gpu" + strconv.Itoa(i), card: c}
		if c.hwmon == "" {
			return nil, meter.Unavailable(spec,
				fmt.Sprintf("%s (%s) is driven by amdgpu but has no hwmon sensors: an SR-IOV virtual function in a VM?", g.channel, c),
				"read the GPU's power on the host, or leave this GPU out with gpus:, or remove this meter")
		}
		if g.power, err = m.pickPower(spec, g, o.power); err != nil {
			return nil, err
		}
		if f := c.hwmon + "/energy1_input"; exists(fsys, f) {
			if _, err := readMicro(fsys, f); err == nil {
				g.energy = f
			}
		}
		m.gpus = append(m.gpus, g)
	}
	return m, nil
}

// pickPower chooses the GPU's power file: the first candidate that reads.
func (m *AMDGPU) pickPower(spec meter.Spec, g gpu, mode string) (string, error) {
	candidates := map[string][]string{
		powerAuto:    {"power1_input", "power1_average"},
		powerInput:   {"power1_input"},
		powerAverage: {"power1_average"},
	}[mode]
	var tried []string
	for _, name := range candidates {
		file := g.card.hwmon + "/" + name
		if !exists(m.fsys, file) {
			tried = append(tried, name+" is absent")
			continue
		}
		_, err := readMicro(m.fsys, file)
		if err == nil {
			return file, nil
		}
		if errors.Is(err, syscall.EACCES) {
			return "", meter.Unavailable(spec,
				fmt.Sprintf("cannot read %s: permission denied", m.sysPath(file)),
				"amdgpu makes its sensors readable by everyone: check who changed the mode, or run aienergy as root")
		}
		tried = append(tried, fmt.Sprintf("%s: %v", name, errno(err)))
	}
	fix := "with Linux 6.6 or later amdgpu offers power1_input where power1_average is missing; or leave this GPU out with gpus:, or remove this meter"
	if mode != powerAuto {
		fix = "use power: auto, which takes whichever file this GPU has"
	}
	return "", meter.Unavailable(spec,
		fmt.Sprintf("%s (%s) reports no power through hwmon (%s)", g.channel, g.card, strings.Join(tried, "; ")), fix)
}

// checkSelection rejects gpus: entries that match no AMD GPU.
func checkSelection(spec meter.Spec, o options, amd []card) error {
	var found []string
	for i, c := range amd {
		found = append(found, fmt.Sprintf("gpu%d %s", i, cmp.Or(c.pci, c.id)))
	}
	for _, i := range o.indexes {
		if i >= len(amd) {
			return spec.Errorf("gpus", "no gpu%d: this machine has %d AMD GPU(s): %s", i, len(amd), strings.Join(found, ", "))
		}
	}
	for _, p := range o.pcis {
		if !slices.ContainsFunc(amd, func(c card) bool { return c.pci == p }) {
			return spec.Errorf("gpus", "no AMD GPU at %s: this machine has %s", p, strings.Join(found, ", "))
		}
	}
	return nil
}

func selected(o options, index int, c card) bool {
	if len(o.indexes) == 0 && len(o.pcis) == 0 {
		return true
	}
	return slices.Contains(o.indexes, index) || slices.Contains(o.pcis, c.pci)
}

// Name returns the configured name.
func (m *AMDGPU) Name() string { return m.name }

// Close does nothing: every read opens its files afresh.
func (m *AMDGPU) Close() error { return nil }

// Read returns every GPU's power in watts and, where the GPU has an energy
// counter, its energy in joules (else NaN).
func (m *AMDGPU) Read(ctx context.Context) ([]meter.Reading, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]meter.Reading, 0, len(m.gpus))
	for _, g := range m.gpus {
		uw, err := readMicro(m.fsys, g.power)
		if err != nil {
			return nil, m.readError(g, g.power, err)
		}
		r := meter.Reading{
			Meter:     m.name,
			Channel:   g.channel,
			Component: meter.GPU,
			Watts:     float64(uw) / 1e6,
			Joules:    meter.NoValue,
		}
		if g.energy != "" {
			uj, err := readMicro(m.fsys, g.energy)
			if err != nil {
				return nil, m.readError(g, g.energy, err)
			}
			r.Joules = float64(uj) / 1e6
		}
		out = append(out, r)
	}
	return out, nil
}

// Devices maps each channel to the card and PCI address it reads, e.g.
// "gpu0" → "card2 (0000:03:00.0)", for listings such as `aienergy meters`.
func (m *AMDGPU) Devices() map[string]string {
	d := make(map[string]string, len(m.gpus))
	for _, g := range m.gpus {
		d[g.channel] = g.card.String()
	}
	return d
}
