// Package nvml controls the machine's NVIDIA GPUs for a power-cap or
// clock sweep through NVML (libnvidia-ml, via github.com/NVIDIA/go-nvml):
// nvmlDeviceSetPowerManagementLimit (nvidia-smi -pl) and
// nvmlDeviceSetGpuLockedClocks / ResetGpuLockedClocks (nvidia-smi -lgc /
// -rgc). Changing them needs root.
//
// NVML is loaded with dlopen when Open is called, so the binary runs on
// machines without a GPU; a binary built with CGO_ENABLED=0 has no NVML
// and Open says so.
package nvml

// DefaultLibrary is where NVML is loaded from unless told otherwise.
const DefaultLibrary = "libnvidia-ml.so.1"
