//go:build cgo

package nvml

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	gonvml "github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/aienergy/aienergy/meter"
)

// openFake builds the meter on a fake machine, as meter.New would on a
// real one.
func openFake(t *testing.T, m *fakeMachine, opts map[string]any) (*nvmlMeter, error) {
	t.Helper()
	spec := meter.Spec{Name: "gpu", Type: "nvml", Options: opts, Source: "bench.yaml:7"}
	o, err := parseOptions(spec)
	if err != nil {
		return nil, err
	}
	mt, err := open(t.Context(), spec, o, m.lib)
	if err != nil {
		return nil, err
	}
	nm := mt.(*nvmlMeter)
	t.Cleanup(func() { _ = nm.Close() })
	return nm, nil
}

func mustOpen(t *testing.T, m *fakeMachine, opts map[string]any) *nvmlMeter {
	t.Helper()
	nm, err := openFake(t, m, opts)
	if err != nil {
		t.Fatal(err)
	}
	return nm
}

func mustRead(t *testing.T, nm *nvmlMeter) []meter.Reading {
	t.Helper()
	rs, err := nm.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func channels(rs []meter.Reading) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Channel)
	}
	return out
}

func TestReadsEveryGPUOfADGXH100(t *testing.T) {
	m := newFakeMachine(8)
	nm := mustOpen(t, m, nil)
	rs := mustRead(t, nm)
	want := []string{"gpu0", "gpu1", "gpu2", "gpu3", "gpu4", "gpu5", "gpu6", "gpu7"}
	if got := channels(rs); !slices.Equal(got, want) {
		t.Fatalf("channels = %v, want %v", got, want)
	}
	for i, r := range rs {
		if r.Meter != "gpu" || r.Component != meter.GPU {
			t.Errorf("%s: meter %q component %q, want gpu and gpu", r.Channel, r.Meter, r.Component)
		}
		// 5 000 000 000 mJ + i × 1 000 003 mJ, in joules.
		if wantJ := 5_000_000 + float64(i)*1000.003; math.Abs(r.Joules-wantJ) > 1e-6 {
			t.Errorf("%s: joules = %v, want %v", r.Channel, r.Joules, wantJ)
		}
		// auto picks instant power: 71 000 mW + i × 100 mW.
		if wantW := 71 + float64(i)*0.1; math.Abs(r.Watts-wantW) > 1e-9 {
			t.Errorf("%s: watts = %v, want %v", r.Channel, r.Watts, wantW)
		}
	}
	if n := nm.Notes(); len(n) != 0 {
		t.Errorf("notes on a machine that has everything: %q", n)
	}

	// The counter is what the analysis subtracts: 2.5 s at 700 W on gpu3
	// is 1750 J, i.e. 1 750 000 mJ more.
	m.gpus[3].set(func(g *fakeGPU) { g.energyMJ += 1_750_000; g.instantMW = 699_871 })
	before := rs[3]
	after := mustRead(t, nm)[3]
	if d := after.Joules - before.Joules; math.Abs(d-1750) > 1e-6 {
		t.Errorf("gpu3 energy delta = %v J, want 1750", d)
	}
	if after.Watts != 699.871 {
		t.Errorf("gpu3 watts = %v, want 699.871", after.Watts)
	}
}

func TestPowerModes(t *testing.T) {
	tests := []struct {
		name       string
		power      string
		instantRet gonvml.Return
		noSymbol   bool // a driver without nvmlDeviceGetFieldValues
		wantWatts  float64
		wantNote   string
		wantFields bool // whether Read uses the field-values call
		wantErr    string
	}{
		{name: "auto uses instant", power: "auto", wantWatts: 71, wantFields: true},
		{name: "auto without instant falls back", power: "auto", instantRet: gonvml.ERROR_NOT_SUPPORTED,
			wantWatts: 70, wantNote: "no instant power from this driver"},
		{name: "auto on an old driver", power: "auto", noSymbol: true, wantWatts: 70, wantNote: "no instant power"},
		{name: "average", power: "average", wantWatts: 70},
		{name: "instant", power: "instant", wantWatts: 71, wantFields: true},
		{name: "instant unsupported", power: "instant", instantRet: gonvml.ERROR_NOT_SUPPORTED,
			wantErr: "meters[gpu].power: gpu0 (NVIDIA H100 80GB HBM3): the driver does not offer instant power (instant power (NVML_FI_DEV_POWER_INSTANT): ERROR_NOT_SUPPORTED); set power: auto or average"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := newFakeMachine(1)
			m.gpus[0].instantRet = tc.instantRet
			if tc.noSymbol {
				m.symbols = map[string]bool{}
			}
			nm, err := openFake(t, m, map[string]any{"power": tc.power})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				if m.shutdownCount() != 1 {
					t.Errorf("NVML shut down %d times after a failed start, want 1", m.shutdownCount())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			calls := m.gpus[0].fieldCalls
			r := mustRead(t, nm)[0]
			if r.Watts != tc.wantWatts {
				t.Errorf("watts = %v, want %v", r.Watts, tc.wantWatts)
			}
			if used := m.gpus[0].fieldCalls > calls; used != tc.wantFields {
				t.Errorf("field-values call used by Read: %v, want %v", used, tc.wantFields)
			}
			notes := strings.Join(nm.Notes(), "\n")
			if (tc.wantNote == "") != (notes == "") || !strings.Contains(notes, tc.wantNote) {
				t.Errorf("notes = %q, want %q", notes, tc.wantNote)
			}
		})
	}
}

