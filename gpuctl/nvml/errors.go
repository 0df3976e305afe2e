//go:build cgo

package nvml

import (
	"fmt"

	gonvml "github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/aienergy/aienergy/gpuctl"
)

// nvmlError is a failed NVML call; it wraps gpuctl.ErrPermission or
// gpuctl.ErrNotSupported when it means that.
type nvmlError struct{ ret gonvml.Return }

func (e nvmlError) Error() string { return "NVML: " + retString(e.ret) }

func (e nvmlError) Unwrap() error {
	switch e.ret {
	case gonvml.ERROR_NO_PERMISSION:
		return gpuctl.ErrPermission
	case gonvml.ERROR_NOT_SUPPORTED:
		return gpuctl.ErrNotSupported
	}
	return nil
}

// wrap is nil for SUCCESS and an nvmlError otherwise.
func wrap(ret gonvml.Return) error {
	if ret == gonvml.SUCCESS {
		return nil
	}
	return nvmlError{ret}
}

// retString names a return code. go-nvml's Error() asks the loaded
// library, and gives "" when none is loaded (go-nvml's mocks).
func retString(r gonvml.Return) string {
	if s := r.Error(); s != "" {
		return s
	}
	return fmt.Sprintf("return code %d", int32(r))
}

// initError explains why NVML did not start.
func initError(path string, ret gonvml.Return) error {
	switch ret {
	case gonvml.ERROR_LIBRARY_NOT_FOUND:
		return fmt.Errorf("NVML library not found (%s did not load): no NVIDIA driver here to set GPU power limits and clocks; on a machine without GPUs use gpu_control.type sim with the simulator", path)
	case gonvml.ERROR_DRIVER_NOT_LOADED:
		return fmt.Errorf("the NVIDIA kernel driver is not loaded (NVML: ERROR_DRIVER_NOT_LOADED): load it (modprobe nvidia) or reboot after installing the driver")
	case gonvml.ERROR_NO_PERMISSION:
		return fmt.Errorf("no permission to open the NVIDIA devices: %s (%w)", gpuctl.FixPermission, wrap(ret))
	}
	return fmt.Errorf("NVML did not initialise: %w", wrap(ret))
}
