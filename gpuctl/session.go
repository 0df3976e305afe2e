package gpuctl

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Applied is one GPU at one sweep point: what was asked, what is in force
// when read back, and the default, as run.json records it.
type Applied struct {
	Model  string `json:"model"` // the model variant's label, set by the runner
	Device int    `json:"device"`
	UUID   string `json:"uuid"`

	RequestedPowerLimitW float64 `json:"requested_power_limit_w,omitempty"`
	PowerLimitW          float64 `json:"power_limit_w"` // enforced: the lowest limit on the board
	DefaultPowerLimitW   float64 `json:"default_power_limit_w"`
	RequestedClockMHz    int     `json:"requested_clock_mhz,omitempty"`
	ClockMHz             int     `json:"clock_mhz"` // the graphics clock as read back
}

// A Session applies sweep points to a controller's GPUs and puts the
// originals back. Its methods may be called from any goroutine.
type Session struct {
	c    Controller
	path string

	mu       sync.Mutex
	saved    Saved
	changed  bool // a setting may have changed: something to restore
	restored bool
}

// Begin reads every GPU's settings and writes them to path (SavedFile in
// the run directory) before anything changes; points say what the sweep
// will change, so that nothing else is ever touched.
func Begin(c Controller, path string, points []Setting) (*Session, error) {
	saved, err := save(c, points)
	if err != nil {
		return nil, err
	}
	if err := writeSaved(path, saved); err != nil {
		return nil, fmt.Errorf("saving the GPUs' settings before changing them: %w", err)
	}
	return &Session{c: c, path: path, saved: saved}, nil
}

// Path is where the originals are saved.
func (s *Session) Path() string { return s.path }

// Apply sets every GPU to pt and reads back what is in force. It stops at
// the first GPU that refuses: a point half applied is not measured.
func (s *Session) Apply(pt Setting) ([]Applied, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.restored {
		return nil, errors.New("the GPUs' settings were restored: the sweep is over")
	}
	out := make([]Applied, 0, len(s.c.Devices()))
	for _, d := range s.c.Devices() {
		in := d.Info()
		if pt.PowerLimitW > 0 {
			s.changed = true
			if err := d.SetPowerLimit(pt.PowerLimitW); err != nil {
				return out, fmt.Errorf("%s: setting its power limit to %g W: %w", in, pt.PowerLimitW, err)
			}
		}
		if pt.ClockMHz > 0 {
			s.changed = true
			if err := d.LockClock(pt.ClockMHz); err != nil {
				return out, fmt.Errorf("%s: locking its clock at %d MHz: %w", in, pt.ClockMHz, err)
			}
		}
		a := Applied{Device: in.Index, UUID: in.UUID, RequestedPowerLimitW: pt.PowerLimitW, RequestedClockMHz: pt.ClockMHz}
		p, err := d.Power()
		if err := readBack(err, pt.PowerLimitW > 0); err != nil {
			return out, fmt.Errorf("%s: reading its power limit back: %w", in, err)
		}
		a.PowerLimitW, a.DefaultPowerLimitW = p.EnforcedW, p.DefaultW
		c, err := d.Clock()
		if err := readBack(err, pt.ClockMHz > 0); err != nil {
			return out, fmt.Errorf("%s: reading its clock back: %w", in, err)
		}
		a.ClockMHz = c.CurrentMHz
		out = append(out, a)
	}
	return out, nil
}

// readBack is a read's error that matters: a GPU that cannot report what
// the point did not change is recorded with zeros instead.
func readBack(err error, changed bool) error {
	if errors.Is(err, ErrNotSupported) && !changed {
		return nil
	}
	return err
}

// Restore puts the original settings back and records it in the saved
// file. It is safe to call again, after a failure or after success; once
// it has succeeded, Apply refuses.
func (s *Session) Restore() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.restored {
		return nil
	}
	if !s.changed {
		s.restored = true
		return nil
	}
	if err := s.saved.Restore(s.c); err != nil {
		return err
	}
	s.restored = true
	s.saved.RestoredAt = time.Now()
	return writeSaved(s.path, s.saved)
}
