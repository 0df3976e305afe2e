// Package nvidiasmi is the "nvidia-smi" meter: GPU power read from one
// long-running nvidia-smi process, for machines where NVML cannot be loaded
// in process (some containers, a binary built without cgo).
//
//	meters:
//	  gpu:
//	    type: nvidia-smi
//	    path: nvidia-smi            # the binary; default: nvidia-smi from PATH
//	    interval: 100ms             # nvidia-smi's loop (-lms); whole milliseconds
//	    devices: [0, "GPU-5a3c…"]   # indices or UUIDs; default: every GPU
//	    power: auto                 # auto (default) | instant | average
//
// The meter starts nvidia-smi once:
//
//	nvidia-smi --query-gpu=index,uuid,power.draw[,power.draw.instant]
//	           --format=csv,noheader,nounits -lms 100
//
// and a goroutine parses the lines it streams, keeping the latest per GPU;
// Read returns those. No process is spawned per sample (the seed scripts
// did, paying tens of milliseconds and a driver round trip each time). If
// nvidia-smi exits, or prints nothing for three intervals plus two seconds
// (a hung driver call) and is killed, the meter starts another, waiting
// 1 s, then 2 s, … up to 30 s while they keep failing; a Read whose latest
// line is that stale fails, quoting what nvidia-smi said.
//
// The sampler stamps a reading when Read runs; the line it carries was
// printed up to one interval earlier, so keep the interval at or below the
// sampler's.
//
// Each GPU is one channel, gpuN (nvidia-smi's index, by PCI bus), component
// "gpu"; the analysis sums them, never averages. nvidia-smi has no energy
// counter field, so the readings carry power only and the analysis
// integrates it: prefer the nvml meter wherever it loads.
//
// power chooses the figure:
//
//   - average: power.draw, which is NVML's power usage: a one-second
//     average on Ampere and newer, instantaneous on older GPUs.
//   - instant: power.draw.instant (drivers from about 535 on); an error
//     where the driver or a GPU lacks it.
//   - auto: instant where the driver lists it and the GPU answers, else
//     power.draw, with a note.
//
// At start the meter also runs nvidia-smi --help-query-gpu (to learn which
// fields this driver knows) and one query without -lms (to list the GPUs
// and report a broken driver plainly). A missing binary or a driver that
// nvidia-smi cannot talk to is an error wrapping meter.ErrUnavailable.
package nvidiasmi
