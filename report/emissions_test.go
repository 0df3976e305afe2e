package report

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// CodeCarbon 3.3's emissions.csv, as mlco2/codecarbon tag 3.3.0 (commit
// 4dde6e30) writes it.
//
// Columns, in order, and their types: the EmissionsData dataclass
// (codecarbon/output_methods/emissions_data.py lines 12-49), whose field
// order FileOutput.out keeps (output_methods/file.py lines 100-103).
var codecarbonColumns = []struct{ name, typ string }{
	{"timestamp", "str"}, {"project_name", "str"}, {"run_id", "str"}, {"experiment_id", "str"},
	{"duration", "float"}, {"emissions", "float"}, {"emissions_rate", "float"},
	{"cpu_power", "float"}, {"gpu_power", "float"}, {"ram_power", "float"},
	{"cpu_energy", "float"}, {"gpu_energy", "float"}, {"ram_energy", "float"},
	{"energy_consumed", "float"}, {"water_consumed", "float"},
	{"country_name", "str"}, {"country_iso_code", "str"}, {"region", "str"},
	{"cloud_provider", "str"}, {"cloud_region", "str"}, {"os", "str"},
	{"python_version", "str"}, {"codecarbon_version", "str"},
	{"cpu_count", "float"}, {"cpu_model", "str"}, {"gpu_count", "float"}, {"gpu_model", "str"},
	{"longitude", "float"}, {"latitude", "float"}, {"ram_total_size", "float"}, {"tracking_mode", "str"},
	{"cpu_utilization_percent", "float"}, {"gpu_utilization_percent", "float"},
	{"ram_utilization_percent", "float"}, {"ram_used_gb", "float"},
	{"on_cloud", "str"}, {"pue", "float"}, {"wue", "float"},
}

// codecarbon284 is the header of CodeCarbon v2.8.4 (the same file at that
// tag): no water_consumed, utilisation or wue columns.
var codecarbon284 = "timestamp,project_name,run_id,experiment_id,duration,emissions,emissions_rate,cpu_power,gpu_power,ram_power," +
	"cpu_energy,gpu_energy,ram_energy,energy_consumed,country_name,country_iso_code,region,cloud_provider,cloud_region,os," +
	"python_version,codecarbon_version,cpu_count,cpu_model,gpu_count,gpu_model,longitude,latitude,ram_total_size," +
	"tracking_mode,on_cloud,pue"

func codecarbonHeader() []string {
	var h []string
	for _, c := range codecarbonColumns {
		h = append(h, c.name)
	}
	return h
}

// checkCodeCarbonRow reads a row the way pandas and CodeCarbon would: a
// float column holds a number or is empty (NaN; aienergy leaves what it
// does not measure empty); the figures CodeCarbon always computes are
// there; timestamp is strftime("%Y-%m-%dT%H:%M:%S")
// (emissions_tracker.py line 1047); on_cloud is "N" or "Y", tracking_mode
// "machine" or "process" (lines 993, 1025, 600).
func checkCodeCarbonRow(t *testing.T, header, row []string) map[string]float64 {
	t.Helper()
	always := []string{"duration", "emissions", "emissions_rate", "energy_consumed", "water_consumed", "cpu_count", "pue", "wue"}
	nums := map[string]float64{}
	for i, c := range codecarbonColumns {
		v := row[slices.Index(header, c.name)]
		if c.typ == "float" {
			if v == "" {
				if slices.Contains(always, c.name) {
					t.Errorf("%s is empty; CodeCarbon always writes it", c.name)
				}
				continue
			}
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				t.Errorf("%s (column %d) = %q: not a float", c.name, i, v)
			}
			nums[c.name] = f
		}
	}
	get := func(name string) string { return row[slices.Index(header, name)] }
	if _, err := time.Parse("2006-01-02T15:04:05", get("timestamp")); err != nil {
		t.Errorf("timestamp %q: %v", get("timestamp"), err)
	}
	if on := get("on_cloud"); on != "N" && on != "Y" {
		t.Errorf("on_cloud = %q", on)
	}
	if m := get("tracking_mode"); m != "machine" && m != "process" {
		t.Errorf("tracking_mode = %q", m)
	}
	return nums
}

