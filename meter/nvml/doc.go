// Package nvml is the "nvml" meter: per-GPU energy and power read in
// process from NVIDIA's management library (libnvidia-ml, through
// github.com/NVIDIA/go-nvml), without spawning anything per sample.
//
//	meters:
//	  gpu:
//	    type: nvml
//	    devices: [0, "GPU-5a3c…"]   # NVML indices or UUIDs; default: every GPU
//	    power: auto                 # auto (default) | instant | average
//	    memory_power: false         # also report HBM power as gpuN-memory
//	    library: libnvidia-ml.so.1  # where to dlopen NVML from
//
// Each selected GPU is one channel, gpuN, N being the NVML index (the order
// nvidia-smi shows, by PCI bus; not CUDA's device order, which puts the
// fastest GPU first unless CUDA_DEVICE_ORDER=PCI_BUS_ID). The channels are
// component "gpu": the analysis sums them for the total, never averages.
//
// Energy comes from the board's total-energy counter
// (nvmlDeviceGetTotalEnergyConsumption, millijoules since the driver
// loaded; Volta and newer). It is the figure to trust: the analysis takes
// counter deltas. The counter advances only about every 100 ms, so a
// window shorter than a few hundred milliseconds carries up to ±one step
// of error at each edge. On older GPUs the counter is missing; the meter
// says so in Notes and the analysis integrates power instead.
//
// Power is the board's draw:
//
//   - average: nvmlDeviceGetPowerUsage, which on Ampere and newer is a
//     one-second moving average (instantaneous on older GPUs). Integrating
//     it smears each burst over the second around it.
//   - instant: the NVML_FI_DEV_POWER_INSTANT field value, where the driver
//     has it.
//   - auto: instant on the GPUs whose driver offers it, average elsewhere.
//
// memory_power adds the HBM power some GPUs report (the
// NVML_FI_DEV_POWER_AVERAGE field value with NVML_POWER_SCOPE_MEMORY, a
// one-second average; H100 has it, A100 and A40 do not) as a channel
// gpuN-memory. Memory power is already part of the board power in gpuN,
// so that channel is marked with the component "part", which the analysis
// shows but never adds to any sum.
//
// NVML is loaded with dlopen when the meter is built, so the binary runs
// on machines without a GPU: there New fails with an error wrapping
// meter.ErrUnavailable. go-nvml needs cgo; a binary built with
// CGO_ENABLED=0 still knows the kind, and says it was built without cgo.
package nvml
