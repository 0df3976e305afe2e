package interchange

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// The readers of benchmark_report.json and optimum_benchmark_report.json,
// written down from their source as the checks they make. Each rule names
// the file and lines it comes from:
//
//	OB  huggingface/optimum-benchmark b263af46 (v0.6.0-9)
//	AES huggingface/AIEnergyScore a5b9a048 (HEAD, 2025-12-02), and
//	    a241f217 for summarize_gpu_wh.py as upstream last had it
//	    (HEAD's copy calls an undefined PHASES unless the report has
//	    energy.gpu_energy_wh, lines 25-34: benchmark_report.json has it)

// measurementFields are TargetMeasurements' fields (OB
// benchmark/report.py lines 17-23); each object is built with **dict
// (lines 25-35, 104-109), so a key not among a class's fields is a
// TypeError, and a missing one too.
var measurementFields = map[string][]string{
	"memory":     nil,                                                                                         // never written: not measured
	"latency":    {"unit", "values", "count", "total", "mean", "p50", "p90", "p95", "p99", "stdev", "stdev_"}, // trackers/latency.py lines 22-36
	"throughput": {"unit", "value"},                                                                           // latency.py lines 123-127
	"energy":     {"unit", "cpu", "ram", "gpu", "total"},                                                      // trackers/energy.py lines 31-38
	"efficiency": {"unit", "value"},                                                                           // energy.py lines 106-110
}

// units are the Literal types of the units (latency.py lines 18-19,
// energy.py lines 27-28).
var units = map[string][]string{
	"latency":    {"s"},
	"throughput": {"samples/s", "tokens/s", "images/s", "steps/s"},
	"energy":     {"kWh"},
	"efficiency": {"samples/kWh", "tokens/kWh", "images/kWh"},
}

// optimumLoad is BenchmarkReport.from_json followed by log(): every
// top-level key is a target (report.py lines 100-102, 104-109) holding an
// object of measurements or null; every field of a measurement the
// to_plain_text methods format with f, .6f or .2f must be a number, not
// null (energy.py lines 79-85 and 129-132, latency.py lines 86-97 and
// 147-150: "{cpu:f}".format(cpu=None) raises TypeError).
func optimumLoad(report map[string]any) error {
	for target, v := range report {
		if v == nil {
			continue
		}
		meas, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("target %s: %T, not an object", target, v)
		}
		for name, m := range meas {
			fields, known := measurementFields[name]
			if !known {
				return fmt.Errorf("target %s: TargetMeasurements() got an unexpected keyword argument %q", target, name)
			}
			if m == nil {
				continue
			}
			obj, ok := m.(map[string]any)
			if !ok {
				return fmt.Errorf("%s.%s: %T, not an object", target, name, m)
			}
			keys := make([]string, 0, len(obj))
			for k := range obj {
				keys = append(keys, k)
			}
			if !slices.Equal(sorted(keys), sorted(fields)) {
				return fmt.Errorf("%s.%s: keys %v, the class has %v", target, name, sorted(keys), fields)
			}
			for _, f := range fields {
				switch f {
				case "unit":
					if !slices.Contains(units[name], fmt.Sprint(obj[f])) {
						return fmt.Errorf("%s.%s.unit %v: not one of %v", target, name, obj[f], units[name])
					}
				case "values":
					if _, ok := obj[f].([]any); !ok {
						return fmt.Errorf("%s.%s.values: %T, not a list", target, name, obj[f])
					}
				default:
					if _, ok := obj[f].(float64); !ok {
						return fmt.Errorf("%s.%s.%s = %v: the report's text formats it as a number", target, name, f, obj[f])
					}
				}
			}
		}
	}
	return nil
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// toWh is AES summarize_gpu_wh.py to_wh (lines 6-12): the unit decides,
// anything unknown is taken as kWh.
func toWh(v float64, unit any) float64 {
	switch unit {
	case "Wh", "wh":
		return v
	case "J", "j", "joule", "joules":
		return v / 3600
	}
	return v * 1000
}