// run-constant: 1500 J measured (GPU only), PUE 1.5, 400 g/kWh, 10 s.
// CodeCarbon multiplies every measured energy by the PUE
// (emissions_tracker.py line 1178), adds the components into
// energy_consumed, computes emissions from it (lines 957-976, so
// emissions ÷ energy_consumed is the intensity in kg/kWh), emissions_rate
// = emissions / duration (line 1053) and water = wue × energy (line 1179).
func TestEmissionsCSVIsCodeCarbons(t *testing.T) {
	rows := generatedCSV(t, "run-constant", "emissions.csv")
	if !slices.Equal(rows[0], codecarbonHeader()) {
		t.Fatalf("header\n%v\nwant CodeCarbon 3.3's\n%v", rows[0], codecarbonHeader())
	}
	n := checkCodeCarbonRow(t, rows[0], rows[1])
	for name, c := range map[string]struct{ got, want float64 }{
		"energy_consumed = measured × PUE":        {n["energy_consumed"], 1500 * 1.5 / 3.6e6},
		"gpu_energy = measured × PUE":             {n["gpu_energy"], 1500 * 1.5 / 3.6e6},
		"energy_consumed = cpu + gpu + ram":       {n["energy_consumed"], n["cpu_energy"] + n["gpu_energy"] + n["ram_energy"]},
		"emissions / energy_consumed = intensity": {n["emissions"] / n["energy_consumed"], 400.0 / 1000},
		"emissions_rate = emissions / duration":   {n["emissions_rate"], n["emissions"] / n["duration"]},
		"water_consumed = wue × energy_consumed":  {n["water_consumed"], n["wue"] * n["energy_consumed"]},
		"gpu_power: the measured average, no PUE": {n["gpu_power"], 150},
		"pue": {n["pue"], 1.5},
		"gpu_count: the GPU channels without names": {n["gpu_count"], 1},
	} {
		if math.Abs(c.got-c.want) > 1e-12*math.Max(1, math.Abs(c.want)) {
			t.Errorf("%s: %v, want %v", name, c.got, c.want)
		}
	}
}

// gpu_count and gpu_model come from host.gpus, in CodeCarbon's form
// (core/resource_tracker.py lines 299-305: "<count> x <name>" per name).
func TestEmissionsGPUs(t *testing.T) {
	dir := copyRun(t, "run-constant")
	s, _, err := GenerateRaw(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		gpus         []string
		count, model string
	}{
		{nil, "1", ""}, // no names: the metered GPU channels
		{[]string{"NVIDIA H200"}, "1", "1 x NVIDIA H200"},
		{[]string{"NVIDIA H100 80GB HBM3", "NVIDIA H100 80GB HBM3", "NVIDIA H100 80GB HBM3", "NVIDIA H100 80GB HBM3"}, "4", "4 x NVIDIA H100 80GB HBM3"},
		{[]string{"NVIDIA A100", "NVIDIA L4", "NVIDIA A100"}, "3", "2 x NVIDIA A100, 1 x NVIDIA L4"},
	} {
		s.Host.GPUs = c.gpus
		tb := emissionsTable(s)
		row := tb.rows[0]
		if got := row[slices.Index(tb.header, "gpu_count")]; got != c.count {
			t.Errorf("%v: gpu_count %q, want %q", c.gpus, got, c.count)
		}
		if got := row[slices.Index(tb.header, "gpu_model")]; got != c.model {
			t.Errorf("%v: gpu_model %q, want %q", c.gpus, got, c.model)
		}
	}
}

// cpu_model and ram_total_size (GB) come from the host, as CodeCarbon
// fills them; unknown stays empty, never 0.
func TestEmissionsHost(t *testing.T) {
	dir := copyRun(t, "run-constant")
	s, _, err := GenerateRaw(dir)
	if err != nil {
		t.Fatal(err)
	}
	col := func(tb *table, name string) string { return tb.rows[0][slices.Index(tb.header, name)] }
	s.Host.CPUModel, s.Host.RAMTotalGB = "AMD EPYC 9654 96-Core Processor", 1622.5
	tb := emissionsTable(s)
	if col(tb, "cpu_model") != "AMD EPYC 9654 96-Core Processor" || col(tb, "ram_total_size") != "1622.5" {
		t.Errorf("cpu_model %q, ram_total_size %q", col(tb, "cpu_model"), col(tb, "ram_total_size"))
	}
	s.Host.CPUModel, s.Host.RAMTotalGB = "", 0
	if tb := emissionsTable(s); col(tb, "cpu_model") != "" || col(tb, "ram_total_size") != "" {
		t.Errorf("unknown host: cpu_model %q, ram_total_size %q; want empty", col(tb, "cpu_model"), col(tb, "ram_total_size"))
	}
}

