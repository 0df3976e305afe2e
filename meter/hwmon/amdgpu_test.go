package hwmon

import (
	"context"
	"errors"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/aienergy/aienergy/meter"
)

// Paths of the workstation fixture's sensors, relative to the sysfs root.
const (
	xtxPower   = "class/drm/card2/device/hwmon/hwmon2/power1_average"        // as the meter names it
	xtxHwmon   = "devices/pci0000:00/0000:00:01.1/0000:03:00.0/hwmon/hwmon2" // card2, gpu0
	w6800Hwmon = "devices/pci0000:00/0000:00:1c.0/0000:0c:00.0/hwmon/hwmon3" // card1, gpu1
)

func spec(opts map[string]any) meter.Spec {
	return meter.Spec{Name: "amd", Type: "amdgpu", Options: opts, Source: "test.yaml:7"}
}

// newTestMeter builds an "amdgpu" meter named amd over a fixture tree
// through the registry; it returns the meter and the tree.
func newTestMeter(t *testing.T, fixture string, opts map[string]any, edit func(root string)) (*AMDGPU, string) {
	t.Helper()
	root := sysfsTree(t, fixture)
	if edit != nil {
		edit(root)
	}
	o := map[string]any{"sysfs": root}
	for k, v := range opts {
		o[k] = v
	}
	m, err := meter.New(t.Context(), spec(o))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m.(*AMDGPU), root
}

// ch is an expected reading; NaN joules for a GPU without a counter.
type ch struct {
	name          string
	device        string
	watts, joules float64
}

func TestChannels(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name    string
		fixture string
		opts    map[string]any
		edit    func(t *testing.T, root string)
		want    []ch
	}{
		{
			name:    "gpus numbered in PCI order, not card order; the Intel iGPU left out",
			fixture: "workstation.txtar",
			want: []ch{
				{"gpu0", "card2 (0000:03:00.0)", 35, nan},
				{"gpu1", "card1 (0000:0c:00.0)", 18, nan},
			},
		},
		{
			name:    "apu with power1_input only",
			fixture: "apu.txtar",
			want:    []ch{{"gpu0", "card0 (0000:c4:00.0)", 9.123, nan}},
		},
		{
			name:    "select by index keeps the channel's number",
			fixture: "workstation.txtar",
			opts:    map[string]any{"gpus": []any{1}},
			want:    []ch{{"gpu1", "card1 (0000:0c:00.0)", 18, nan}},
		},
		{
			name:    "select by PCI address, any case",
			fixture: "workstation.txtar",
			opts:    map[string]any{"gpus": "0000:0C:00.0"},
			want:    []ch{{"gpu1", "card1 (0000:0c:00.0)", 18, nan}},
		},
		{
			name:    "auto prefers power1_input where both are present",
			fixture: "workstation.txtar",
			edit:    func(t *testing.T, root string) { setFile(t, root, xtxHwmon+"/power1_input", "212345000") },
			want: []ch{
				{"gpu0", "card2 (0000:03:00.0)", 212.345, nan},
				{"gpu1", "card1 (0000:0c:00.0)", 18, nan},
			},
		},
		{
			name:    "power: average insists on power1_average",
			fixture: "workstation.txtar",
			opts:    map[string]any{"power": "average"},
			edit:    func(t *testing.T, root string) { setFile(t, root, xtxHwmon+"/power1_input", "212345000") },
			want: []ch{
				{"gpu0", "card2 (0000:03:00.0)", 35, nan},
				{"gpu1", "card1 (0000:0c:00.0)", 18, nan},
			},
		},
		{
			// Mainline amdgpu has no energy1_input; the generic hwmon
			// ABI does, and where a GPU offers one it is the counter.
			name:    "energy1_input read as the counter where present",
			fixture: "workstation.txtar",
			edit:    func(t *testing.T, root string) { setFile(t, root, w6800Hwmon+"/energy1_input", "7200123456") },
			want: []ch{
				{"gpu0", "card2 (0000:03:00.0)", 35, nan},
				{"gpu1", "card1 (0000:0c:00.0)", 18, 7200.123456},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var edit func(string)
			if tt.edit != nil {
				edit = func(root string) { tt.edit(t, root) }
			}
			m, _ := newTestMeter(t, tt.fixture, tt.opts, edit)
			got, err := m.Read(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			checkReadings(t, got, tt.want)
			if m.Name() != "amd" {
				t.Errorf("Name() = %q, want amd", m.Name())
			}
			devices := m.Devices()
			if len(devices) != len(tt.want) {
				t.Errorf("Devices() = %v, want %d entries", devices, len(tt.want))
			}
			for _, w := range tt.want {
				if devices[w.name] != w.device {
					t.Errorf("Devices()[%s] = %q, want %q", w.name, devices[w.name], w.device)
				}
			}
		})
	}
}

