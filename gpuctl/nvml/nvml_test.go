//go:build cgo

package nvml

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	gonvml "github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/aienergy/aienergy/gpuctl"
	"github.com/aienergy/aienergy/gpuctl/nvml/nvmltest"
)

func mustOpen(t *testing.T, m *nvmltest.Machine, devices ...string) gpuctl.Controller {
	t.Helper()
	c, err := FromLibrary(m, devices)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func indices(c gpuctl.Controller) []int {
	var out []int
	for _, d := range c.Devices() {
		out = append(out, d.Info().Index)
	}
	return out
}

func TestOpenSelectsDevices(t *testing.T) {
	m := nvmltest.New()
	uuid1, _ := m.Devices[1].GetUUID()
	tests := []struct {
		devices []string
		want    []int
		err     string
	}{
		{nil, []int{0, 1, 2, 3, 4, 5, 6, 7}, ""},
		{[]string{"3", strings.ToLower(uuid1)}, []int{3, 1}, ""},
		{[]string{"9"}, nil, "no GPU 9 here; there are 0 GPU-"},
		{[]string{"1", uuid1}, nil, "1 and " + uuid1 + " are the same GPU (GPU 1 (NVIDIA H100 80GB HBM3))"},
		{[]string{"MIG-1234"}, nil, `want a GPU index such as 0 or a UUID such as GPU-5a3c… (nvidia-smi -L lists them), got "MIG-1234"`},
	}
	for _, tt := range tests {
		c, err := FromLibrary(m, tt.devices)
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%v: err = %v, want %q", tt.devices, err, tt.err)
			}
		case err != nil:
			t.Errorf("%v: %v", tt.devices, err)
		default:
			if got := indices(c); !slices.Equal(got, tt.want) {
				t.Errorf("%v: devices %v, want %v", tt.devices, got, tt.want)
			}
			c.Close()
		}
	}
}

func TestOpenWithoutDriver(t *testing.T) {
	m := nvmltest.New()
	m.InitFunc = func() gonvml.Return { return gonvml.ERROR_LIBRARY_NOT_FOUND }
	_, err := FromLibrary(m, nil)
	if err == nil || !strings.Contains(err.Error(), "no NVIDIA driver here") {
		t.Fatalf("err = %v", err)
	}
}

// Check tries the privilege with a set that changes nothing and checks
// every value against each GPU's range, before anything runs.
func TestCheck(t *testing.T) {
	const h100 = "GPU 0 (NVIDIA H100 80GB HBM3)"
	tests := []struct {
		name   string
		refuse gonvml.Return
		points []gpuctl.Setting
		is     error    // errors.Is
		errs   []string // every line of the error, in order
	}{
		{name: "in range", points: []gpuctl.Setting{{PowerLimitW: 300}, {PowerLimitW: 500}}},
		{name: "clocks only", points: []gpuctl.Setting{{ClockMHz: 1410}}},
		{name: "no permission", refuse: gonvml.ERROR_NO_PERMISSION, points: []gpuctl.Setting{{PowerLimitW: 300}}, is: gpuctl.ErrPermission,
			errs: []string{h100 + ": changing its settings needs root: " + gpuctl.FixPermission + " (NVML: ERROR_NO_PERMISSION)"}},
		{name: "no permission for clocks", refuse: gonvml.ERROR_NO_PERMISSION, points: []gpuctl.Setting{{ClockMHz: 1410}}, is: gpuctl.ErrPermission,
			errs: []string{h100 + ": changing its settings needs root: " + gpuctl.FixPermission + " (NVML: ERROR_NO_PERMISSION)"}},
		{name: "limit not supported", refuse: gonvml.ERROR_NOT_SUPPORTED, points: []gpuctl.Setting{{PowerLimitW: 300}}, is: gpuctl.ErrNotSupported,
			errs: []string{h100 + ": setting its power limit: NVML: ERROR_NOT_SUPPORTED"}},
		// Locking clocks may work where limits cannot be set; the first
		// point will tell.
		{name: "clocks where limits are not supported", refuse: gonvml.ERROR_NOT_SUPPORTED, points: []gpuctl.Setting{{ClockMHz: 1410}}},
		{name: "out of range", points: []gpuctl.Setting{{PowerLimitW: 150}, {PowerLimitW: 300, ClockMHz: 2100}, {PowerLimitW: 750, ClockMHz: 2100}},
			errs: []string{
				h100 + ": power limit 150 W is outside its range, 200 to 700 W (default 700 W)",
				h100 + ": power limit 750 W is outside its range, 200 to 700 W (default 700 W)",
				h100 + ": clock 2100 MHz is above its maximum, 1980 MHz",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := nvmltest.New()
			m.GPUs[0].Refuse(tt.refuse, 0)
			err := gpuctl.Check(mustOpen(t, m, "0"), tt.points)
			var got []string
			if err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if !slices.Equal(got, tt.errs) {
				t.Errorf("errors:\n got %q\nwant %q", got, tt.errs)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(%v) is false", tt.is)
			}
			if calls := m.GPUs[0].Calls(); !slices.Equal(calls, []string{"limit 700000"}) {
				t.Errorf("calls %q: want only the set to the limit in force", calls)
			}
			if m.GPUs[0].LimitMW() != nvmltest.DefaultLimitMW {
				t.Errorf("the check changed the limit to %d mW", m.GPUs[0].LimitMW())
			}
		})
	}
}

