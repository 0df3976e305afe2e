// Package promquery reads power and energy from a Prometheus server with
// PromQL over its HTTP API: for clusters where dcgm-exporter, Kepler,
// Scaphandre or node_exporter are already scraped, so aienergy need not
// reach every node itself. It registers the meter kind "prometheus".
//
//	meters:
//	  cluster-gpu:
//	    type: prometheus
//	    url: http://prometheus:9090         # base URL; user:password@ for basic auth
//	    preset: dcgm                        # dcgm (default) | kepler | scaphandre | node_rapl | custom
//	    selector: 'Hostname="node1"'        # matchers added to every query: node, GPU, pod
//	    timeout: 5s                         # per live read; window queries get at least 30s
//	    headers: {X-Scope-OrgID: team-a}    # extra request headers (Mimir, Cortex, Thanos)
//	    bearer_token_env: PROM_TOKEN        # Authorization: Bearer $PROM_TOKEN
//	    margin: 5m                          # how far beyond a window to look for samples
//	    step: 1s                            # grid for expressions (not bare selectors)
//	    queries:                            # extra queries (all of them with preset: custom)
//	      - query: DCGM_FI_DEV_POWER_USAGE_INSTANT
//	        kind: power                     # power | energy
//	        unit: W                         # W mW uW kW | J mJ uJ kJ Wh kWh
//	        component: gpu                  # gpu | cpu | dram | wall | other
//	        channel_label: gpu              # channel = channel_prefix + this label's value
//	        channel_prefix: gpu-instant     # defaults to the label's name: gpu → "gpu0"
//	        channel: ""                     # or one fixed channel name
//	        sum: false                      # add up series that land on one channel
//
// # Queries and the selector
//
// A query is either a bare series selector (`metric` or `metric{…}`) or any
// PromQL expression. The selector is a list of label matchers as PromQL
// writes them inside braces (`Hostname="node1",gpu=~"0|1"`); it is added
// to every bare selector, and an expression must say where it goes by
// writing `$selector` inside its own braces, for example
// `sum by (gpu) (DCGM_FI_DEV_POWER_USAGE{$selector})`. Without a selector,
// every series a query returns must name a distinct channel: two nodes'
// "gpu0" is an error asking for a selector, never a silent mix.
//
// # Presets
//
//   - dcgm (dcgm-exporter): DCGM_FI_DEV_POWER_USAGE, a gauge in W, and
//     DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION, a counter in mJ since the driver
//     loaded; channel "gpu" + the gpu label.
//   - kepler: 0.10 and later, kepler_node_cpu_joules_total and
//     kepler_node_cpu_watts with zone="package" (cpu, "kepler-package") and
//     zone="dram" (dram, "kepler-dram"); 0.7 and earlier,
//     kepler_node_{package,dram,gpu}_joules_total per package label, dynamic
//     and idle modes added, and kepler_node_platform_joules_total as a wall
//     figure ("kepler-platform"). Core, uncore and psys are left out: parts
//     of package or overlapping it, they would count energy twice.
//   - scaphandre: scaph_socket_power_microwatts per socket_id (cpu,
//     "cpu-package-N") and scaph_domain_power_microwatts with
//     domain_name="dram" (dram, "dram-N"), gauges in µW, integrated over a
//     window. Left out on purpose: scaph_host_power_microwatts (package +
//     dram again, or the psys domain, which overlaps both) and the energy
//     counters, which are raw RAPL values: they wrap at
//     max_energy_range_uj, and scaph_host_energy_microjoules is a sum of
//     several such counters, whose wrap a counter-reset rule turns into a
//     huge false increase. Add either with queries: where you want it.
//   - node_rapl (node_exporter's rapl collector): node_rapl_package_joules_total
//     and node_rapl_dram_joules_total by index ("cpu-package-N", "dram-N"),
//     or node_rapl_joules_total with rapl_zone when node_exporter runs with
//     --collector.rapl.enable-zone-label; the intel-rapl-mmio duplicate of
//     the package counter is left out. These counters are the raw RAPL
//     values and wrap: a wrap reads as a counter reset (see below).
//
// # Live reads lag by a scrape interval
//
// Read runs one instant query (/api/v1/query) per configured query, all at
// once, and returns one Reading per channel. What it returns is the value
// of the last scrape, which is up to one scrape interval (plus the
// exporter's own update interval) old when the sampler stamps it; series
// gone for longer than Prometheus' lookback delta (5 min) are missing.
// Fine for watching; for a run's energy the runner reads the samples back
// with ReadWindow, and EnergyOverWindow computes it at analysis time, both
// from the samples' own timestamps.
//
// # Energy over a window
//
// EnergyOverWindow fetches the raw samples around [from, to] (a range
// selector, `metric[range]`, evaluated at to + margin) and computes each
// channel's energy itself: for a counter, the increase with resets handled
// the way Prometheus' increase() does (a drop means the counter restarted
// at zero, so the energy between the last sample before the drop and the
// restart is lost, and reported) and the counter interpolated linearly at
// the window's edges between the samples around each edge; for a gauge,
// the trapezoidal integral over the samples' real timestamps with power
// interpolated at the edges. A channel with both uses its counter. Beyond
// the first or last sample the figure is extended by at most three median
// sample spacings and then stops: the result says how much of the window
// it covers, and never scales up. Expressions (not bare selectors) cannot
// take a range selector; they go through /api/v1/query_range on a grid of
// `step`, and their edges are then only as exact as the scrape interval.
//
// # Raw samples for the runner
//
// ReadWindow (meter.WindowReader) returns the samples of [from, to] as
// readings on their scrape timestamps, which the runner records after a
// run in place of the lagging live reads. It fetches what
// EnergyOverWindow does, without the margin: one reading per sample and
// channel, scaled and summed as Read does it, power and energy of one
// scrape in one reading; counter resets are left for the analysis.
// Expressions give query_range points on the step grid instead, each the
// last sample at or before it.
//
// Sample timestamps are the Prometheus server's clock at scrape time, and
// the window is aienergy's clock: keep both NTP-synchronised. Call
// EnergyOverWindow at least one scrape interval after `to`, or the last
// edge is extrapolated from the samples before it (and says so in
// Coverage).
//
// # Errors
//
// An unreachable server, a wrong URL (no API there), wrong credentials
// (401/403) and a query Prometheus rejects each get their own message.
// When no query finds a series at all, Read asks Prometheus which of the
// preset's metrics exist: none anywhere wraps meter.ErrUnavailable (the
// exporter is not scraped by this Prometheus); some, but not under the
// selector, is a configuration error that shows a series to match.
package promquery