// Appending to emissions.csv follows FileOutput.out (file.py lines
// 87-106): CodeCarbon's own file is appended to; one with other columns
// is backed up as core/util.py backup names it (lines 48-73) and a new
// one written; an empty file is a new one.
func TestAppendEmissions(t *testing.T) {
	dir := copyRun(t, "run-constant")
	s, _, err := GenerateRaw(dir)
	if err != nil {
		t.Fatal(err)
	}
	ours := emissionsTable(s)
	// A row as CodeCarbon 3.3 writes it (pandas to_csv).
	ccRow := "2025-11-02T10:00:00,codecarbon,9f0c,5b0fa12a-3dd7-45bb-9766-cc326314d9f1,12.5,1.2e-05,9.6e-07,42.5,0.0,10.0," +
		"0.000147,0.0,3.5e-05,0.000182,0.0,France,FRA,île-de-france,,,Linux-6.1.0-x86_64-with-glibc2.36,3.12.3,3.3.0," +
		"8,Intel(R) Xeon(R) CPU,0,,2.35,48.85,31.2,machine,12.3,0.0,40.1,12.5,N,1.0,0.0\n"

	t.Run("CodeCarbon's file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "emissions.csv")
		writeFile(t, path, strings.Join(codecarbonHeader(), ",")+"\n"+ccRow)
		for range 2 {
			if backup, err := appendEmissions(path, ours); err != nil || backup != "" {
				t.Fatalf("backup %q, err %v", backup, err)
			}
		}
		rows := readCSV(t, path)
		if len(rows) != 4 || !slices.Equal(rows[0], codecarbonHeader()) || rows[1][3] != "5b0fa12a-3dd7-45bb-9766-cc326314d9f1" {
			t.Fatalf("%d rows, header %v", len(rows), rows[0])
		}
		checkCodeCarbonRow(t, rows[0], rows[1])
		checkCodeCarbonRow(t, rows[0], rows[3])
		if !slices.Equal(rows[3], ours.rows[0]) {
			t.Errorf("appended %v, want %v", rows[3], ours.rows[0])
		}
	})

	t.Run("the same columns in another order", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "emissions.csv")
		h := slices.Clone(codecarbonHeader())
		slices.Reverse(h)
		writeFile(t, path, strings.Join(h, ",")+"\n")
		if backup, err := appendEmissions(path, ours); err != nil || backup != "" {
			t.Fatalf("backup %q, err %v", backup, err)
		}
		rows := readCSV(t, path)
		for i, name := range h {
			if want := ours.rows[0][slices.Index(ours.header, name)]; rows[1][i] != want {
				t.Errorf("%s = %q, want %q", name, rows[1][i], want)
			}
		}
	})

	t.Run("an older CodeCarbon's file", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "emissions.csv")
		for i, wantBackup := range []string{"emissions.csv.bak", "emissions.csv_0.bak", "emissions.csv_1.bak"} {
			old := codecarbon284 + "\n" + strconv.Itoa(i) + "\n"
			writeFile(t, path, old)
			backup, err := appendEmissions(path, ours)
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Base(backup) != wantBackup {
				t.Errorf("backed up to %s, want %s", backup, wantBackup)
			}
			if data, _ := os.ReadFile(backup); string(data) != old {
				t.Errorf("%s holds %q, want the old file", backup, data)
			}
			if rows := readCSV(t, path); len(rows) != 2 || !slices.Equal(rows[0], codecarbonHeader()) {
				t.Errorf("new file: %v", rows)
			}
		}
	})

	t.Run("empty or without a last newline", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "emissions.csv")
		writeFile(t, path, "")
		if _, err := appendEmissions(path, ours); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(path)
		writeFile(t, path, strings.TrimSuffix(string(data), "\n"))
		if _, err := appendEmissions(path, ours); err != nil {
			t.Fatal(err)
		}
		if rows := readCSV(t, path); len(rows) != 3 {
			t.Errorf("%d rows, want header + 2", len(rows))
		}
	})
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
