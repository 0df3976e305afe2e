//go:build cgo

package nvml

import (
	"fmt"

	gonvml "github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/aienergy/aienergy/meter"
)

// Advice shared by the messages below.
const (
	fixDriver     = "install the NVIDIA driver (nvidia-smi must work in this shell); in a container, start it with the NVIDIA container toolkit (docker run --gpus all); or measure through the nvidia-smi or exporter meter"
	fixPermission = "give this user read-write access to /dev/nvidiactl and /dev/nvidia* (on most distributions: add it to the video group, then log in again) or run as root"
)

// initError explains why nvmlInit failed. The ones that mean "this machine
// cannot be measured with NVML" wrap meter.ErrUnavailable, so a run can
// skip the meter with a warning.
func initError(spec meter.Spec, o options, ret gonvml.Return) error {
	switch ret {
	case gonvml.ERROR_LIBRARY_NOT_FOUND:
		reason := "NVML library not found: no NVIDIA driver (" + o.library + " did not load)"
		if o.library != defaultLibrary {
			reason = "NVML library not found: " + o.library + " did not load"
		}
		return meter.Unavailable(spec, reason, fixDriver)
	case gonvml.ERROR_DRIVER_NOT_LOADED:
		return meter.Unavailable(spec, "the NVIDIA kernel driver is not loaded (NVML: ERROR_DRIVER_NOT_LOADED)",
			"load it (modprobe nvidia, or reboot after installing the driver); in a container, start it with --gpus all")
	case gonvml.ERROR_NO_PERMISSION:
		return meter.Unavailable(spec, "no permission to open the NVIDIA devices (NVML: ERROR_NO_PERMISSION)", fixPermission)
	case gonvml.ERROR_LIB_RM_VERSION_MISMATCH:
		return meter.Unavailable(spec, "NVML and the loaded kernel driver are different versions (the driver was upgraded without a reboot)",
			"reboot, or unload and reload the nvidia kernel modules")
	}
	return spec.Errorf("", "NVML did not initialise: %s", retString(ret))
}

// readError explains a failed read of one GPU.
func readError(b *board, what string, ret gonvml.Return) error {
	msg := fmt.Sprintf("%s (%s): reading %s: %s", b.channel, b.name, what, retString(ret))
	switch ret {
	case gonvml.ERROR_NO_PERMISSION:
		msg += "; fix: " + fixPermission
	case gonvml.ERROR_GPU_IS_LOST:
		msg += "; the GPU has fallen off the bus: look for Xid errors in dmesg"
	case gonvml.ERROR_INSUFFICIENT_POWER:
		msg += "; a power cable of the board is not connected properly"
	case gonvml.ERROR_UNINITIALIZED:
		msg += "; the meter was closed"
	}
	return fmt.Errorf("%s", msg)
}
