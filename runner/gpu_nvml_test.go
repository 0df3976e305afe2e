//go:build cgo

package runner

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	gonvml "github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/aienergy/aienergy/gpuctl"
	gpunvml "github.com/aienergy/aienergy/gpuctl/nvml"
	"github.com/aienergy/aienergy/gpuctl/nvml/nvmltest"
)

// However a cap sweep ends — done, failed, cancelled as Ctrl-C or SIGTERM
// cancel it, or panicking — the GPUs get their original limits back, and
// each point is recorded as asked, in force and by default. NVML here is
// go-nvml's mock of a DGX H100, whose GPUs keep what is set on them.
func TestGPUControlRestoresOnEveryExit(t *testing.T) {
	variants := []Variant{{PowerLimitW: 300, Concurrency: 1}, {PowerLimitW: 300, Concurrency: 8}, {PowerLimitW: 250, Concurrency: 1}, {PowerLimitW: 250, Concurrency: 8}}
	errBoom := errors.New("backend went away")
	tests := []struct {
		name string
		// end is called after each point is applied, with its index; it
		// may cancel, fail or panic.
		end       func(i int, cancel context.CancelFunc) error
		wantErr   error
		panics    bool
		wantCalls []string // each GPU's
	}{
		{"completed", func(int, context.CancelFunc) error { return nil }, nil, false,
			[]string{"limit 300000", "limit 300000", "limit 250000", "limit 250000", "limit 700000"}},
		{"cancelled mid-sweep", func(i int, cancel context.CancelFunc) error {
			if i == 1 {
				cancel()
			}
			return nil
		}, context.Canceled, false, []string{"limit 300000", "limit 300000", "limit 700000"}},
		{"failed", func(i int, _ context.CancelFunc) error {
			if i == 2 {
				return errBoom
			}
			return nil
		}, errBoom, false, []string{"limit 300000", "limit 300000", "limit 250000", "limit 700000"}},
		{"panicked", func(i int, _ context.CancelFunc) error {
			if i == 0 {
				panic("a bug")
			}
			return nil
		}, nil, true, []string{"limit 300000", "limit 700000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := nvmltest.New()
			c, err := gpunvml.FromLibrary(m, []string{"0", "1"})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			g := &GPUControl{Controller: c}
			dir := t.TempDir()
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			var recorded []gpuctl.Applied
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			// The runner's loop over variants, as runModels runs it.
			body := func(ctx context.Context) error {
				for i, v := range variants {
					applied, err := g.apply(dir, variants, v, v.Label("m"), log)
					recorded = append(recorded, applied...)
					if err != nil {
						return err
					}
					if err := tt.end(i, cancel); err != nil {
						return err
					}
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				return nil
			}
			var panicked any
			func() {
				defer func() { panicked = recover() }()
				err = g.guard(body, t.Errorf)(ctx)
			}()
			if (panicked != nil) != tt.panics {
				t.Fatalf("panic %v, want one: %v", panicked, tt.panics)
			}
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			for i := range 2 {
				if calls := m.GPUs[i].Calls(); !slices.Equal(calls, tt.wantCalls) {
					t.Errorf("GPU %d calls %q, want %q", i, calls, tt.wantCalls)
				}
			}
			if len(recorded) == 0 || recorded[0].Model != "m [cap=300W c=1]" || recorded[0].RequestedPowerLimitW != 300 ||
				recorded[0].PowerLimitW != 300 || recorded[0].DefaultPowerLimitW != 700 {
				t.Errorf("recorded %+v", recorded)
			}
			saved, err := gpuctl.ReadSaved(filepath.Join(dir, gpuctl.SavedFile))
			if err != nil || saved.RestoredAt.IsZero() || !saved.SetsPowerLimit || saved.SetsClocks {
				t.Errorf("saved file %+v, %v", saved, err)
			}
			if !strings.Contains(logs.String(), "aienergy restore-gpu "+dir) {
				t.Errorf("the log does not say how to restore by hand:\n%s", logs.String())
			}
		})
	}
}

// The originals are on disk before the first change: a run killed right
// after it can still be restored.
func TestGPUControlSavesBeforeChanging(t *testing.T) {
	m := nvmltest.New()
	c, err := gpunvml.FromLibrary(m, []string{"3"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dir := t.TempDir()
	m.GPUs[3].Refuse(gonvml.ERROR_UNKNOWN, 0) // the very first change fails
	g := &GPUControl{Controller: c}
	v := Variant{PowerLimitW: 300}
	if _, err := g.apply(dir, []Variant{v}, v, "m", slog.New(slog.DiscardHandler)); err == nil {
		t.Fatal("apply succeeded on a GPU that refuses")
	}
	if _, err := os.Stat(filepath.Join(dir, gpuctl.SavedFile)); err != nil {
		t.Errorf("no saved settings before the first change: %v", err)
	}
}
