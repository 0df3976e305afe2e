package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aienergy/aienergy/gpuctl"
	gpunvml "github.com/aienergy/aienergy/gpuctl/nvml"
)

func newRestoreGPUCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "restore-gpu RUN_DIR",
		Short: "Put back the GPU power limits and clocks a power-cap or clock sweep changed",
		Long: `Put every GPU a power-cap or clock sweep (sweep.power_limits_w,
sweep.gpu_clocks_mhz) changed back to the settings it had before the run,
as saved in the run directory's ` + gpuctl.SavedFile + ` before the first change.

A run restores them itself when it ends, fails, or is stopped with Ctrl-C or
SIGTERM; this is for a run that was killed outright (SIGKILL, a second
Ctrl-C, a power cut). GPUs are found by UUID. Restoring twice is harmless.
NVML cannot read whether clocks were locked before the run: clocks a sweep
locked are unlocked. Setting real GPUs needs root.`,
		Example: `  sudo aienergy restore-gpu runs/20261123-101500-capsweep`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return restoreGPU(cmd.OutOrStdout(), args[0])
		},
	}
}

// restoreGPU restores the settings saved in dir, saying what it sets.
func restoreGPU(w io.Writer, dir string) error {
	path := filepath.Join(dir, gpuctl.SavedFile)
	saved, err := gpuctl.ReadSaved(path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(dir); serr != nil {
			return fmt.Errorf("%s: no such run directory", dir)
		}
		return fmt.Errorf("%s has no %s: its run changed no GPU setting", dir, gpuctl.SavedFile)
	}
	if err != nil {
		return err
	}
	c, err := savedController(saved.Controller)
	if err != nil {
		return err
	}
	defer c.Close()
	if !saved.RestoredAt.IsZero() {
		fmt.Fprintf(w, "note: the run restored these settings itself at %s; setting them again\n", saved.RestoredAt.Format("2006-01-02 15:04:05"))
	}
	if _, err := gpuctl.RestoreFile(c, path); err != nil {
		return err
	}
	for _, o := range saved.Devices {
		var parts []string
		if saved.SetsPowerLimit {
			parts = append(parts, fmt.Sprintf("power limit %g W", o.PowerLimitW))
		}
		if saved.SetsClocks {
			if o.LockedClockMHz != nil && *o.LockedClockMHz > 0 {
				parts = append(parts, fmt.Sprintf("clock locked at %d MHz", *o.LockedClockMHz))
			} else {
				parts = append(parts, "clocks unlocked")
			}
		}
		fmt.Fprintf(w, "%s %s: %s\n", o.Info, o.UUID, strings.Join(parts, ", "))
	}
	return nil
}

// savedController opens the controller a saved file names, with every
// GPU, since the file finds its GPUs by UUID.
func savedController(where gpuctl.Where) (gpuctl.Controller, error) {
	switch where.Type {
	case "nvml":
		return gpunvml.Open(gpunvml.DefaultLibrary, nil)
	case "sim":
		c, err := gpuctl.Sim(where.URL, nil)
		if err != nil {
			// The built-in simulator's GPUs end with the run that started it.
			return nil, fmt.Errorf("%w (a run of the built-in simulator leaves nothing to restore)", err)
		}
		return c, nil
	}
	return nil, fmt.Errorf("saved GPU settings name an unknown controller %q (this aienergy knows nvml and sim)", where.Type)
}
