// Package estimate provides the meters of last resort: modelled CPU and RAM
// power for machines where nothing can be measured (no RAPL, no PDU, a VM).
// Their figures are estimates, not measurements, and say so everywhere:
// the kinds and channels are named "cpu-estimate" and "ram-estimate", every
// meter implements meter.Estimator (so run.json and the analysis label its
// figures "estimate"), Describe() states the model and its sources, and
// IsEstimate tells a caller which kinds are modelled. The models are CodeCarbon's, written out here so that a
// reader can redo every figure by hand.
//
// # CPU: cpu-estimate (component cpu, one channel "cpu-estimate")
//
//	meters:
//	  cpu:
//	    type: cpu-estimate
//	    tdp_watts: 150        # TDP of ONE package; default: looked up in cpu_tdp.csv
//	    sockets: 2            # packages; default: distinct "physical id" in cpuinfo
//	    curve: linear         # linear (default) | codecarbon
//	    min_fraction: 0.1     # share of TDP drawn at zero load (default 0.1)
//	    procfs: /proc         # where procfs is mounted (tests use a fixture tree)
//
// Utilization u is the machine-wide busy share of CPU time between two
// reads, from the "cpu" line of /proc/stat: busy = user + nice + system +
// irq + softirq, total = busy + idle + iowait + steal. guest and guest_nice
// are left out because the kernel already counts them in user and nice
// (proc(5)); steal is time the hypervisor gave to someone else, so it counts
// as not ours. The first read measures from when the meter was built.
//
// Watts = sockets × TDP × f(u), where f is
//
//	linear:     max(u, min_fraction)                       (default)
//	codecarbon: min_fraction + (1 − min_fraction) × u³
//
// "linear" is CodeCarbon's CPU._calculate_power_from_cpu_load (TDP × load,
// never below 10 % of TDP; codecarbon/external/hardware.py). "codecarbon" is
// what CodeCarbon 3.x really reports in its default machine tracking mode
// when it falls back to cpu_load (load_factor = 0.1 + 0.9 × load³ in
// CPU._get_power_from_cpu_load; mlco2/codecarbon PR #1377 documents it);
// choose it to reproduce CodeCarbon's numbers. Unlike CodeCarbon, the TDP
// is multiplied by the number of packages: a two-socket server has two.
// Real package power at idle is often 20–50 % of TDP and can exceed TDP
// under turbo; an estimate is no substitute for a meter.
//
// The TDP comes from tdp_watts or from cpu_tdp.csv, a small table of common
// server and desktop CPUs with the vendor page each figure comes from. The
// "model name" in /proc/cpuinfo is matched after normalization (case,
// "(R)", "(TM)", "CPU", "Processor", "@ 2.10GHz", "64-Core", "13th Gen" are
// dropped); there is no fuzzy matching, because a near miss would give a
// silently wrong TDP. An unknown model without tdp_watts is an error that
// says to set tdp_watts.
//
// # RAM: ram-estimate (component dram, one channel "ram-estimate")
//
//	meters:
//	  ram:
//	    type: ram-estimate
//	    watts_per_gb: 0.375   # default: 3 W per 8 GB (CodeCarbon v2, Crucial)
//	    installed_gb: 32      # default: MemTotal from /proc/meminfo, in GiB
//	    dimms: 4              # instead of W/GB: modules × watts_per_dimm
//	    watts_per_dimm: 5     # default 5 W (CodeCarbon v3, x86)
//	    procfs: /proc
//
// Watts = installed GiB × watts_per_gb, constant over the run. 0.375 W/GB is
// CodeCarbon v2's "3 watts for every 8GB of DDR3 or DDR4 memory", from
// Crucial's "How much power does memory use?"
// (https://www.crucial.com/support/articles-faq-memory/how-much-power-does-memory-use).
// MemTotal is slightly below the installed size (the kernel reserves some),
// so installed_gb corrects it. CodeCarbon v3 replaced W/GB with 5 W per
// module because power follows modules, not capacity (a 1 TB server is not
// 384 W of DRAM); when the module count is known (sudo lshw -C memory
// -short), set dimms: and the estimate is dimms × watts_per_dimm.
// CodeCarbon v3 guesses the module count from the size; this package does
// not guess.
package estimate
