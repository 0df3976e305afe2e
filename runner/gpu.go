package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"path/filepath"
	"sync"

	"github.com/aienergy/aienergy/gpuctl"
)

// GPUControl sets each variant's power limit and locked clock
// (Variant.PowerLimitW, ClockMHz) on a controller's GPUs before the
// variant's idle phase, and puts the original settings back however the
// run ends. Build it after gpuctl.Check has passed; one GPUControl serves
// one run, and its methods do nothing on a nil GPUControl.
type GPUControl struct {
	Controller gpuctl.Controller

	mu      sync.Mutex
	session *gpuctl.Session // from the first change on
}

// apply sets v's point on the GPUs and returns what each has in force,
// labelled. The first call saves the originals in the run directory dir,
// naming what variants will change, before anything changes.
func (g *GPUControl) apply(dir string, variants []Variant, v Variant, label string, log *slog.Logger) ([]gpuctl.Applied, error) {
	pt := gpuctl.Setting{PowerLimitW: v.PowerLimitW, ClockMHz: v.ClockMHz}
	if pt == (gpuctl.Setting{}) {
		return nil, nil
	}
	if g == nil || g.Controller == nil {
		return nil, fmt.Errorf("%s: the variant sets the GPUs (%s) but the plan has no GPU control", label, pt)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.session == nil {
		points := make([]gpuctl.Setting, len(variants))
		for i, x := range variants {
			points[i] = gpuctl.Setting{PowerLimitW: x.PowerLimitW, ClockMHz: x.ClockMHz}
		}
		s, err := gpuctl.Begin(g.Controller, filepath.Join(dir, gpuctl.SavedFile), points)
		if err != nil {
			return nil, err
		}
		g.session = s
		log.Info(fmt.Sprintf("GPU settings saved in %s before changing them; should aienergy be killed, aienergy restore-gpu %s puts them back", s.Path(), dir))
	}
	applied, err := g.session.Apply(pt)
	for i := range applied {
		a := &applied[i]
		a.Model = label
		// Another limit on the board (thermal, the system's) may be lower
		// than the one asked for: the point then measures that one.
		if a.RequestedPowerLimitW > 0 && math.Abs(a.PowerLimitW-a.RequestedPowerLimitW) > 0.5 {
			log.Warn(fmt.Sprintf("%s: GPU %d's power limit is %g W, not the %g W asked for", label, a.Device, a.PowerLimitW, a.RequestedPowerLimitW))
		}
	}
	if err != nil {
		return applied, fmt.Errorf("%s: %w", label, err)
	}
	return applied, nil
}

// restore puts the original settings back, if any were changed; it may
// be called again after a failure or a success.
func (g *GPUControl) restore() error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	s := g.session
	g.mu.Unlock()
	if s == nil {
		return nil
	}
	if err := s.Restore(); err != nil {
		return fmt.Errorf("the GPUs' original settings were not all restored (%w); aienergy restore-gpu %s tries again",
			err, filepath.Dir(s.Path()))
	}
	return nil
}

// guard runs body and then restores the GPUs' settings, whether body
// returns, fails, is cancelled (Ctrl-C, SIGTERM) or panics. Only a kill
// that runs no code (SIGKILL, a second Ctrl-C) leaves them changed, and
// the saved file says how they were.
func (g *GPUControl) guard(body func(context.Context) error, warn func(format string, args ...any)) func(context.Context) error {
	if g == nil {
		return body
	}
	return func(ctx context.Context) (err error) {
		defer func() {
			if rerr := g.restore(); rerr != nil {
				warn("%v", rerr)
				err = errors.Join(err, rerr)
			}
		}()
		return body(ctx)
	}
}