// summarizeUpstream is AES a241f217 summarize_gpu_wh.py main (lines
// 14-28, 46-54): energy.gpu of every top-level object, in Wh, the
// positive ones added.
func summarizeUpstream(report map[string]any) float64 {
	total := 0.0
	for _, node := range report {
		n, _ := node.(map[string]any)
		e, _ := n["energy"].(map[string]any)
		gpu, ok := e["gpu"].(float64)
		if !ok {
			continue
		}
		unit, ok := e["unit"]
		if !ok {
			unit = "kWh"
		}
		if wh := toWh(gpu, unit); wh > 0 {
			total += wh
		}
	}
	return total
}

// summarizeHead is AES HEAD summarize_gpu_wh.py for the format it can
// read (detect_format, lines 25-29; extract_ai_energy_benchmarks_format,
// lines 36-48): energy.gpu_energy_wh. Without it HEAD's script fails.
func summarizeHead(report map[string]any) (float64, error) {
	e, _ := report["energy"].(map[string]any)
	wh, ok := e["gpu_energy_wh"].(float64)
	if !ok {
		return 0, errors.New("NameError: name 'PHASES' is not defined")
	}
	return wh, nil
}

// findReport is AES summarize_gpu_wh.py find_report (a241f217 lines
// 30-39, HEAD lines 56-65) given a run directory: its
// benchmark_report.json, else the newest one below it.
func findReport(dir string) (string, error) {
	p := filepath.Join(dir, "benchmark_report.json")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	var found string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "benchmark_report.json" {
			found = path
		}
		return nil
	})
	if found == "" {
		return "", errors.New("FileNotFoundError: benchmark_report.json not found")
	}
	return found, nil
}

// aggregatorRow is AES results_aggregator.py add_result (lines 77-145) on
// benchmark_report.json as batch_runner.py hands it over (lines 208-215):
// summary.* and energy.* read with get(key, 0), written with :.2f and
// :.4f (a null raises TypeError), and its derived figures.
func aggregatorRow(report map[string]any) (map[string]float64, error) {
	row := map[string]float64{}
	section := func(name string) map[string]any {
		m, _ := report[name].(map[string]any)
		return m
	}
	get := func(sec map[string]any, key string) (float64, error) {
		v, ok := sec[key]
		if !ok {
			return 0, nil // get(key, 0): silently 0
		}
		f, ok := v.(float64)
		if !ok {
			return 0, fmt.Errorf("%s = %v: unsupported format string passed to %T.__format__", key, v, v)
		}
		return f, nil
	}
	for _, k := range []struct{ sec, key string }{
		{"summary", "total_prompts"}, {"summary", "successful_prompts"}, {"summary", "failed_prompts"},
		{"summary", "total_duration_seconds"}, {"summary", "avg_latency_seconds"}, {"summary", "avg_time_to_first_token"},
		{"summary", "total_tokens"}, {"summary", "total_prompt_tokens"}, {"summary", "total_completion_tokens"},
		{"summary", "throughput_tokens_per_second"}, {"energy", "gpu_energy_wh"}, {"energy", "emissions_g_co2eq"},
	} {
		v, err := get(section(k.sec), k.key)
		if err != nil {
			return nil, err
		}
		row[k.key] = v
	}
	if wh, n := row["gpu_energy_wh"], row["successful_prompts"]; wh > 0 && n > 0 {
		row["wh_per_1000_queries"] = wh / n * 1000
		if tok := row["total_tokens"]; tok > 0 {
			row["tokens_per_joule"] = tok / (wh * 3600)
		}
	}
	return row, nil
}

func requireFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// collect holds raw's requests in memory, as a slice raw then reads:
// tests change records in place.
func collect(t *testing.T, raw *rundir.Raw) []trace.Request {
	t.Helper()
	reqs, err := trace.Collect(raw.Requests)
	if err != nil {
		t.Fatal(err)
	}
	raw.Requests = trace.Slice(reqs)
	return reqs
}