// A sweep records what it asked, what is in force and the default, and
// restoring puts back only what it changed: the limit, or the clocks
// (unlocked, since NVML cannot say how they were).
func TestSessionAppliesAndRestores(t *testing.T) {
	tests := []struct {
		name      string
		points    []gpuctl.Setting
		want      []gpuctl.Applied // GPU 2's, per point
		wantCalls []string
	}{
		{
			name:   "power limits",
			points: []gpuctl.Setting{{PowerLimitW: 300}, {PowerLimitW: 450.5}},
			want: []gpuctl.Applied{
				{RequestedPowerLimitW: 300, PowerLimitW: 300, DefaultPowerLimitW: 700, ClockMHz: nvmltest.IdleClockMHz},
				{RequestedPowerLimitW: 450.5, PowerLimitW: 450.5, DefaultPowerLimitW: 700, ClockMHz: nvmltest.IdleClockMHz},
			},
			wantCalls: []string{"limit 300000", "limit 450500", "limit 700000"},
		},
		{
			name:   "clocks",
			points: []gpuctl.Setting{{ClockMHz: 1410}, {ClockMHz: 1200}},
			want: []gpuctl.Applied{
				{PowerLimitW: 700, DefaultPowerLimitW: 700, RequestedClockMHz: 1410, ClockMHz: 1410},
				{PowerLimitW: 700, DefaultPowerLimitW: 700, RequestedClockMHz: 1200, ClockMHz: 1200},
			},
			wantCalls: []string{"lock 1410-1410", "lock 1200-1200", "reset clocks"},
		},
		{
			name:   "both",
			points: []gpuctl.Setting{{PowerLimitW: 400, ClockMHz: 1600}},
			want: []gpuctl.Applied{
				{RequestedPowerLimitW: 400, PowerLimitW: 400, DefaultPowerLimitW: 700, RequestedClockMHz: 1600, ClockMHz: 1600},
			},
			wantCalls: []string{"limit 400000", "lock 1600-1600", "limit 700000", "reset clocks"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := nvmltest.New()
			c := mustOpen(t, m, "2", "5")
			uuid, _ := m.Devices[2].GetUUID()
			s, err := gpuctl.Begin(c, filepath.Join(t.TempDir(), gpuctl.SavedFile), tt.points)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range tt.points {
				got, err := s.Apply(p)
				if err != nil {
					t.Fatal(err)
				}
				want := tt.want[i]
				want.Device, want.UUID = 2, uuid
				if len(got) != 2 || got[0] != want || got[1].Device != 5 {
					t.Errorf("point %d: applied %+v, want GPU 2 %+v then GPU 5", i, got, want)
				}
			}
			for range 2 { // restoring twice changes nothing more
				if err := s.Restore(); err != nil {
					t.Fatal(err)
				}
			}
			for _, i := range []int{2, 5} {
				if calls := m.GPUs[i].Calls(); !slices.Equal(calls, tt.wantCalls) {
					t.Errorf("GPU %d calls %q, want %q", i, calls, tt.wantCalls)
				}
			}
			if g := m.GPUs[2]; g.LimitMW() != nvmltest.DefaultLimitMW || g.LockedMHz() != 0 {
				t.Errorf("after restoring: %d mW, clock locked at %d MHz", g.LimitMW(), g.LockedMHz())
			}
			if _, err := s.Apply(tt.points[0]); err == nil {
				t.Error("Apply after Restore succeeded")
			}
		})
	}
}

