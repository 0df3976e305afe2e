package promquery

import (
	"sort"

	"github.com/aienergy/aienergy/meter"
)

// A query is one PromQL query and how its series become channel figures.
type query struct {
	expr      string // as configured, before the selector is added
	quantity  quantity
	scale     float64 // multiplies a value into W or J
	component meter.Component

	// The channel is channelPrefix + the value of channelLabel when
	// channelLabel is set ("gpu" + "0"), otherwise channel.
	channel       string
	channelLabel  string
	channelPrefix string

	// sum adds up the series that land on one channel: parts of one
	// device (Kepler's dynamic and idle modes). Without it such series
	// are copies of one figure (dcgm-exporter repeats a GPU per pod) and
	// must agree.
	sum bool
}

// quantity, power and energy are meter.Quantity under the names the
// presets were written with.
type quantity = meter.Quantity

const (
	power  = meter.Power
	energy = meter.Energy
)

// A preset knows the metric names of one well-known exporter; the package
// doc explains each choice. Every query is a bare selector, so the window
// function can read raw samples, and presets filter with PromQL matchers.
type preset struct {
	describe string // completes "is … scraped by this Prometheus?"
	queries  []query
}

var presets = map[string]preset{
	"dcgm": {
		describe: "dcgm-exporter",
		queries: []query{
			{expr: "DCGM_FI_DEV_POWER_USAGE", quantity: power, scale: 1, component: meter.GPU, channelLabel: "gpu", channelPrefix: "gpu"},
			{expr: "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", quantity: energy, scale: 1e-3, component: meter.GPU, channelLabel: "gpu", channelPrefix: "gpu"},
		},
	},
	"kepler": {
		describe: "Kepler",
		queries: []query{
			{expr: `kepler_node_cpu_joules_total{zone="package"}`, quantity: energy, scale: 1, component: meter.CPU, channel: "kepler-package"},
			{expr: `kepler_node_cpu_watts{zone="package"}`, quantity: power, scale: 1, component: meter.CPU, channel: "kepler-package"},
			{expr: `kepler_node_cpu_joules_total{zone="dram"}`, quantity: energy, scale: 1, component: meter.DRAM, channel: "kepler-dram"},
			{expr: `kepler_node_cpu_watts{zone="dram"}`, quantity: power, scale: 1, component: meter.DRAM, channel: "kepler-dram"},
			{expr: "kepler_node_package_joules_total", quantity: energy, scale: 1, component: meter.CPU, channelLabel: "package", channelPrefix: "kepler-package-", sum: true},
			{expr: "kepler_node_dram_joules_total", quantity: energy, scale: 1, component: meter.DRAM, channelLabel: "package", channelPrefix: "kepler-dram-", sum: true},
			{expr: "kepler_node_gpu_joules_total", quantity: energy, scale: 1, component: meter.GPU, channelLabel: "package", channelPrefix: "kepler-gpu-", sum: true},
			{expr: "kepler_node_platform_joules_total", quantity: energy, scale: 1, component: meter.Wall, channel: "kepler-platform", sum: true},
		},
	},
	"scaphandre": {
		describe: "Scaphandre",
		queries: []query{
			{expr: "scaph_socket_power_microwatts", quantity: power, scale: 1e-6, component: meter.CPU, channelLabel: "socket_id", channelPrefix: "cpu-package-"},
			{expr: `scaph_domain_power_microwatts{domain_name="dram"}`, quantity: power, scale: 1e-6, component: meter.DRAM, channelLabel: "socket_id", channelPrefix: "dram-"},
		},
	},
	"node_rapl": {
		describe: "node_exporter with its rapl collector",
		queries: []query{
			{expr: `node_rapl_package_joules_total{path!~".*intel-rapl-mmio.*"}`, quantity: energy, scale: 1, component: meter.CPU, channelLabel: "index", channelPrefix: "cpu-package-"},
			{expr: `node_rapl_dram_joules_total{path!~".*intel-rapl-mmio.*"}`, quantity: energy, scale: 1, component: meter.DRAM, channelLabel: "index", channelPrefix: "dram-"},
			{expr: `node_rapl_joules_total{rapl_zone="package",path!~".*intel-rapl-mmio.*"}`, quantity: energy, scale: 1, component: meter.CPU, channelLabel: "index", channelPrefix: "cpu-package-"},
			{expr: `node_rapl_joules_total{rapl_zone="dram",path!~".*intel-rapl-mmio.*"}`, quantity: energy, scale: 1, component: meter.DRAM, channelLabel: "index", channelPrefix: "dram-"},
		},
	},
	"custom": {describe: "the exporter you query"},
}

func presetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
