package interchange

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/aienergy/aienergy/analysis"
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
	// with writes from figures already made.
	with func(io.Writer, *report.Summary, *analysis.ModelResult, *rundir.Raw, *labelStats) error
}{
	{BenchmarkReportFile, WriteModelBenchmarkReport, writeBenchmarkReport},
	{OptimumReportFile, WriteModelOptimumReport, writeOptimumReport},
	{VLLMBenchFile, WriteModelVLLMBench, writeVLLMBench},
}

// WriteAll writes the interchange files into the run directory dir, each
// atomically, and returns their paths: the plain-named files of the
// canonical label, then, with several labels, every label's own. It stops
// at the first error; files already written stay (they are complete).
//
// Every label's figures are made in two passes over requests.csv, all
// labels at once; each file then takes a pass per list it writes (see
// DetailedMaxRequests), and the canonical label's own files are copies of
// the plain-named ones.
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
	all := make([]string, len(s.Models))
	for i := range s.Models {
		all[i] = s.Models[i].Model
	}
	stats, err := statsOf(raw, s.Backend.Stream, all...)
	if err != nil {
		return nil, err
	}
	var written []string
	for i, label := range labels {
		m, err := findModel(s, label)
		if err != nil {
			return written, err
		}
		for j, k := range kinds {
			name := strings.TrimSuffix(k.name, ".json") + suffixes[i] + ".json"
			path := filepath.Join(dir, name)
			// Written as it is made: with every inter-token gap of a
			// long run, a file can be hundreds of MB.
			err := rundir.WriteAtomic(path, func(w io.Writer) error {
				var err error
				if i > 0 && label == labels[0] {
					err = copyFile(w, written[j]) // the plain-named file, already written
				} else {
					err = k.with(w, s, m, raw, stats[label])
				}
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				return nil
			})
			if err != nil {
				return written, err
			}
			written = append(written, path)
		}
	}
	return written, nil
}

func copyFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
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