// A GPU that refuses a point stops the sweep there; restoring still puts
// every GPU back, and a restore that failed can be tried again.
func TestRefusedPointAndRetriedRestore(t *testing.T) {
	m := nvmltest.New()
	c := mustOpen(t, m, "0", "1")
	path := filepath.Join(t.TempDir(), gpuctl.SavedFile)
	s, err := gpuctl.Begin(c, path, []gpuctl.Setting{{PowerLimitW: 300}})
	if err != nil {
		t.Fatal(err)
	}
	m.GPUs[1].Refuse(gonvml.ERROR_UNKNOWN, 0)
	if _, err := s.Apply(gpuctl.Setting{PowerLimitW: 300}); err == nil || !strings.Contains(err.Error(), "GPU 1 (NVIDIA H100 80GB HBM3): setting its power limit to 300 W: NVML: ERROR_UNKNOWN") {
		t.Fatalf("Apply: %v", err)
	}
	if err := s.Restore(); err == nil || !strings.Contains(err.Error(), "restoring its power limit of 700 W") {
		t.Fatalf("Restore with GPU 1 refusing: %v", err)
	}
	if m.GPUs[0].LimitMW() != nvmltest.DefaultLimitMW {
		t.Error("GPU 0 was not restored because GPU 1 failed")
	}
	saved, err := gpuctl.ReadSaved(path)
	if err != nil || !saved.RestoredAt.IsZero() {
		t.Errorf("the file says restored (%v) although GPU 1 was not: %v", saved.RestoredAt, err)
	}
	m.GPUs[1].Refuse(gonvml.SUCCESS, 0)
	if err := s.Restore(); err != nil {
		t.Fatal(err)
	}
	if saved, _ = gpuctl.ReadSaved(path); saved.RestoredAt.IsZero() {
		t.Error("the file does not record the restore")
	}
}

// A process killed mid-sweep leaves the originals on disk; another
// process restores them from there, finding the GPUs by UUID.
func TestRestoreFileAfterKill(t *testing.T) {
	m := nvmltest.New()
	path := filepath.Join(t.TempDir(), gpuctl.SavedFile)
	s, err := gpuctl.Begin(mustOpen(t, m, "6"), path, []gpuctl.Setting{{PowerLimitW: 250, ClockMHz: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(gpuctl.Setting{PowerLimitW: 250, ClockMHz: 1000}); err != nil {
		t.Fatal(err)
	}
	// Killed here: no Restore. Later, with every GPU:
	saved, err := gpuctl.RestoreFile(mustOpen(t, m), path)
	if err != nil {
		t.Fatal(err)
	}
	if g := m.GPUs[6]; g.LimitMW() != nvmltest.DefaultLimitMW || g.LockedMHz() != 0 {
		t.Errorf("GPU 6 after restore-gpu: %d mW, clock locked at %d MHz", g.LimitMW(), g.LockedMHz())
	}
	if len(saved.Devices) != 1 || saved.Devices[0].LockedClockMHz != nil || saved.Devices[0].PowerLimitW != 700 {
		t.Errorf("saved %+v: want GPU 6 at 700 W, its clock lock unknown", saved.Devices)
	}
	for i, g := range m.GPUs {
		if i != 6 && len(g.Calls()) > 0 {
			t.Errorf("GPU %d was touched: %q", i, g.Calls())
		}
	}
}
