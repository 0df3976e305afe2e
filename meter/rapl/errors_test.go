package rapl

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/aienergy/aienergy/meter"
)

// denyFS fails to open files named deny with EACCES, as sysfs does for a
// user who is not root since CVE-2020-8694. Tests run as root here, and
// root reads a 0400 (or 000) file regardless.
type denyFS struct {
	fs.FS
	deny string
}

func (d denyFS) Open(name string) (fs.File, error) {
	if path.Base(name) == d.deny {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EACCES}
	}
	return d.FS.Open(name)
}

func spec(opts map[string]any) meter.Spec {
	return meter.Spec{Name: "cpu", Type: "rapl", Options: opts, Source: "test.yaml:3"}
}

// wantErr checks that err is set, whether it is ErrUnavailable, and that
// its text holds every part.
func wantErr(t *testing.T, err error, unavailable bool, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if errors.Is(err, meter.ErrUnavailable) != unavailable {
		t.Errorf("errors.Is(err, ErrUnavailable) = %v, want %v: %v", !unavailable, unavailable, err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error lacks %q:\n%v", p, err)
		}
	}
}

func TestUnavailable(t *testing.T) {
	noPowercap := t.TempDir()
	otherZones := t.TempDir()
	// A powercap class with only another driver's zones (ARM's dtpm).
	if err := os.MkdirAll(filepath.Join(otherZones, "class/powercap/dtpm:0"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(otherZones, "class/powercap/dtpm:0/name"), []byte("soc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		opts  map[string]any
		parts []string
	}{
		{"no powercap directory", map[string]any{"sysfs": noPowercap}, []string{
			"test.yaml:3: meters[cpu]: unavailable on this machine: no RAPL on this machine (VM, or non-Intel/AMD CPU): " +
				filepath.Join(noPowercap, "class/powercap") + " does not exist",
			"fix: run on bare metal",
		}},
		{"no rapl zones", map[string]any{"sysfs": otherZones}, []string{
			"no RAPL zones in " + filepath.Join(otherZones, "class/powercap"),
			"fix: sudo modprobe intel_rapl_msr",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := meter.New(t.Context(), spec(tt.opts))
			wantErr(t, err, true, tt.parts...)
		})
	}
	t.Run("zones asked for are absent", func(t *testing.T) {
		root := sysfsTree(t, "intel_2socket.txtar")
		_, err := meter.New(t.Context(), spec(map[string]any{"sysfs": root, "zones": []any{"psys", "core"}}))
		wantErr(t, err, true, "no psys or core RAPL zone here (this machine has: package, dram)", "fix: set zones:")
	})
}

func TestPermissionDenied(t *testing.T) {
	root := sysfsTree(t, "intel_2socket.txtar")
	o, err := parseOptions(spec(map[string]any{"sysfs": root}))
	if err != nil {
		t.Fatal(err)
	}
	parts := []string{
		"meters[cpu]: unavailable on this machine: cannot read " + filepath.Join(root, "class/powercap/intel-rapl:") +
			"0/energy_uj: permission denied",
		"CVE-2020-8694",
		"fix: run aienergy as root",
		"sudo chmod o+r " + filepath.Join(root, "class/powercap") + "/intel-rapl*:*/energy_uj",
		`ACTION=="add", SUBSYSTEM=="powercap", KERNEL=="intel-rapl*", RUN+="/bin/chmod o+r /sys%p/energy_uj"`,
	}

	t.Run("when opening", func(t *testing.T) {
		_, err := open(spec(map[string]any{"sysfs": root}), denyFS{os.DirFS(root), "energy_uj"}, o)
		wantErr(t, err, true, parts...)
	})

	t.Run("when reading", func(t *testing.T) {
		m, err := open(spec(map[string]any{"sysfs": root}), os.DirFS(root), o)
		if err != nil {
			t.Fatal(err)
		}
		m.fsys = denyFS{m.fsys, "energy_uj"} // e.g. the driver was reloaded and reset the mode
		_, err = m.Read(context.Background())
		wantErr(t, err, false, append([]string{"cpu-package-0: cannot read"}, parts[1:]...)...)
		if !errors.Is(err, fs.ErrPermission) {
			t.Errorf("read error does not wrap fs.ErrPermission: %v", err)
		}
	})

	t.Run("real file mode", func(t *testing.T) {
		// The same through the operating system, where it can be shown:
		// root reads a file of mode 000 regardless.
		f := filepath.Join(root, filepath.FromSlash(pkg0File))
		if err := os.Chmod(f, 0); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(f, 0o644)
		if _, err := os.ReadFile(f); err == nil {
			// Root (or CAP_DAC_OVERRIDE) reads a mode-000 file anyway, so
			// the operating system cannot produce EACCES here; the
			// injected EACCES above covers this path.
			t.Log("running as root: the file mode cannot deny the read")
			return
		}
		_, err := meter.New(t.Context(), spec(map[string]any{"sysfs": root}))
		wantErr(t, err, true, parts...)
	})
}

func TestReadErrors(t *testing.T) {
	t.Run("zone gone", func(t *testing.T) {
		m, root := newTestMeter(t, "intel_2socket.txtar", nil)
		if err := os.Remove(filepath.Join(root, filepath.FromSlash(dram0File))); err != nil {
			t.Fatal(err)
		}
		_, err := m.Read(context.Background())
		wantErr(t, err, false, "dram-0: ", "/class/powercap/intel-rapl:0:0/energy_uj has gone", "intel_rapl_msr")
	})
	t.Run("garbage in the counter", func(t *testing.T) {
		m, root := newTestMeter(t, "intel_2socket.txtar", nil)
		setFile(t, root, pkg1File, "12x")
		_, err := m.Read(context.Background())
		wantErr(t, err, false, "cpu-package-1: ", `intel-rapl:1/energy_uj holds "12x", not a whole number`)
	})
	t.Run("cancelled", func(t *testing.T) {
		m, _ := newTestMeter(t, "intel_2socket.txtar", nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := m.Read(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Read on a cancelled context: %v, want context.Canceled", err)
		}
	})
}

func TestOptionErrors(t *testing.T) {
	tests := []struct {
		name  string
		opts  map[string]any
		parts []string
	}{
		{"unknown key", map[string]any{"zone": []any{"dram"}}, []string{
			`meters[cpu].zone: unknown option for a meter of type "rapl"; did you mean "zones"? (valid options: sysfs, zones)`,
		}},
		{"unknown zone", map[string]any{"zones": []any{"package", "gpu"}}, []string{
			"meters[cpu].zones[1]: want one of package, dram, core, uncore, psys, got gpu",
		}},
		{"zones not a list", map[string]any{"zones": 3}, []string{"meters[cpu].zones: want a list such as [package, dram], got 3"}},
		{"empty zones", map[string]any{"zones": []any{}}, []string{"meters[cpu].zones: empty list"}},
		{"empty sysfs", map[string]any{"sysfs": ""}, []string{"meters[cpu].sysfs: must name a directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := meter.New(t.Context(), spec(tt.opts))
			wantErr(t, err, false, tt.parts...)
		})
	}
	t.Run("one zone as a string", func(t *testing.T) {
		m, _ := newTestMeter(t, "intel_2socket.txtar", map[string]any{"zones": "dram"})
		got, err := m.Read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		checkReadings(t, got, []ch{{"dram-0", meter.DRAM, 23456.789012}, {"dram-1", meter.DRAM, 12345.678901}})
	})
}
