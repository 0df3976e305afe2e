// Package rapl reads the CPU and DRAM energy counters that Linux exposes
// through its powercap framework (/sys/class/powercap): Intel's Running
// Average Power Limit and AMD's equivalent, which the same kernel driver
// (intel_rapl_msr) serves under the same "intel-rapl" names. It registers
// the meter kind "rapl".
//
//	meters:
//	  cpu:
//	    type: rapl
//	    sysfs: /sys                # where sysfs is mounted; a copy of it in tests
//	    zones: [package, dram]     # the default; any of package, dram, core, uncore, psys
//
// Channels, one per counter:
//
//	cpu-package-N        component cpu: socket N. "cpu-package-N-die-M" where
//	                     a socket has several dies with counters of their own
//	                     (Intel Cascade Lake-AP).
//	dram-N               component dram: the memory attached to socket N.
//	                     Memory, not CPU, although its zone sits under the
//	                     package in sysfs.
//	core-N, uncore-N     component part, only when asked for: parts of
//	                     package N (core: all cores; uncore: on client parts
//	                     mostly the integrated GPU). On AMD the kernel's core
//	                     zone reads a single core's counter.
//	psys                 component part, only when asked for: the platform
//	                     domain of recent Intel laptops, which contains the
//	                     packages.
//
// core, uncore and psys overlap the package channels, so they are never
// reported as cpu (the CPU total would count them twice): their component
// is "part", which the analysis shows per channel and never adds to a sum.
//
// Readings are energy counters in joules (energy_uj / 1e6) with no power
// figure. Each counter wraps to zero at max_energy_range_uj (about 262 kJ
// for a package: an hour or less under load); Meter.MaxRanges gives those
// ranges for the analysis, which unwraps the counters.
//
// Since November 2020 (CVE-2020-8694, "Platypus") energy_uj is readable by
// root only; the error says how to open it up. Sibling counters the kernel
// exposes twice are read once:
//   - intel-rapl-mmio and intel-rapl-tpmi zones with the name of an
//     intel-rapl zone are a second interface to the same counter;
//   - on multi-die AMD parts (Threadripper, EPYC) the kernel creates one
//     package-N-die-M zone per die, and every die mirrors the one socket
//     counter. Dies whose counters read identical are one counter.
//
// CodeCarbon summed both kinds of duplicate and so doubled CPU energy.
package rapl
