package rapl

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aienergy/aienergy/meter"
)

// sysPath is the file's path as the user would type it.
func (m *Meter) sysPath(rel string) string {
	return filepath.Join(m.root, filepath.FromSlash(rel))
}

// permissionHelp explains an energy_uj file that cannot be read. The mode
// 0400 is the kernel's own, not a distribution's: the fix for
// CVE-2020-8694 ("Platypus", a power side channel) in Linux 5.10 and the
// stable kernels of November 2020. Root may chmod sysfs attributes; the
// change lasts until the zone is created again (reboot, module reload),
// hence the udev rule that reapplies it.
func (m *Meter) permissionHelp(file string) (reason, fix string) {
	reason = fmt.Sprintf("cannot read %s: permission denied; Linux makes the RAPL energy counters readable by root only "+
		"since the fix for CVE-2020-8694 (November 2020)", m.sysPath(file))
	glob := m.sysPath(powercapDir) + "/intel-rapl*:*/energy_uj"
	fix = "run aienergy as root, or let every user read the counters until the next reboot: sudo chmod o+r " + glob +
		`; to keep that across reboots, add a udev rule such as /etc/udev/rules.d/99-rapl.rules: ` +
		`ACTION=="add", SUBSYSTEM=="powercap", KERNEL=="intel-rapl*", RUN+="/bin/chmod o+r /sys%p/energy_uj"` +
		" (this reopens the side channel the kernel closed: do it only where local users are trusted)"
	return reason, fix
}

// readError explains a counter that could be read before and now cannot.
func (m *Meter) readError(c channel, err error) error {
	switch {
	case errors.Is(err, fs.ErrPermission):
		reason, fix := m.permissionHelp(c.file)
		return fmt.Errorf("%s: %s; fix: %s (%w)", c.name, reason, fix, err)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: %s has gone: was the RAPL driver (intel_rapl_msr) unloaded? (%w)", c.name, m.sysPath(c.file), err)
	}
	return fmt.Errorf("%s: reading %s: %w", c.name, m.sysPath(c.file), err)
}

// unavailableNoRAPL is the error for a machine without RAPL zones.
func unavailableNoRAPL(spec meter.Spec, dir string, exists bool) error {
	if !exists {
		return meter.Unavailable(spec,
			"no RAPL on this machine (VM, or non-Intel/AMD CPU): "+dir+" does not exist",
			"run on bare metal with an Intel CPU (Sandy Bridge or newer) or an AMD one (Zen, Linux 5.8 or newer); "+
				"in a container, give it the host's /sys/devices/virtual/powercap; or remove this meter")
	}
	return meter.Unavailable(spec,
		"no RAPL zones in "+dir+": the RAPL driver is not loaded, or this CPU has none (VM, or non-Intel/AMD CPU)",
		"sudo modprobe intel_rapl_msr (it also serves AMD CPUs: Zen 2 from Linux 5.8, Zen 3 from 5.11), or remove this meter")
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