func checkReadings(t *testing.T, got []meter.Reading, want []ch) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d readings %+v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		r := got[i]
		if r.Meter != "amd" || r.Channel != w.name || r.Component != meter.GPU {
			t.Errorf("reading %d: %s/%s (%s), want amd/%s (gpu)", i, r.Meter, r.Channel, r.Component, w.name)
		}
		if math.Abs(r.Watts-w.watts) > 0.5e-6 {
			t.Errorf("%s: %.6f W, want %.6f W", w.name, r.Watts, w.watts)
		}
		if math.IsNaN(w.joules) != math.IsNaN(r.Joules) || math.Abs(r.Joules-w.joules) > 0.5e-6 {
			t.Errorf("%s: %.6f J, want %.6f J", w.name, r.Joules, w.joules)
		}
	}
}

// Reading twice follows the sensors as the driver updates them.
func TestReadTwice(t *testing.T) {
	m, root := newTestMeter(t, "workstation.txtar", nil, nil)
	if _, err := m.Read(context.Background()); err != nil {
		t.Fatal(err)
	}
	setFile(t, root, xtxHwmon+"/power1_average", "287004000")
	setFile(t, root, w6800Hwmon+"/power1_average", "17001")
	got, err := m.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	nan := math.NaN()
	checkReadings(t, got, []ch{{"gpu0", "", 287.004, nan}, {"gpu1", "", 0.017001, nan}})
}

// failFS fails to open files named name with err, as the kernel does.
type failFS struct {
	fs.FS
	name string
	err  error
}

// Stat succeeds, as stat(2) does on a sysfs file whose read fails.
func (f failFS) Stat(name string) (fs.FileInfo, error) { return fs.Stat(f.FS, name) }

func (f failFS) Open(name string) (fs.File, error) {
	if path.Base(name) == f.name {
		return nil, &fs.PathError{Op: "open", Path: name, Err: f.err}
	}
	return f.FS.Open(name)
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
	empty := t.TempDir()
	tests := []struct {
		name    string
		fixture string // "" for an empty sysfs
		opts    map[string]any
		parts   []string
	}{
		{"no drm at all", "", nil, []string{
			"test.yaml:7: meters[amd]: unavailable on this machine: no AMD GPU here: " + filepath.Join(empty, "class/drm") + " does not exist",
			"fix: on a machine with an AMD GPU, load its driver (sudo modprobe amdgpu)",
		}},
		{"nvidia only", "nvidia.txtar", nil, []string{
			"no AMD GPU driven by amdgpu here (DRM cards: card0 (0000:01:00.0) driven by nvidia)",
		}},
		{"virtual function without hwmon", "vf.txtar", nil, []string{
			"gpu0 (card0 (0000:00:05.0)) is driven by amdgpu but has no hwmon sensors: an SR-IOV virtual function in a VM?",
			"fix: read the GPU's power on the host",
		}},
		{"power: average on a GPU with power1_input only", "apu.txtar", map[string]any{"power": "average"}, []string{
			"gpu0 (card0 (0000:c4:00.0)) reports no power through hwmon (power1_average is absent)",
			"fix: use power: auto",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := empty
			if tt.fixture != "" {
				root = sysfsTree(t, tt.fixture)
			}
			o := map[string]any{"sysfs": root}
			for k, v := range tt.opts {
				o[k] = v
			}
			_, err := meter.New(t.Context(), spec(o))
			wantErr(t, err, true, tt.parts...)
		})
	}
}

