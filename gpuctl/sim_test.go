package gpuctl_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/gpuctl"
	"github.com/aienergy/aienergy/sim"
)

// startSim serves a simulator on loopback for the test.
func startSim(t *testing.T, cfg sim.Config) (*sim.Server, string) {
	t.Helper()
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	url, err := s.Start("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, url
}

func TestSimController(t *testing.T) {
	s, url := startSim(t, sim.Config{GPUs: 2})
	all, err := gpuctl.Sim(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer all.Close()
	rep := s.GPUs()
	var uuids []string
	for _, d := range all.Devices() {
		uuids = append(uuids, d.Info().UUID)
	}
	if want := []string{rep.GPUs[0].UUID, rep.GPUs[1].UUID}; !slices.Equal(uuids, want) {
		t.Errorf("devices %v, want %v", uuids, want)
	}
	if w := all.Where(); w != (gpuctl.Where{Type: "sim", URL: url}) {
		t.Errorf("Where() = %+v", w)
	}

	one, err := gpuctl.Sim(url, []string{rep.GPUs[1].UUID})
	if err != nil {
		t.Fatal(err)
	}
	p, err := one.Devices()[0].Power()
	if err != nil || p != (gpuctl.Power{LimitW: 400, EnforcedW: 400, DefaultW: 400, MinW: 145, MaxW: 400}) {
		t.Errorf("Power() = %+v, %v", p, err)
	}
	err = gpuctl.Check(one, []gpuctl.Setting{{PowerLimitW: 100}, {ClockMHz: 3000}})
	want := []string{
		"GPU 1 (NVIDIA H100 80GB HBM3 (simulated)): power limit 100 W is outside its range, 145 to 400 W (default 400 W)",
		"GPU 1 (NVIDIA H100 80GB HBM3 (simulated)): clock 3000 MHz is outside its range, 210 to 1980 MHz",
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Errorf("Check: %v", err)
	}
}

func TestSimControllerErrors(t *testing.T) {
	notSim := httptest.NewServer(http.NotFoundHandler())
	defer notSim.Close()
	_, url := startSim(t, sim.Config{})
	tests := []struct {
		url     string
		devices []string
		err     string
	}{
		{notSim.URL, nil, "has no /sim/gpu: not an aienergy simulator, or one too old to set GPUs"},
		{url, []string{"1"}, "no GPU 1 here; there are 0 GPU-"},
		{"http://127.0.0.1:1", nil, "simulator at http://127.0.0.1:1:"},
	}
	for _, tt := range tests {
		if _, err := gpuctl.Sim(tt.url, tt.devices); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("Sim(%s, %v): %v, want %q", tt.url, tt.devices, err, tt.err)
		}
	}
}

// A sweep stopped halfway, as the runner stops on Ctrl-C, leaves the
// simulator's GPUs as they were before it.
func TestSimSweepInterruptedIsRestored(t *testing.T) {
	s, url := startSim(t, sim.Config{GPUs: 2})
	if err := s.SetGPU(sim.GPUSetting{ClockMHz: ptr(1800)}); err != nil { // an owner's own lock
		t.Fatal(err)
	}
	c, err := gpuctl.Sim(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	points := []gpuctl.Setting{{PowerLimitW: 300, ClockMHz: 1400}, {PowerLimitW: 200, ClockMHz: 1000}, {PowerLimitW: 150, ClockMHz: 800}}
	ctx, cancel := context.WithCancel(context.Background())
	applied := 0
	err = sweep(ctx, c, filepath.Join(t.TempDir(), gpuctl.SavedFile), points, func() {
		if applied++; applied == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || applied != 2 {
		t.Fatalf("sweep: %v after %d points", err, applied)
	}
	for _, g := range s.GPUs().GPUs {
		if g.PowerLimitW != 400 || g.LockedClockMHz != 1800 {
			t.Errorf("GPU %d after the interrupted sweep: %g W, clock locked at %d MHz; want 400 W, 1800 MHz", g.Index, g.PowerLimitW, g.LockedClockMHz)
		}
	}
}

// sweep applies points in turn as the runner does, calling measure after
// each, until ctx ends; the GPUs are restored however it ends.
func sweep(ctx context.Context, c gpuctl.Controller, path string, points []gpuctl.Setting, measure func()) error {
	s, err := gpuctl.Begin(c, path, points)
	if err != nil {
		return err
	}
	defer s.Restore()
	for _, p := range points {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := s.Apply(p); err != nil {
			return err
		}
		measure()
	}
	return ctx.Err()
}

func ptr[T any](v T) *T { return &v }

// relClose reports whether got is within tol (relative) of want.
func relClose(got, want, tol float64) bool { return math.Abs(got-want) <= tol*math.Abs(want) }
