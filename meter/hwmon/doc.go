// Package hwmon reads power meters that Linux exposes through hwmon. It
// registers the meter kind "amdgpu": AMD GPUs driven by the amdgpu kernel
// driver, read from /sys/class/drm/card*/device/hwmon/hwmon*/ (the hwmon
// directory whose name file says amdgpu).
//
//	meters:
//	  amd:
//	    type: amdgpu
//	    sysfs: /sys              # where sysfs is mounted; a copy of it in tests
//	    power: auto              # auto (default) | input | average
//	    gpus: [0, "0000:0c:00.0"] # default all; an index (gpuN) or a PCI address
//
// Channels are gpu0, gpu1, … numbered in PCI address order, the order
// lspci lists them (card numbers follow driver probe order and count other
// vendors' cards too), component gpu, so the GPU total sums them.
//
// Power (in the files, microwatts) comes from power1_input, the
// instantaneous socket power that amdgpu offers on newer GPUs and APUs
// since Linux 6.6, or from power1_average, the averaged power older GPUs
// offer; most GPUs have only one of the two. power: auto takes
// power1_input where it reads, else power1_average; input or average
// insists on one. On APUs the figure is the whole SoC's, CPU included, so
// it overlaps a RAPL package channel of the same machine.
//
// Energy: amdgpu keeps a GPU energy accumulator only in its binary
// gpu_metrics table (read by amd-smi); its hwmon has no energy file. Where
// a hwmon energy1_input (microjoules, the generic hwmon ABI) is present it
// is read as the channel's counter; otherwise the analysis integrates the
// power samples.
//
// Reading a sensor wakes a GPU in runtime suspend (the driver resumes it
// to ask the SMU), so while sampled a dGPU idles awake: the idle baseline
// is the awake-idle power.
package hwmon
