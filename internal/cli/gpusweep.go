package cli

import (
	"errors"
	"strings"

	"github.com/aienergy/aienergy/config"
	"github.com/aienergy/aienergy/gpuctl"
	gpunvml "github.com/aienergy/aienergy/gpuctl/nvml"
	"github.com/aienergy/aienergy/runner"
)

// gpuPoints crosses the load points with sweep.power_limits_w and
// sweep.gpu_clocks_mhz, the GPU settings outermost: each is set once and
// every load point measured under it, since a GPU takes a moment to
// settle at a new limit and each change is a chance to fail.
func gpuPoints(cfg *config.Config, points []runner.Variant) []runner.Variant {
	if !cfg.SweepsGPU() {
		return points
	}
	limits, clocks := cfg.Sweep.PowerLimitsW, cfg.Sweep.GPUClocksMHz
	if len(limits) == 0 {
		limits = []float64{0} // left as it is
	}
	if len(clocks) == 0 {
		clocks = []int{0}
	}
	out := make([]runner.Variant, 0, len(limits)*len(clocks)*len(points))
	for _, w := range limits {
		for _, mhz := range clocks {
			for _, p := range points {
				p.PowerLimitW, p.ClockMHz = w, mhz
				out = append(out, p)
			}
		}
	}
	return out
}

// openGPUControl reaches the GPUs a power-limit or clock sweep sets and
// checks, before anything runs, that every point of p can be applied:
// the privilege to change them, and each value within each GPU's range.
// It returns nil when the plan changes no GPU setting; otherwise close
// releases the GPUs once the run is over. The built-in simulator's GPUs
// are reached at its address, so call it after startSim.
func openGPUControl(cfg *config.Config, p runner.Plan) (gpu *runner.GPUControl, close func(), err error) {
	nothing := func() {}
	if !cfg.SweepsGPU() {
		return nil, nothing, nil
	}
	c, err := gpuController(cfg, p)
	if err != nil {
		return nil, nil, cfg.Errorf("gpu_control", "%v", err)
	}
	if err := gpuctl.Check(c, gpuSettings(p.Variants)); err != nil {
		c.Close()
		return nil, nil, checkErrors(cfg, err)
	}
	return &runner.GPUControl{Controller: c}, func() { c.Close() }, nil
}

// checkGPUControl is openGPUControl for a dry run: it checks and lets go.
// The built-in simulator is not running then; its GPUs take any value
// within their range, which the run checks as it starts.
func checkGPUControl(cfg *config.Config, p runner.Plan) error {
	if cfg.GPUControlType() == "sim" && cfg.GPUControl.URL == "" {
		return nil
	}
	_, close, err := openGPUControl(cfg, p)
	if err == nil {
		close()
	}
	return err
}

// gpuController opens the controller gpu_control names.
func gpuController(cfg *config.Config, p runner.Plan) (gpuctl.Controller, error) {
	g := cfg.GPUControl
	if cfg.GPUControlType() == "sim" {
		url := g.URL
		if url == "" { // the built-in simulator, where startSim pointed the plan
			url = strings.TrimSuffix(p.Backend.BaseURL, "/v1")
		}
		return gpuctl.Sim(url, g.Devices)
	}
	return gpunvml.Open(gpunvml.DefaultLibrary, g.Devices)
}

// gpuSettings lists the settings of the plan's variants.
func gpuSettings(vs []runner.Variant) []gpuctl.Setting {
	out := make([]gpuctl.Setting, len(vs))
	for i, v := range vs {
		out[i] = gpuctl.Setting{PowerLimitW: v.PowerLimitW, ClockMHz: v.ClockMHz}
	}
	return out
}

// checkErrors places gpuctl.Check's errors at the sweep key they come
// from, with the way out for a process that lacks the privilege.
func checkErrors(cfg *config.Config, err error) error {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var keys []string
	if len(cfg.Sweep.PowerLimitsW) > 0 {
		keys = append(keys, "sweep.power_limits_w")
	}
	if len(cfg.Sweep.GPUClocksMHz) > 0 {
		keys = append(keys, "sweep.gpu_clocks_mhz")
	}
	for i, e := range errs {
		key := keys[0]
		if re := (*gpuctl.RangeError)(nil); errors.As(e, &re) && re.Clock {
			key = "sweep.gpu_clocks_mhz"
		}
		msg := e.Error()
		if errors.Is(e, gpuctl.ErrPermission) {
			msg += "; or leave out " + strings.Join(keys, " and ")
		}
		errs[i] = cfg.Errorf(key, "%s", msg)
	}
	return errors.Join(errs...)
}
