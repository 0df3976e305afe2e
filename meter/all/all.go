// Package all registers every meter kind aienergy ships. Import it for its
// side effect wherever meters are built from configuration:
//
//	import _ "github.com/aienergy/aienergy/meter/all"
//
// The exporter kind lives in package meter itself and needs no import.
package all

import (
	_ "github.com/aienergy/aienergy/meter/estimate"  // cpu-estimate, ram-estimate
	_ "github.com/aienergy/aienergy/meter/hwmon"     // amdgpu
	_ "github.com/aienergy/aienergy/meter/influx"    // powerapi (influxdb)
	_ "github.com/aienergy/aienergy/meter/nvidiasmi" // nvidia-smi
	_ "github.com/aienergy/aienergy/meter/nvml"      // nvml (cgo; a stub without)
	_ "github.com/aienergy/aienergy/meter/promquery" // prometheus
	_ "github.com/aienergy/aienergy/meter/rapl"      // rapl
	_ "github.com/aienergy/aienergy/meter/redfish"   // redfish
	_ "github.com/aienergy/aienergy/meter/snmp"      // snmp
)
