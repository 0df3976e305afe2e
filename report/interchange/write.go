package interchange

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
)

// File names in the run directory. The plain names describe one model
// label, the run's canonical one (Canonical): AIEnergyScore's summarizer
// and batch runner open benchmark_report.json by that name and nothing
// else. With several labels each also gets its own files, suffixed with
// the name its <model>_stats.csv starts with (report.ModelFileNames).
const (
	BenchmarkReportFile = "benchmark_report.json"
	OptimumReportFile   = "optimum_benchmark_report.json"
	VLLMBenchFile       = "vllm_bench.json"
)

var kinds = []struct {
	name  string
	write func(io.Writer, *report.Summary, *rundir.Raw, string) error
}{
	{BenchmarkReportFile, WriteModelBenchmarkReport},
	{OptimumReportFile, WriteModelOptimumReport},
	{VLLMBenchFile, WriteModelVLLMBench},
}

// WriteAll writes the interchange files into the run directory dir, each
// atomically, and returns their paths: the plain-named files of the
// canonical label, then, with several labels, every label's own. It stops
// at the first error; files already written stay (they are complete).
func WriteAll(dir string, s *report.Summary, raw *rundir.Raw) ([]string, error) {
	if len(s.Models) == 0 {
		return nil, fmt.Errorf("the run has no measured model: nothing to write")
	}
	labels, suffixes := []string{Canonical(s)}, []string{""}
	if len(s.Models) > 1 {
		for i, safe := range report.ModelFileNames(s) {
			labels, suffixes = append(labels, s.Models[i].Model), append(suffixes, "_"+safe)
		}
	}
	var written []string
	for i, label := range labels {
		for _, k := range kinds {
			name := strings.TrimSuffix(k.name, ".json") + suffixes[i] + ".json"
			// Written as it is made: with every inter-token gap of a long
			// run, a file can be hundreds of MB.
			path := filepath.Join(dir, name)
			if err := rundir.WriteAtomic(path, func(w io.Writer) error {
				if err := k.write(w, s, raw, label); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				return nil
			}); err != nil {
				return written, err
			}
			written = append(written, path)
		}
	}
	return written, nil
}

// Canonical is the model label the plain-named files describe: the first
// label of the run's main workload (report.Summary.Headline: a model's
// plain run or its first repetition, in run order) — for several models,
// the first model. When every label is a variant (a sweep, load-profile
// stages), it is the first one that is not a prefill-only run: a sweep's
// first point as configured.
func Canonical(s *report.Summary) string {
	if h, ok := s.Headline(); ok {
		return h.Models[0]
	}
	for _, m := range s.Models {
		if !report.ParseLabel(m.Model).Prefill {
			return m.Model
		}
	}
	return s.Models[0].Model
}