// Errors the kernel gives, injected where the file system can't show them.
func TestSensorErrors(t *testing.T) {
	root := sysfsTree(t, "workstation.txtar")
	o, err := parseOptions(spec(map[string]any{"sysfs": root}))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("unsupported sensor when opening", func(t *testing.T) {
		_, err := open(spec(nil), failFS{os.DirFS(root), "power1_average", syscall.EOPNOTSUPP}, o)
		wantErr(t, err, true,
			"gpu0 (card2 (0000:03:00.0)) reports no power through hwmon (power1_input is absent; power1_average: operation not supported)",
			"fix: with Linux 6.6 or later")
	})
	t.Run("permission when opening", func(t *testing.T) {
		_, err := open(spec(nil), failFS{os.DirFS(root), "power1_average", syscall.EACCES}, o)
		wantErr(t, err, true, "cannot read "+filepath.Join(root, xtxPower)+": permission denied", "run aienergy as root")
	})
	for _, tt := range []struct {
		name  string
		err   error
		parts []string
	}{
		{"permission when reading", syscall.EACCES, []string{"gpu0 (card2 (0000:03:00.0)): " + filepath.Join(root, xtxPower) + ": permission denied"}},
		{"GPU in reset", syscall.EPERM, []string{"gpu0 (card2 (0000:03:00.0)): ", "the driver refused (EPERM): the GPU is being reset"}},
		{"driver unloaded", fs.ErrNotExist, []string{"power1_average has gone: was the GPU removed or the amdgpu driver unloaded?"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := open(spec(nil), os.DirFS(root), o)
			if err != nil {
				t.Fatal(err)
			}
			m.fsys = failFS{m.fsys, "power1_average", tt.err}
			_, err = m.Read(context.Background())
			wantErr(t, err, false, tt.parts...)
			if !errors.Is(err, tt.err) {
				t.Errorf("error does not wrap %v: %v", tt.err, err)
			}
		})
	}
}

func TestOptionErrors(t *testing.T) {
	root := sysfsTree(t, "workstation.txtar")
	tests := []struct {
		name  string
		opts  map[string]any
		parts []string
	}{
		{"unknown key", map[string]any{"gpu": []any{0}}, []string{`meters[amd].gpu: unknown option for a meter of type "amdgpu"; did you mean "gpus"?`}},
		{"bad power", map[string]any{"power": "max"}, []string{`meters[amd].power: want auto, input (power1_input) or average (power1_average), got "max"`}},
		{"no such index", map[string]any{"gpus": []any{5}}, []string{"meters[amd].gpus: no gpu5: this machine has 2 AMD GPU(s): gpu0 0000:03:00.0, gpu1 0000:0c:00.0"}},
		{"no such address", map[string]any{"gpus": []any{"0000:04:00.0"}}, []string{"meters[amd].gpus: no AMD GPU at 0000:04:00.0"}},
		{"malformed address", map[string]any{"gpus": []any{"03:00.0"}}, []string{`meters[amd].gpus[0]: want a GPU index (0 for gpu0) or a PCI address such as "0000:03:00.0", got "03:00.0"`}},
		{"negative index", map[string]any{"gpus": []any{-1}}, []string{"meters[amd].gpus[0]: want a GPU index"}},
		{"empty gpus", map[string]any{"gpus": []any{}}, []string{"meters[amd].gpus: empty list"}},
		{"empty sysfs", map[string]any{"sysfs": ""}, []string{"meters[amd].sysfs: must name a directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := map[string]any{"sysfs": root}
			for k, v := range tt.opts {
				o[k] = v
			}
			_, err := meter.New(t.Context(), spec(o))
			wantErr(t, err, false, tt.parts...)
		})
	}
}