func TestDeviceSelection(t *testing.T) {
	m := newFakeMachine(8)
	uuid5 := m.gpus[5].uuid
	tests := []struct {
		name    string
		devices any
		want    []string
		wantErr string
	}{
		{name: "indices", devices: []any{2, 0}, want: []string{"gpu2", "gpu0"}},
		{name: "uuid and index", devices: []any{uuid5, 1}, want: []string{"gpu5", "gpu1"}},
		{name: "uuid in another case", devices: []any{strings.ToLower(uuid5[:4]) + strings.ToUpper(uuid5[4:])}, want: []string{"gpu5"}},
		{name: "index as a string", devices: []any{"3"}, want: []string{"gpu3"}},
		{name: "one device without brackets", devices: 4, want: []string{"gpu4"}},
		{name: "index not here", devices: []any{0, 8},
			wantErr: "bench.yaml:7: meters[gpu].devices[1]: no GPU 8 here; NVML sees 0 GPU-a1b2c300-5a3c-4e1b-9d2f-000000000000 (NVIDIA H100 80GB HBM3), 1 GPU-a1b2c301"},
		{name: "uuid not here", devices: []any{"GPU-00000000-0000-0000-0000-000000000000"},
			wantErr: "devices[0]: no GPU GPU-00000000-0000-0000-0000-000000000000 here"},
		{name: "same GPU twice", devices: []any{5, uuid5},
			wantErr: "devices[1]: 5 and " + uuid5 + " are the same GPU (gpu5)"},
		{name: "MIG instance", devices: []any{"MIG-4b3f6b0c-1b5e-5d0e-8c1a-6f7e8d9c0b1a"},
			wantErr: "devices[0]: \"MIG-4b3f6b0c-1b5e-5d0e-8c1a-6f7e8d9c0b1a\" is a MIG instance"},
		{name: "not an id", devices: []any{"first"}, wantErr: "devices[0]: want a GPU index such as 0 or a UUID"},
		{name: "negative", devices: []any{-1}, wantErr: "devices[0]: GPU index -1 is out of range"},
		{name: "fraction", devices: []any{1.5}, wantErr: "devices[0]: want a GPU index or UUID, got the number 1.5"},
		{name: "empty", devices: []any{}, wantErr: "devices: empty list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			nm, err := openFake(t, m, map[string]any{"devices": tc.devices})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := channels(mustRead(t, nm)); !slices.Equal(got, tc.want) {
				t.Errorf("channels = %v, want %v", got, tc.want)
			}
		})
	}
}

// A Pascal board has no total-energy counter: the meter reads its power
// only and says so, and the analysis integrates it.
func TestNoEnergyCounterFallsBackToPower(t *testing.T) {
	m := newFakeMachine(2)
	m.gpus[1].set(func(g *fakeGPU) {
		g.name = "Tesla P100-PCIE-16GB"
		g.energyRet = gonvml.ERROR_NOT_SUPPORTED
		g.instantRet = gonvml.ERROR_NOT_SUPPORTED
		g.powerMW = 31_544
	})
	nm := mustOpen(t, m, nil)
	rs := mustRead(t, nm)
	if !math.IsNaN(rs[1].Joules) || rs[1].Watts != 31.544 {
		t.Errorf("gpu1 = %v J, %v W; want NaN J, 31.544 W", rs[1].Joules, rs[1].Watts)
	}
	if math.IsNaN(rs[0].Joules) {
		t.Error("gpu0 lost its counter because gpu1 has none")
	}
	notes := strings.Join(nm.Notes(), "\n")
	for _, want := range []string{
		"gpu1 (Tesla P100-PCIE-16GB): no total-energy counter (it needs Volta or newer)",
		"gpu1 (Tesla P100-PCIE-16GB): no instant power",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes = %q, want %q", notes, want)
		}
	}
}

