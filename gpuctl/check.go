package gpuctl

import (
	"errors"
	"fmt"
	"slices"
)

// FixPermission is the advice for a process that may not change the GPUs.
const FixPermission = "run aienergy as root (sudo); in a container, also give it the SYS_ADMIN capability (docker run --cap-add SYS_ADMIN)"

// Check makes sure that every point can be applied to every GPU of c
// before anything runs: that the process has the privilege (by setting
// each GPU's power limit to the value it already has, which changes
// nothing) and that every value lies in each GPU's range. It returns
// every problem found, one error each.
func Check(c Controller, points []Setting) error {
	var limits []float64 // distinct values asked for
	var clocks []int
	for _, p := range points {
		if p.PowerLimitW > 0 && !slices.Contains(limits, p.PowerLimitW) {
			limits = append(limits, p.PowerLimitW)
		}
		if p.ClockMHz > 0 && !slices.Contains(clocks, p.ClockMHz) {
			clocks = append(clocks, p.ClockMHz)
		}
	}
	if len(limits)+len(clocks) == 0 {
		return nil
	}
	var errs []error
	for _, d := range c.Devices() {
		errs = append(errs, checkDevice(d, limits, clocks)...)
	}
	return errors.Join(errs...)
}

// checkDevice checks one GPU; a GPU that cannot be read or changed at all
// gives one error, not one per value.
func checkDevice(d Device, limits []float64, clocks []int) []error {
	in := d.Info()
	p, err := d.Power()
	switch {
	case err != nil && len(limits) > 0:
		return []error{fmt.Errorf("%s: reading its power limit: %w", in, err)}
	case err == nil:
		// Setting the limit it has changes nothing, and needs the same
		// privilege as locking clocks: the cheapest test of both.
		err = d.SetPowerLimit(p.LimitW)
		switch {
		case errors.Is(err, ErrPermission):
			return []error{fmt.Errorf("%s: changing its settings needs root: %s (%w)", in, FixPermission, err)}
		case errors.Is(err, ErrNotSupported) && len(limits) == 0:
			// A clock sweep may still work; its first point will tell.
		case err != nil:
			return []error{fmt.Errorf("%s: setting its power limit: %w", in, err)}
		}
	}
	var errs []error
	for _, w := range limits {
		if w < p.MinW || w > p.MaxW {
			errs = append(errs, &RangeError{GPU: in, Value: w, Min: p.MinW, Max: p.MaxW, Default: p.DefaultW})
		}
	}
	if len(clocks) == 0 {
		return errs
	}
	c, err := d.Clock()
	if err != nil {
		return append(errs, fmt.Errorf("%s: reading its clocks: %w", in, err))
	}
	for _, mhz := range clocks {
		if (c.MinMHz > 0 && mhz < c.MinMHz) || (c.MaxMHz > 0 && mhz > c.MaxMHz) {
			errs = append(errs, &RangeError{GPU: in, Clock: true, Value: float64(mhz), Min: float64(c.MinMHz), Max: float64(c.MaxMHz)})
		}
	}
	return errs
}

// A RangeError is a value a GPU cannot be set to.
type RangeError struct {
	GPU   Info
	Clock bool // a clock in MHz; else a power limit in W
	// Value was asked for; Min and Max bound the GPU's range, 0 when not
	// known; Default is the power limit's default.
	Value, Min, Max, Default float64
}

func (e *RangeError) Error() string {
	if !e.Clock {
		return fmt.Sprintf("%s: power limit %g W is outside its range, %g to %g W (default %g W)", e.GPU, e.Value, e.Min, e.Max, e.Default)
	}
	if e.Min > 0 {
		return fmt.Sprintf("%s: clock %g MHz is outside its range, %g to %g MHz", e.GPU, e.Value, e.Min, e.Max)
	}
	return fmt.Sprintf("%s: clock %g MHz is above its maximum, %g MHz", e.GPU, e.Value, e.Max)
}
