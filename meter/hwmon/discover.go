package hwmon

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// drmDir lists every DRM device: cards, their connectors (card0-DP-1) and
// render nodes (renderD128), as symlinks into /sys/devices.
const drmDir = "class/drm"

var (
	cardRE  = regexp.MustCompile(`^card(\d+)$`)
	hwmonRE = regexp.MustCompile(`^hwmon\d+$`)
)

// A card is one DRM card and what its PCI device offers.
type card struct {
	id     string // "card1"
	num    int    // 1
	driver string // from the device's uevent: "amdgpu", "i915", "nvidia"
	pci    string // "0000:03:00.0"; "" when the device is not on PCI
	hwmon  string // the amdgpu hwmon directory, relative to the sysfs root; "" if none
}

func (c card) String() string {
	s := c.id
	if c.pci != "" {
		s += " (" + c.pci + ")"
	}
	return s
}

// errNoDRM says that sysfs has no DRM class: no GPU driver is loaded.
var errNoDRM = errors.New("no drm directory")

// discoverCards lists the DRM cards, sorted by PCI address.
func discoverCards(fsys fs.FS) ([]card, error) {
	entries, err := fs.ReadDir(fsys, drmDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoDRM
	}
	if err != nil {
		return nil, err
	}
	var cards []card
	for _, e := range entries {
		m := cardRE.FindStringSubmatch(e.Name())
		if m == nil {
			continue // a connector or a render node
		}
		c := card{id: e.Name()}
		c.num, _ = strconv.Atoi(m[1])
		dev := path.Join(drmDir, c.id, "device")
		uevent, err := fs.ReadFile(fsys, dev+"/uevent")
		if errors.Is(err, fs.ErrNotExist) {
			continue // a virtual card (vkms) with no device behind it
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s/uevent: %w", dev, err)
		}
		for line := range strings.Lines(string(uevent)) {
			k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
			switch k {
			case "DRIVER":
				c.driver = v
			case "PCI_SLOT_NAME":
				c.pci = v
			}
		}
		if c.driver == "amdgpu" {
			if c.hwmon, err = amdgpuHwmon(fsys, dev); err != nil {
				return nil, err
			}
		}
		cards = append(cards, c)
	}
	// PCI addresses are fixed-width hex (domain:bus:device.function), so
	// they sort as strings; cards off PCI go last, by card number.
	slices.SortFunc(cards, func(a, b card) int {
		return cmp.Or(
			cmp.Compare(offPCI(a), offPCI(b)),
			cmp.Compare(a.pci, b.pci),
			cmp.Compare(a.num, b.num))
	})
	return cards, nil
}

func offPCI(c card) int {
	if c.pci == "" {
		return 1
	}
	return 0
}

// amdgpuHwmon finds the hwmon directory of a device whose name is amdgpu.
func amdgpuHwmon(fsys fs.FS, dev string) (string, error) {
	entries, err := fs.ReadDir(fsys, dev+"/hwmon")
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if !hwmonRE.MatchString(e.Name()) {
			continue
		}
		dir := path.Join(dev, "hwmon", e.Name())
		name, err := fs.ReadFile(fsys, dir+"/name")
		if err != nil {
			return "", fmt.Errorf("reading %s/name: %w", dir, err)
		}
		if strings.TrimSpace(string(name)) == "amdgpu" {
			return dir, nil
		}
	}
	return "", nil
}

// exists reports whether a file is there. Other errors count as there:
// reading it will tell what is wrong.
func exists(fsys fs.FS, file string) bool {
	_, err := fs.Stat(fsys, file)
	return !errors.Is(err, fs.ErrNotExist)
}
