package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/aienergy/aienergy/analysis"
)

// emissionsHeader is the header CodeCarbon 3.3 writes to emissions.csv:
// the fields of its EmissionsData dataclass in declaration order
// (mlco2/codecarbon tag 3.3.0, codecarbon/output_methods/emissions_data.py
// lines 12-49), which FileOutput.out writes as they come
// (output_methods/file.py lines 100-103). Units as CodeCarbon's: duration
// s, emissions kg CO2eq, emissions_rate kg/s, power W, energy kWh, water
// L. emissions_test.go holds the rules this file follows.
var emissionsHeader = []string{
	"timestamp", "project_name", "run_id", "experiment_id", "duration", "emissions", "emissions_rate",
	"cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy", "ram_energy",
	"energy_consumed", "water_consumed", "country_name", "country_iso_code", "region",
	"cloud_provider", "cloud_region", "os", "python_version", "codecarbon_version",
	"cpu_count", "cpu_model", "gpu_count", "gpu_model", "longitude", "latitude",
	"ram_total_size", "tracking_mode", "cpu_utilization_percent", "gpu_utilization_percent",
	"ram_utilization_percent", "ram_used_gb", "on_cloud", "pue", "wue",
}

const joulesPerKWh = 3.6e6

// emissionsTable has one row per model label, over its measured phase.
// Energies include the PUE, as CodeCarbon's do (emissions_tracker.py
// line 1178 multiplies every measured energy by it), so emissions ÷
// energy_consumed is the grid intensity; powers are as measured. The
// experiment_id column holds the label. Quantities aienergy does not
// measure are left empty rather than written as zeros; wue is
// CodeCarbon's default 0, so water_consumed (wue × energy) is 0.
func emissionsTable(s *Summary) *table {
	t := &table{header: emissionsHeader}
	pue := s.Carbon.PUE
	kWh := func(j *float64) string { return scaled(j, pue/joulesPerKWh) }
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
		water := ""
		if m.EnergyJ != nil {
			water = "0"
		}
		count, model := gpus(s, m)
		t.add(
			end.UTC().Format("2006-01-02T15:04:05"), s.ProjectName(), s.RunID, m.Model,
			f64(m.DurationS), num(kg), num(rate),
			num(cpu.AvgWatts), num(gpu.AvgWatts), num(ram.AvgWatts),
			kWh(cpu.EnergyJ), kWh(gpu.EnergyJ), kWh(ram.EnergyJ),
			kWh(m.EnergyJ), water, countryName(s), s.CountryISO, "",
			"", "", s.Host.OS, "", "",
			strconv.Itoa(s.Host.CPUs), s.Host.CPUModel, count, model, "", "",
			ramTotal(s.Host.RAMTotalGB), "machine", "", "", "", "",
			"N", f64(pue), "0",
		)
	}
	return t
}

// ramTotal is ram_total_size in GB, empty when unknown.
func ramTotal(gb float64) string {
	if gb <= 0 {
		return ""
	}
	return f64(gb)
}

// ProjectName is the project the run's rows are filed under: the
// configured metrics.project_name, else the run's name.
func (s *Summary) ProjectName() string {
	switch {
	case s.Project != "":
		return s.Project
	case s.Name != "":
		return s.Name
	}
	return "aienergy"
}

// gpus gives gpu_count and gpu_model from host.gpus, the boards NVML
// named, in CodeCarbon's form "<n> x <name>" per model of board
// (core/resource_tracker.py lines 299-305; CodeCarbon joins several with
// nothing between them, this joins them with ", "). Without host.gpus the
// count is the model's metered GPU channels and the model is unknown.
func gpus(s *Summary, m analysis.ModelResult) (count, model string) {
	if len(s.Host.GPUs) == 0 {
		if c, ok := m.Components["gpu"]; ok && len(c.Channels) > 0 {
			return strconv.Itoa(len(c.Channels)), ""
		}
		return "", ""
	}
	var names []string
	n := map[string]int{}
	for _, g := range s.Host.GPUs {
		if n[g] == 0 {
			names = append(names, g)
		}
		n[g]++
	}
	var b bytes.Buffer
	for i, g := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d x %s", n[g], g)
	}
	return strconv.Itoa(len(s.Host.GPUs)), b.String()
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

// appendEmissions adds t's rows to the emissions.csv at path as
// CodeCarbon 3.3's FileOutput.out does (output_methods/file.py lines
// 87-106): a missing or empty file is written new; a file whose header
// has the same columns in any order (has_valid_headers compares them
// sorted, line 70) gets the rows appended; a file with other columns is
// renamed aside (core/util.py backup, lines 48-73) and a new one written.
// Unlike CodeCarbon, rows are appended in the file's own column order.
// backup is the old file's new name, "" when nothing was moved.
func appendEmissions(path string, t *table) (backup string, err error) {
	sameColumns := func(h []string) bool {
		return slices.Equal(slices.Sorted(slices.Values(h)), slices.Sorted(slices.Values(t.header)))
	}
	ok, err := appendRows(path, t, sameColumns)
	if ok || err != nil {
		return "", err
	}
	backup = path + ".bak"
	for i := 0; exists(backup); i++ {
		backup = fmt.Sprintf("%s_%d.bak", path, i)
	}
	if err := os.Rename(path, backup); err != nil {
		return "", err
	}
	return backup, writeFileMkdir(path, t.bytes())
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// appendRows appends t's rows to the CSV file at path, each in the order
// of the file's own header, when fits accepts that header; a missing or
// empty file gets t whole. ok is false, and nothing is written, when the
// header does not fit. fits must accept only headers whose columns are
// all t's.
func appendRows(path string, t *table, fits func(header []string) bool) (ok bool, err error) {
	existing, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist) || err == nil && len(existing) == 0:
		return true, writeFileMkdir(path, t.bytes())
	case err != nil:
		return false, err
	}
	header, err := csv.NewReader(bytes.NewReader(existing)).Read()
	if err != nil || !fits(header) {
		return false, nil
	}
	var b bytes.Buffer
	if existing[len(existing)-1] != '\n' {
		b.WriteByte('\n')
	}
	w := csv.NewWriter(&b)
	for _, row := range t.rows {
		out := make([]string, len(header))
		for i, h := range header {
			out[i] = row[slices.Index(t.header, h)]
		}
		w.Write(out)
	}
	w.Flush()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return false, err
	}
	_, werr := f.Write(b.Bytes())
	return true, errors.Join(werr, f.Close())
}
