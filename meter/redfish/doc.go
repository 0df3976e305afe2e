// Package redfish reads a server's wall power from its baseboard management
// controller (iDRAC, iLO, XClarity, OpenBMC, …) over DMTF Redfish. It
// registers the meter kind "redfish".
//
//	meters:
//	  bmc:
//	    type: redfish
//	    url: https://10.0.0.5            # the BMC; /redfish/v1 is added
//	    username: monitor                 # a read-only BMC account is enough
//	    password_env: BMC_PASSWORD        # the password is read from this variable
//	    session: false                    # true: log in once, use X-Auth-Token
//	    insecure_skip_verify: false       # true: accept any TLS certificate
//	    ca_file: /etc/aienergy/bmc-ca.pem # or trust the BMC's certificate this way
//	    timeout: 5s                       # per HTTP request
//	    chassis: [1U]                     # default: one chassis, chosen as below
//	    energy: auto                      # auto | counter | power
//	    component: wall                   # wall | gpu | cpu | dram | other
//
// # Channels
//
// One channel per chassis, named "bmc-<chassis id>", component wall. A
// chassis's power supplies, CPUs and fans are parts of that one figure and
// never get channels of their own: the analysis adds up channels of one
// component, so a PSU channel next to the chassis channel would count the
// same watts twice.
//
// Without chassis: the meter reads exactly one chassis: the first, in
// collection order, that has a power reading, trying chassis that no other
// chassis contains (no Links.ContainedBy) before contained ones, and
// server-like types (RackMount, StandAlone, Blade, Sled, Enclosure, …)
// before modules, cards and components. This picks the enclosure, not each
// of its blades, and the server rather than a GPU baseboard or other part
// that a BMC lists as a chassis of its own. List
// chassis to read several (say, the nodes of a multi-node chassis whose
// shared BMC reports each one); listing a chassis together with one that
// contains it is an error, because the pair would be counted twice.
//
// # Sources
//
// For each chassis the meter looks, once at start, for:
//
//   - power: EnvironmentMetrics PowerWatts; else a Sensors member with
//     ReadingType Power and PhysicalContext Chassis; else the classic
//     Power resource's PowerControl[].PowerConsumedWatts — the first member
//     that is not scoped to a part (Lenovo lists CPU and memory subsystems
//     after the total; they are never added to it).
//   - energy: EnvironmentMetrics EnergykWh; else a Sensors member with
//     ReadingType EnergykWh, EnergyWh or EnergyJoules and PhysicalContext
//     Chassis. Readings are converted to joules (1 kWh = 3.6 MJ).
//
// With energy: auto the counter is used only when it resolves 0.1 Wh
// (360 J) or finer, judged by the decimals the BMC prints: a 500 W server
// then moves it at least every 0.72 s, as often as a BMC refreshes its
// power sensor, so the counter delta is at least as exact as integrating
// the power. Many BMCs count whole kWh (DMTF's own mockup does); such a
// counter moves once in two hours and would make every benchmark window
// read zero, so the meter integrates power instead. energy: counter uses
// any counter; energy: power never does. Readings carry the power too,
// for plots, whenever the BMC reports it.
//
// Every poll fetches only the resources chosen at start: one GET per chassis
// when EnvironmentMetrics has both figures. BMCs refresh power sensors every
// 1 to 10 s; the sampler's detected update interval shows the real rate, and
// polling faster than it only repeats values. A BMC can take over a second
// to answer; the sampler gives a read max(interval, 1s), so a slow BMC wants
// a sampling interval above its response time.
//
// # Authentication and TLS
//
// With username set, every request carries HTTP basic auth, unless session
// is true: then the meter logs in once (POST to the service root's
// Links.Sessions), sends the X-Auth-Token it gets, logs in again when the
// BMC answers 401 (sessions time out), and deletes the session on Close, so
// that runs do not exhaust the BMC's few session slots. The password comes
// only from the environment variable password_env and never appears in a
// message. BMCs ship self-signed certificates: verification is on by
// default; trust the BMC with ca_file (PEM), or accept any certificate with
// insecure_skip_verify: true.
//
// # Errors
//
// A BMC that answers but reports no power for any chassis is "unavailable
// here" (meter.ErrUnavailable). Unreachable hosts, refused or timed-out
// connections, certificate problems (with the option that fixes each),
// rejected credentials (401, naming the user and the variable), missing
// privileges (403), missing resources (404) and JSON of an unexpected shape
// are errors that say which URL and what to check.
package redfish
