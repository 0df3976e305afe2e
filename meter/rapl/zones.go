package rapl

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

// powercapDir is where the kernel lists every powercap zone, flat, as
// symlinks into /sys/devices/virtual/powercap.
const powercapDir = "class/powercap"

// interfaces are the powercap control types that carry RAPL zones, most
// trusted first. The MSR interface (intel-rapl) exists wherever RAPL does;
// MMIO (client parts, through the processor thermal device) and TPMI
// (Granite Rapids and later) reach the same counters another way, so their
// zones only count where intel-rapl lacks a zone of the same name.
var interfaces = []string{"intel-rapl", "intel-rapl-tpmi", "intel-rapl-mmio"}

var (
	zoneDirRE = regexp.MustCompile(`^(intel-rapl(?:-mmio|-tpmi)?):(\d+)(?::(\d+))?$`)
	packageRE = regexp.MustCompile(`^package-(\d+)(?:-die-(\d+))?$`)
)

// Domain kinds, which are also the values of the zones option.
const (
	kindPackage = "package"
	kindDRAM    = "dram"
	kindCore    = "core"
	kindUncore  = "uncore"
	kindPsys    = "psys"
)

// kinds in report order.
var kinds = []string{kindPackage, kindDRAM, kindCore, kindUncore, kindPsys}

// A zone is one powercap zone directory.
type zone struct {
	dir      string // "class/powercap/intel-rapl:0:1", relative to the sysfs root
	id       string // "intel-rapl:0:1"
	iface    string // "intel-rapl"
	top, sub int    // 0 and 1 in intel-rapl:0:1; sub is -1 for a top-level zone
	name     string // the zone's name file: "package-0", "dram", "psys"
}

// A domain is one RAPL counter the meter may read.
type domain struct {
	kind   string
	pkg    int    // socket; for psys -1
	die    int    // -1 when the kernel names no die
	key    string // "package-0", "package-0/dram", "psys": one counter under any interface
	parent string // the package's key for a child zone, else ""
	zone   zone
}

// channel names the domain's channel, e.g. "cpu-package-1" or "dram-0-die-1".
func (d domain) channel() string {
	if d.kind == kindPsys {
		return kindPsys
	}
	suffix := "-" + strconv.Itoa(d.pkg)
	if d.die >= 0 {
		suffix += "-die-" + strconv.Itoa(d.die)
	}
	if d.kind == kindPackage {
		return "cpu-package" + suffix
	}
	return d.kind + suffix
}

func (d domain) energyFile() string { return d.zone.dir + "/energy_uj" }
func (d domain) rangeFile() string  { return d.zone.dir + "/max_energy_range_uj" }

// errNoPowercap says that sysfs has no powercap class at all.
var errNoPowercap = errors.New("no powercap directory")

// discover lists the RAPL domains under the sysfs root, each counter once,
// in report order. skipped explains every zone left out.
func discover(fsys fs.FS) (doms []domain, skipped []string, err error) {
	entries, err := fs.ReadDir(fsys, powercapDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, errNoPowercap
	}
	if err != nil {
		return nil, nil, err
	}
	var zones []zone
	for _, e := range entries {
		m := zoneDirRE.FindStringSubmatch(e.Name())
		if m == nil {
			continue // a control type directory, or another driver's zones
		}
		z := zone{dir: path.Join(powercapDir, e.Name()), id: e.Name(), iface: m[1], sub: -1}
		z.top, _ = strconv.Atoi(m[2])
		if m[3] != "" {
			z.sub, _ = strconv.Atoi(m[3])
		}
		name, err := fs.ReadFile(fsys, z.dir+"/name")
		if err != nil {
			return nil, nil, fmt.Errorf("reading the name of powercap zone %s: %w", z.id, err)
		}
		z.name = strings.TrimSpace(string(name))
		zones = append(zones, z)
	}
	// Parents before children, and the trusted interface first, so that
	// the first zone to claim a key is the one kept.
	slices.SortFunc(zones, func(a, b zone) int {
		return cmp.Or(
			cmp.Compare(slices.Index(interfaces, a.iface), slices.Index(interfaces, b.iface)),
			cmp.Compare(a.top, b.top),
			cmp.Compare(a.sub, b.sub))
	})

	parents := map[string]domain{} // by "intel-rapl:0"
	claimed := map[string]string{} // key -> zone id that has it
	for _, z := range zones {
		d, why := classify(z, parents)
		if why != "" {
			skipped = append(skipped, fmt.Sprintf("%s (%q): %s", z.id, z.name, why))
			continue
		}
		if z.sub < 0 {
			parents[z.id] = d
		}
		if first, dup := claimed[d.key]; dup {
			skipped = append(skipped, fmt.Sprintf("%s (%q): the same counter as %s, read there", z.id, z.name, first))
			continue
		}
		claimed[d.key] = z.id
		doms = append(doms, d)
	}
	sortDomains(doms)
	return doms, skipped, nil
}

// classify names the domain a zone holds, or says why it holds none.
func classify(z zone, parents map[string]domain) (domain, string) {
	d := domain{pkg: -1, die: -1, zone: z}
	if z.sub < 0 {
		if z.name == kindPsys {
			d.kind, d.key = kindPsys, kindPsys
			return d, ""
		}
		m := packageRE.FindStringSubmatch(z.name)
		if m == nil {
			return d, "not a RAPL domain this meter knows"
		}
		d.kind, d.key = kindPackage, z.name
		d.pkg, _ = strconv.Atoi(m[1])
		if m[2] != "" {
			d.die, _ = strconv.Atoi(m[2])
		}
		return d, ""
	}
	switch z.name {
	case kindCore, kindUncore, kindDRAM:
	default:
		return d, "not a RAPL domain this meter knows"
	}
	p, ok := parents[fmt.Sprintf("%s:%d", z.iface, z.top)]
	if !ok || p.kind != kindPackage {
		return d, "its parent zone is not a package"
	}
	d.kind, d.pkg, d.die = z.name, p.pkg, p.die
	d.parent, d.key = p.key, p.key+"/"+z.name
	return d, ""
}

// sortDomains puts domains in report order: by kind, then socket and die.
func sortDomains(doms []domain) {
	slices.SortStableFunc(doms, func(a, b domain) int {
		return cmp.Or(
			cmp.Compare(slices.Index(kinds, a.kind), slices.Index(kinds, b.kind)),
			cmp.Compare(a.pkg, b.pkg),
			cmp.Compare(a.die, b.die))
	})
}