func TestNothingToRead(t *testing.T) {
	m := newFakeMachine(1)
	m.gpus[0].set(func(g *fakeGPU) {
		g.name = "NVIDIA GeForce GT 710"
		g.energyRet, g.powerRet, g.instantRet = gonvml.ERROR_NOT_SUPPORTED, gonvml.ERROR_NOT_SUPPORTED, gonvml.ERROR_NOT_SUPPORTED
	})
	_, err := openFake(t, m, nil)
	want := "gpu0 (NVIDIA GeForce GT 710) reports neither energy nor power (ERROR_NOT_SUPPORTED); leave it out of devices"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

func TestPermissionDenied(t *testing.T) {
	t.Run("at start", func(t *testing.T) {
		m := newFakeMachine(1)
		m.gpus[0].energyRet = gonvml.ERROR_NO_PERMISSION
		_, err := openFake(t, m, nil)
		if err == nil || !strings.Contains(err.Error(), "gpu0 (NVIDIA H100 80GB HBM3): reading total energy: ERROR_NO_PERMISSION; fix: give this user read-write access to /dev/nvidiactl") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("while reading", func(t *testing.T) {
		m := newFakeMachine(2)
		nm := mustOpen(t, m, nil)
		m.gpus[1].set(func(g *fakeGPU) { g.instantRet = gonvml.ERROR_NO_PERMISSION })
		_, err := nm.Read(context.Background())
		if err == nil || !strings.Contains(err.Error(), "gpu1 (NVIDIA H100 80GB HBM3): reading instant power (NVML_FI_DEV_POWER_INSTANT): ERROR_NO_PERMISSION; fix:") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestGPULostFailsTheRead(t *testing.T) {
	m := newFakeMachine(4)
	nm := mustOpen(t, m, nil)
	m.gpus[2].set(func(g *fakeGPU) { g.energyRet = gonvml.ERROR_GPU_IS_LOST })
	rs, err := nm.Read(context.Background())
	if err == nil || rs != nil {
		t.Fatalf("Read = %d readings, %v; want none and an error (a sum missing a GPU would be silently low)", len(rs), err)
	}
	if !strings.Contains(err.Error(), "gpu2 (NVIDIA H100 80GB HBM3): reading total energy: ERROR_GPU_IS_LOST; the GPU has fallen off the bus") {
		t.Errorf("err = %v", err)
	}
	m.gpus[2].set(func(g *fakeGPU) { g.energyRet = gonvml.SUCCESS; g.fieldsRet = gonvml.ERROR_UNKNOWN })
	if _, err := nm.Read(context.Background()); err == nil || !strings.Contains(err.Error(), "gpu2 (NVIDIA H100 80GB HBM3): reading field values: ERROR_UNKNOWN") {
		t.Errorf("err = %v", err)
	}
}

func TestMemoryPower(t *testing.T) {
	t.Run("reported as a part, never summed", func(t *testing.T) {
		m := newFakeMachine(2)
		nm := mustOpen(t, m, map[string]any{"memory_power": true})
		rs := mustRead(t, nm)
		if got, want := channels(rs), []string{"gpu0", "gpu0-memory", "gpu1", "gpu1-memory"}; !slices.Equal(got, want) {
			t.Fatalf("channels = %v, want %v", got, want)
		}
		mem := rs[3]
		if mem.Component != "part" || mem.Watts != 20.01 || !math.IsNaN(mem.Joules) || mem.Meter != "gpu" {
			t.Errorf("gpu1-memory = %+v, want component part, 20.01 W, no joules", mem)
		}
		if rs[2].Watts != 71.1 || rs[2].Component != meter.GPU {
			t.Errorf("gpu1 = %+v: the board reading must stay the whole board", rs[2])
		}
	})
	t.Run("off by default", func(t *testing.T) {
		m := newFakeMachine(2)
		if got := channels(mustRead(t, mustOpen(t, m, nil))); !slices.Equal(got, []string{"gpu0", "gpu1"}) {
			t.Errorf("channels = %v", got)
		}
	})
	t.Run("some GPUs lack it", func(t *testing.T) {
		m := newFakeMachine(2)
		m.gpus[0].set(func(g *fakeGPU) { g.name = "NVIDIA A100-SXM4-80GB"; g.memoryRet = gonvml.ERROR_NOT_SUPPORTED })
		nm := mustOpen(t, m, map[string]any{"memory_power": true})
		if got := channels(mustRead(t, nm)); !slices.Equal(got, []string{"gpu0", "gpu1", "gpu1-memory"}) {
			t.Errorf("channels = %v", got)
		}
		if n := strings.Join(nm.Notes(), "\n"); !strings.Contains(n, "gpu0 (NVIDIA A100-SXM4-80GB): ERROR_NOT_SUPPORTED: reports no memory power") {
			t.Errorf("notes = %q", n)
		}
	})
	t.Run("no GPU has it", func(t *testing.T) {
		m := newFakeMachine(1)
		m.gpus[0].memoryRet = gonvml.ERROR_NOT_SUPPORTED
		_, err := openFake(t, m, map[string]any{"memory_power": true})
		if err == nil || !strings.Contains(err.Error(), "meters[gpu].memory_power: no selected GPU reports memory power (gpu0 (NVIDIA H100 80GB HBM3): ERROR_NOT_SUPPORTED)") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestInitFailures(t *testing.T) {
	tests := []struct {
		ret         gonvml.Return
		unavailable bool
		want        string
	}{
		{gonvml.ERROR_LIBRARY_NOT_FOUND, true, "NVML library not found: no NVIDIA driver (libnvidia-ml.so.1 did not load); fix: install the NVIDIA driver"},
		{gonvml.ERROR_DRIVER_NOT_LOADED, true, "the NVIDIA kernel driver is not loaded"},
		{gonvml.ERROR_NO_PERMISSION, true, "no permission to open the NVIDIA devices (NVML: ERROR_NO_PERMISSION); fix: give this user"},
		{gonvml.ERROR_LIB_RM_VERSION_MISMATCH, true, "the driver was upgraded without a reboot"},
		{gonvml.ERROR_UNKNOWN, false, "meters[gpu]: NVML did not initialise: ERROR_UNKNOWN"},
	}
	for _, tc := range tests {
		t.Run(tc.ret.Error(), func(t *testing.T) {
			m := newFakeMachine(1)
			m.initRet = tc.ret
			_, err := openFake(t, m, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if errors.Is(err, meter.ErrUnavailable) != tc.unavailable {
				t.Errorf("errors.Is(err, ErrUnavailable) = %v, want %v", !tc.unavailable, tc.unavailable)
			}
			if m.shutdownCount() != 0 {
				t.Error("Shutdown after a failed Init")
			}
		})
	}
	t.Run("no GPU", func(t *testing.T) {
		m := newFakeMachine(0)
		_, err := openFake(t, m, nil)
		if !errors.Is(err, meter.ErrUnavailable) || !strings.Contains(err.Error(), "sees no GPU") {
			t.Fatalf("err = %v", err)
		}
		if m.shutdownCount() != 1 {
			t.Errorf("shutdowns = %d, want 1", m.shutdownCount())
		}
	})
	t.Run("a panicking binding", func(t *testing.T) {
		m := newFakeMachine(1)
		m.lib.InitFunc = func() gonvml.Return { panic("symbol lookup error") }
		_, err := openFake(t, m, nil)
		if err == nil || !strings.Contains(err.Error(), "NVML failed while starting: symbol lookup error") {
			t.Fatalf("err = %v", err)
		}
	})
}

// The real go-nvml binding, pointed at a library that is not there: what
// every machine without an NVIDIA driver sees, without cgo tricks.
func TestRealBindingWithoutLibrary(t *testing.T) {
	_, err := meter.New(t.Context(), meter.Spec{Name: "gpu", Type: "nvml", Options: map[string]any{"library": "/nonexistent/libnvidia-ml.so.1"}})
	if !errors.Is(err, meter.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if want := "meters[gpu]: unavailable on this machine: NVML library not found: /nonexistent/libnvidia-ml.so.1 did not load; fix: install the NVIDIA driver"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %v\nwant prefix %q", err, want)
	}
}

// TestRealNVML reads the GPUs of this machine through the real driver. It
// skips where there is none (CI has no GPU); on a GPU machine it shows
// what the meter sees: go test -run TestRealNVML -v ./meter/nvml/
// TestRealNVML runs the real binding against whatever this machine has.
// Without a driver (CI) it checks that the meter says so, with the fix;
// on a GPU machine it reads every GPU three times.
func TestRealNVML(t *testing.T) {
	m, err := meter.New(t.Context(), meter.Spec{Name: "gpu", Type: "nvml", Options: map[string]any{"memory_power": false}})
	if errors.Is(err, meter.ErrUnavailable) {
		if msg := err.Error(); !strings.Contains(msg, "fix:") || !(strings.Contains(msg, "NVML") || strings.Contains(msg, "cgo")) {
			t.Errorf("unavailable without saying why and how to fix it: %v", err)
		}
		t.Logf("no NVIDIA GPU here, as expected on CI: %v", err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	t.Logf("notes: %q", m.(*nvmlMeter).Notes())
	for range 3 {
		rs, err := m.Read(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			t.Logf("%s: %.3f W, %.3f J", r.Channel, r.Watts, r.Joules)
			if r.Watts <= 0 && r.Joules <= 0 {
				t.Errorf("%s reads nothing: %+v", r.Channel, r)
			}
		}
	}
}

func TestCloseAndCancel(t *testing.T) {
	m := newFakeMachine(2)
	nm := mustOpen(t, m, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := nm.Read(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Read with a cancelled context: %v", err)
	}
	if err := nm.Close(); err != nil {
		t.Fatal(err)
	}
	if err := nm.Close(); err != nil {
		t.Fatal(err)
	}
	if m.shutdownCount() != 1 {
		t.Errorf("shutdowns = %d, want 1", m.shutdownCount())
	}
	if _, err := nm.Read(context.Background()); !errors.Is(err, errClosed) {
		t.Errorf("Read after Close: %v", err)
	}
}

// A cancel that arrives while NVML starts (Init can take seconds on a
// big machine) stops the opening before the GPUs are probed, and NVML is
// shut down again.
func TestOpenStopsWhenCancelled(t *testing.T) {
	m := newFakeMachine(2)
	ctx, cancel := context.WithCancel(t.Context())
	m.lib.InitFunc = func() gonvml.Return { cancel(); return gonvml.SUCCESS }
	spec := meter.Spec{Name: "gpu", Type: "nvml"}
	o, err := parseOptions(spec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := open(ctx, spec, o, m.lib); !errors.Is(err, context.Canceled) {
		t.Errorf("open = %v, want context.Canceled", err)
	}
	if m.shutdownCount() != 1 {
		t.Errorf("shutdowns = %d, want 1: NVML was started", m.shutdownCount())
	}
}

func TestFieldFloatDecodesEveryType(t *testing.T) {
	put := func(typ gonvml.ValueType, f func(b []byte)) gonvml.FieldValue {
		fv := gonvml.FieldValue{ValueType: uint32(typ)}
		f(fv.Value[:])
		return fv
	}
	ne := binaryNE{}
	tests := []struct {
		fv   gonvml.FieldValue
		want float64
	}{
		{put(gonvml.VALUE_TYPE_DOUBLE, func(b []byte) { ne.u64(b, math.Float64bits(71.25)) }), 71.25},
		{put(gonvml.VALUE_TYPE_UNSIGNED_INT, func(b []byte) { ne.u32(b, 699871) }), 699871},
		{put(gonvml.VALUE_TYPE_UNSIGNED_LONG, func(b []byte) { ne.u64(b, 1<<40) }), 1 << 40},
		{put(gonvml.VALUE_TYPE_UNSIGNED_LONG_LONG, func(b []byte) { ne.u64(b, 5_000_000_000) }), 5_000_000_000},
		{put(gonvml.VALUE_TYPE_SIGNED_LONG_LONG, func(b []byte) { ne.u64(b, uint64(1<<64-5)) }), -5},
		{put(gonvml.VALUE_TYPE_SIGNED_INT, func(b []byte) { ne.u32(b, uint32(1<<32-7)) }), -7},
		{put(gonvml.VALUE_TYPE_UNSIGNED_SHORT, func(b []byte) { ne.u16(b, 65535) }), 65535},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.fv.ValueType), func(t *testing.T) {
			got, err := fieldFloat(tc.fv)
			if err != nil || got != tc.want {
				t.Errorf("fieldFloat = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	if _, err := fieldFloat(gonvml.FieldValue{ValueType: 42}); err == nil {
		t.Error("unknown value type accepted")
	}
}
