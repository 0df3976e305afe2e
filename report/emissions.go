package report

import (
	"strconv"
	"time"

	"github.com/aienergy/aienergy/analysis"
)

// emissionsHeader is CodeCarbon's emissions.csv header, in its order
// (codecarbon/output_methods/emissions_data.py, 2025): tools that read
// CodeCarbon output read ours. Units as CodeCarbon's: duration s,
// emissions kg CO2eq, emissions_rate kg/s, power W, energy kWh.
var emissionsHeader = []string{
	"timestamp", "project_name", "run_id", "experiment_id", "duration", "emissions", "emissions_rate",
	"cpu_utilization_percent", "ram_utilization_percent", "ram_used_gb",
	"cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy", "ram_energy",
	"energy_consumed", "water_consumed", "country_name", "country_iso_code", "region",
	"cloud_provider", "cloud_region", "os", "python_version", "codecarbon_version",
	"cpu_count", "cpu_model", "gpu_count", "gpu_model", "longitude", "latitude",
	"ram_total_size", "tracking_mode", "on_cloud", "pue", "wue",
}

const joulesPerKWh = 3.6e6

// emissionsTable has one row per model, over its measured phase, with
// gross energy as CodeCarbon reports it. The experiment_id column holds
// the model. Quantities aienergy does not measure are left empty rather
// than written as zeros.
func emissionsTable(s *Summary) *table {
	t := &table{header: emissionsHeader}
	for _, m := range s.Models {
		end := s.StartedAt.Add(time.Duration(m.Window.EndS * float64(time.Second)))
		gpu, cpu, ram := m.Components["gpu"], m.Components["cpu"], m.Components["dram"]
		var kg, rate *float64
		if m.GCO2eq != nil {
			v := *m.GCO2eq / 1000
			kg = &v
			if m.DurationS > 0 {
				r := v / m.DurationS
				rate = &r
			}
		}
		t.add(
			end.UTC().Format("2006-01-02T15:04:05"), projectName(s), s.RunID, m.Model,
			f64(m.DurationS), num(kg), num(rate),
			"", "", "",
			num(cpu.AvgWatts), num(gpu.AvgWatts), num(ram.AvgWatts),
			scaled(cpu.EnergyJ, 1/joulesPerKWh), scaled(gpu.EnergyJ, 1/joulesPerKWh), scaled(ram.EnergyJ, 1/joulesPerKWh),
			scaled(m.EnergyJ, 1/joulesPerKWh), "", countryName(s), s.CountryISO, "",
			"", "", s.Host.OS, "", "",
			strconv.Itoa(s.Host.CPUs), "", gpuCount(m), "", "", "",
			"", "machine", "N", f64(s.Carbon.PUE), "0",
		)
	}
	return t
}

func projectName(s *Summary) string {
	switch {
	case s.Project != "":
		return s.Project
	case s.Name != "":
		return s.Name
	}
	return "aienergy"
}

func gpuCount(m analysis.ModelResult) string {
	if c, ok := m.Components["gpu"]; ok && len(c.Channels) > 0 {
		return strconv.Itoa(len(c.Channels))
	}
	return ""
}

// countryName is the configured country's name from the intensity table,
// even when an explicit intensity replaced the table's figure.
func countryName(s *Summary) string {
	if s.CountryISO == "" {
		return ""
	}
	if c, err := analysis.LookupCarbonIntensity(s.CountryISO); err == nil {
		return c.Name
	}
	return ""
}
