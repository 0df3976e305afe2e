package meter

import "strings"

// A metricRule turns the series of one scraped metric into channel values.
type metricRule struct {
	metric    string
	quantity  quantity
	scale     float64 // multiplies the scraped value into W or J
	component Component

	// The channel is channelPrefix + the value of channelLabel when
	// channelLabel is set ("gpu" + "0"), otherwise channel.
	channel       string
	channelLabel  string
	channelPrefix string

	match map[string]string // every label must have this value
	sum   bool              // add up all series that land on one channel

	// skip drops series a preset knows to be duplicates; presets only.
	skip func(*promSample) bool
}

// quantity, power and energy are the shared Quantity (measure.go) under
// the names the presets were written with.
type quantity = Quantity

const (
	power  = Power
	energy = Energy
)

// A preset knows the metric names of one well-known exporter.
type preset struct {
	describe string // completes "is this …?" in the no-match error
	rules    []metricRule
}

// presets, by the name users write in `preset:`.
//
// dcgm (NVIDIA dcgm-exporter, default counters): DCGM_FI_DEV_POWER_USAGE is
// a gauge in W; DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION a counter in mJ since
// boot. Both carry gpu="0", which names the channel "gpu0". The instant-power
// field DCGM_FI_DEV_POWER_USAGE_INSTANT is not in the default counters; add
// it with metrics: when the exporter serves it.
//
// kepler: node-level figures in both of Kepler's metric generations.
//   - 0.10 and later: kepler_node_cpu_joules_total and kepler_node_cpu_watts
//     with zone="package" (→ cpu, channel "kepler-package") and zone="dram"
//     (→ dram, "kepler-dram"). Kepler sums same-named zones of all sockets
//     into one series.
//   - 0.7 and earlier: kepler_node_{package,dram,gpu}_joules_total per
//     package="<id>" label (channels "kepler-package-0", "kepler-dram-0",
//     "kepler-gpu-0") and kepler_node_platform_joules_total ("kepler-platform").
//     Each comes split into mode="dynamic" and mode="idle", which are added
//     up: together they are the device's whole energy. Kepler leaves out the
//     idle half where idle power is disabled (its default on VMs), and then
//     these channels hold only the dynamic part.
//   - platform is Kepler's whole-node figure (ACPI power meter or a Redfish
//     BMC, a model estimate on VMs): a total like a PDU, hence Wall, so it
//     is never added to the component channels.
//   - Left out on purpose: core and uncore (parts of package, would count
//     twice), psys (RAPL's platform domain, overlaps package and dram) and
//     other (Kepler's own platform − components remainder, which the
//     analysis recomputes from wall and components).
//
// node_rapl (node_exporter's rapl collector): node_rapl_package_joules_total
// and node_rapl_dram_joules_total, counters in J with index="<n>" (channels
// "cpu-package-0", "dram-0"), or the same zones as node_rapl_joules_total
// with rapl_zone="package"/"dram" when node_exporter runs with
// --collector.rapl.enable-zone-label. Left out on purpose: core and uncore
// (sub-zones of package: emitting them would count that energy twice), psys
// (overlaps package and dram), and the intel-rapl-mmio copy of the package
// counter that some Intel laptops expose next to the MSR one.
var presets = map[string]preset{
	"dcgm": {
		describe: "a dcgm-exporter",
		rules: []metricRule{
			{metric: "DCGM_FI_DEV_POWER_USAGE", quantity: power, scale: 1, component: GPU, channelLabel: "gpu", channelPrefix: "gpu"},
			{metric: "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", quantity: energy, scale: 1e-3, component: GPU, channelLabel: "gpu", channelPrefix: "gpu"},
		},
	},
	"kepler": {
		describe: "Kepler",
		rules: []metricRule{
			{metric: "kepler_node_cpu_joules_total", quantity: energy, scale: 1, component: CPU, channel: "kepler-package", match: map[string]string{"zone": "package"}},
			{metric: "kepler_node_cpu_watts", quantity: power, scale: 1, component: CPU, channel: "kepler-package", match: map[string]string{"zone": "package"}},
			{metric: "kepler_node_cpu_joules_total", quantity: energy, scale: 1, component: DRAM, channel: "kepler-dram", match: map[string]string{"zone": "dram"}},
			{metric: "kepler_node_cpu_watts", quantity: power, scale: 1, component: DRAM, channel: "kepler-dram", match: map[string]string{"zone": "dram"}},
			{metric: "kepler_node_package_joules_total", quantity: energy, scale: 1, component: CPU, channelLabel: "package", channelPrefix: "kepler-package-", sum: true},
			{metric: "kepler_node_dram_joules_total", quantity: energy, scale: 1, component: DRAM, channelLabel: "package", channelPrefix: "kepler-dram-", sum: true},
			{metric: "kepler_node_gpu_joules_total", quantity: energy, scale: 1, component: GPU, channelLabel: "package", channelPrefix: "kepler-gpu-", sum: true},
			{metric: "kepler_node_platform_joules_total", quantity: energy, scale: 1, component: Wall, channel: "kepler-platform", sum: true},
		},
	},
	"node_rapl": {
		describe: "node_exporter with its rapl collector",
		rules: []metricRule{
			{metric: "node_rapl_package_joules_total", quantity: energy, scale: 1, component: CPU, channelLabel: "index", channelPrefix: "cpu-package-", skip: raplMMIO},
			{metric: "node_rapl_dram_joules_total", quantity: energy, scale: 1, component: DRAM, channelLabel: "index", channelPrefix: "dram-", skip: raplMMIO},
			{metric: "node_rapl_joules_total", quantity: energy, scale: 1, component: CPU, channelLabel: "index", channelPrefix: "cpu-package-", match: map[string]string{"rapl_zone": "package"}, skip: raplMMIO},
			{metric: "node_rapl_joules_total", quantity: energy, scale: 1, component: DRAM, channelLabel: "index", channelPrefix: "dram-", match: map[string]string{"rapl_zone": "dram"}, skip: raplMMIO},
		},
	},
	"custom": {describe: "the exporter you meant"},
}

// raplMMIO spots the intel-rapl-mmio zone, a second view of the package
// counter through MMIO that would otherwise collide with the MSR one.
func raplMMIO(s *promSample) bool {
	path, _ := s.label("path")
	return strings.Contains(path, "intel-rapl-mmio")
}
