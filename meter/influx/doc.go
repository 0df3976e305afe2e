// Package influx is the "powerapi" meter (alias "influxdb"): CPU power that
// PowerAPI's SmartWatts formula writes to InfluxDB, read back live and,
// more accurately, over the run window once the run is over.
//
//	meters:
//	  smartwatts:
//	    type: powerapi               # or influxdb
//	    url: http://localhost:8086
//	    version: auto                # auto (asks /ping) | 1 | 2
//	    # InfluxDB 2.x (Flux)
//	    org: powerapi
//	    bucket: power_consumption    # default power_consumption
//	    token_env: INFLUX_TOKEN      # the variable holding the token (default INFLUX_TOKEN)
//	    # InfluxDB 1.x (InfluxQL)
//	    database: powerapi
//	    retention_policy: autogen    # default: the database's default policy
//	    username: aienergy           # only where auth-enabled = true
//	    password_env: INFLUX_PASSWORD
//	    # what SmartWatts wrote
//	    measurement: power_consumption   # default power_consumption
//	    field: power                     # default power (watts)
//	    target_tag: target               # default target
//	    targets: [rapl]                  # default [rapl]; see below
//	    tags: {sensor: node-1}           # extra tag matchers, e.g. one host of several
//	    component: cpu                   # default cpu; scope=dram points are always dram
//	    timeout: 2s                      # per live read; window queries get at least 30s
//	    lookback: 30s                    # a live read takes the newest point this recent
//
// # What SmartWatts writes, and which targets to read
//
// For every tick (hwpc-sensor's period, 1 s by default) and every CPU
// socket, SmartWatts writes a point per target:
//
//   - "rapl": the package power RAPL measured — a measurement, the whole socket;
//   - "global": its model's estimate for everything that ran — the whole socket again;
//   - one target per cgroup or container: the model's share of "global".
//
// rapl ≈ global ≈ Σ per-target shares, so reading more than one of those
// groups double counts: aienergy sums the channels of a component. targets
// is therefore one of
//
//   - [rapl] (default): measured, present in every SmartWatts deployment;
//   - [global]: the model's estimate of the same thing;
//   - ["*"]: every target except rapl and global (the per-cgroup shares);
//   - a list of cgroup or container names.
//
// Mixing an aggregate with other targets is a configuration error; read
// them with two meters if both are wanted (the report then shows both, and
// a reader must not add them).
//
// Points with a "socket" tag become one channel per socket ("rapl-socket0");
// points with scope=dram (SmartWatts' DRAM formula) become dram channels
// ("rapl-socket0-dram"). Other tags (sensor, formula, and — in newer
// PowerAPI, which keeps every metadata field as a tag — ratio) do not name
// channels: series that differ only in them are one channel, merged in time
// order. Two of them with different values at the same instant (two hosts
// in one bucket) are an error that names the differing tags; pick one host
// with tags:.
//
// Newer PowerAPI releases write measurement "powerrep" with field
// "power_estimation"; set measurement and field for them (an empty answer
// says so when it sees that measurement).
//
// # Live reads and the run window
//
// SmartWatts processes a tick only after five more have arrived, so its
// points land about five seconds late. Read returns the newest point of each
// channel (at most lookback old); the sampler stamps it with the time of the
// read, so live readings trail reality by those seconds. PowerOverWindow
// returns the raw points of a window with SmartWatts' own timestamps, which
// is what energy figures should integrate, after the run, once the late
// points are in; ReadWindow (meter.WindowReader) gives the same points as
// readings, which the runner files in place of the live reads. Those timestamps come from the clock of the host that ran
// hwpc-sensor: on another host, keep the clocks in sync (NTP).
//
// Tokens and passwords are read from the environment at start-up and never
// appear in errors, logs or a printed Meter.
package influx
