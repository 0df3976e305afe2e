package gpuctl

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// SavedFile is the name of the originals file in a run directory.
const SavedFile = "gpu_settings.json"

// Saved is what Begin writes before the first change: enough for this
// process, or a later aienergy restore-gpu, to put every GPU back.
type Saved struct {
	Controller Where     `json:"controller"`
	SavedAt    time.Time `json:"saved_at"`
	// SetsPowerLimit and SetsClocks say what the sweep changes; restoring
	// touches nothing else.
	SetsPowerLimit bool       `json:"sets_power_limit"`
	SetsClocks     bool       `json:"sets_clocks"`
	Devices        []Original `json:"devices"`
	// RestoredAt is when the settings were last put back; zero while the
	// sweep's are in force (or the process was killed before restoring).
	RestoredAt time.Time `json:"restored_at,omitzero"`
}

// Original is one GPU's settings before the sweep.
type Original struct {
	Info
	PowerLimitW        float64 `json:"power_limit_w"`
	DefaultPowerLimitW float64 `json:"default_power_limit_w"`
	MinPowerLimitW     float64 `json:"min_power_limit_w"`
	MaxPowerLimitW     float64 `json:"max_power_limit_w"`
	// LockedClockMHz is the clock locked before the sweep, 0 for none;
	// null when it cannot be read (NVML), and then restoring unlocks.
	LockedClockMHz *int `json:"locked_clock_mhz"`
}

// save reads every GPU's settings into a Saved.
func save(c Controller, points []Setting) (Saved, error) {
	s := Saved{Controller: c.Where(), SavedAt: time.Now()}
	for _, p := range points {
		s.SetsPowerLimit = s.SetsPowerLimit || p.PowerLimitW > 0
		s.SetsClocks = s.SetsClocks || p.ClockMHz > 0
	}
	for _, d := range c.Devices() {
		o := Original{Info: d.Info()}
		if s.SetsPowerLimit {
			p, err := d.Power()
			if err != nil {
				return s, fmt.Errorf("%s: reading its power limit: %w", o.Info, err)
			}
			o.PowerLimitW, o.DefaultPowerLimitW, o.MinPowerLimitW, o.MaxPowerLimitW = p.LimitW, p.DefaultW, p.MinW, p.MaxW
		}
		if s.SetsClocks {
			c, err := d.Clock()
			if err != nil {
				return s, fmt.Errorf("%s: reading its clocks: %w", o.Info, err)
			}
			if c.LockKnown {
				o.LockedClockMHz = &c.LockedMHz
			}
		}
		s.Devices = append(s.Devices, o)
	}
	return s, nil
}

// Restore puts every GPU s lists back as it was, as far as the sweep
// changed it. GPUs are found by UUID, so that a renumbering (another GPU
// added or lost) cannot restore the wrong one. Every GPU is tried; the
// errors are joined.
func (s Saved) Restore(c Controller) error {
	var errs []error
	for _, o := range s.Devices {
		var d Device
		for _, x := range c.Devices() {
			if x.Info().UUID == o.UUID {
				d = x
			}
		}
		if d == nil {
			errs = append(errs, fmt.Errorf("%s %s is gone; there are %s", o.Info, o.UUID, list(c.Devices())))
			continue
		}
		if s.SetsPowerLimit {
			if err := d.SetPowerLimit(o.PowerLimitW); err != nil {
				errs = append(errs, fmt.Errorf("%s: restoring its power limit of %g W: %w", o.Info, o.PowerLimitW, err))
			}
		}
		if !s.SetsClocks {
			continue
		}
		if o.LockedClockMHz != nil && *o.LockedClockMHz > 0 {
			if err := d.LockClock(*o.LockedClockMHz); err != nil {
				errs = append(errs, fmt.Errorf("%s: locking its clock at %d MHz again: %w", o.Info, *o.LockedClockMHz, err))
			}
		} else if err := d.UnlockClock(); err != nil {
			errs = append(errs, fmt.Errorf("%s: unlocking its clocks: %w", o.Info, err))
		}
	}
	return errors.Join(errs...)
}

// ReadSaved reads an originals file.
func ReadSaved(path string) (Saved, error) {
	var s Saved
	b, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	if s.Controller.Type == "" {
		return s, fmt.Errorf("%s: not a file of saved GPU settings (no controller)", path)
	}
	return s, nil
}

// RestoreFile restores the settings saved at path through c and records
// the time in the file.
func RestoreFile(c Controller, path string) (Saved, error) {
	s, err := ReadSaved(path)
	if err != nil {
		return s, err
	}
	if err := s.Restore(c); err != nil {
		return s, err
	}
	s.RestoredAt = time.Now()
	return s, writeSaved(path, s)
}

// writeSaved writes s through a synced temporary file and a rename: the
// file must be whole and on disk before the first setting changes, since
// a process killed after that leaves it as the only record.
func writeSaved(path string, s Saved) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	return err
}

// syncDir makes a rename in dir survive a power cut. Windows cannot sync
// a directory; its file system orders the rename itself.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
