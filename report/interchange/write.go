package interchange

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
)

// File names in the run directory. A single-model run gets the plain
// names (benchmark_report.json is optimum-benchmark's default name, the
// one AIEnergyScore looks for); with several models each gets its own
// pair, suffixed with the model in file-safe form.
const (
	BenchmarkReportFile = "benchmark_report.json"
	VLLMBenchFile       = "vllm_bench.json"
)

// WriteAll writes the interchange files of every model into the run
// directory dir, each atomically, and returns their paths. It stops at the
// first error; files already written stay (they are complete).
func WriteAll(dir string, s *report.Summary, raw *rundir.Raw) ([]string, error) {
	if len(s.Models) == 0 {
		return nil, fmt.Errorf("the run has no measured model: nothing to write")
	}
	names, err := fileNames(s)
	if err != nil {
		return nil, err
	}
	var written []string
	for i, m := range s.Models {
		for _, f := range []struct {
			name  string
			write func(io.Writer, *report.Summary, *rundir.Raw, string) error
		}{
			{names[i][0], WriteModelBenchmarkReport},
			{names[i][1], WriteModelVLLMBench},
		} {
			var buf bytes.Buffer
			if err := f.write(&buf, s, raw, m.Model); err != nil {
				return written, fmt.Errorf("%s: %w", f.name, err)
			}
			path := filepath.Join(dir, f.name)
			if err := rundir.WriteFileAtomic(path, buf.Bytes()); err != nil {
				return written, err
			}
			written = append(written, path)
		}
	}
	return written, nil
}

// fileNames gives each model its two file names, refusing models whose
// file-safe forms collide (one would overwrite the other).
func fileNames(s *report.Summary) ([][2]string, error) {
	if len(s.Models) == 1 {
		return [][2]string{{BenchmarkReportFile, VLLMBenchFile}}, nil
	}
	out := make([][2]string, len(s.Models))
	seen := map[string]string{}
	for i, m := range s.Models {
		safe := fileSafe(m.Model)
		if prev, ok := seen[safe]; ok {
			return nil, fmt.Errorf("models %q and %q have the same file name %q; rename one (backend.models)", prev, m.Model, safe)
		}
		seen[safe] = m.Model
		out[i] = [2]string{
			strings.TrimSuffix(BenchmarkReportFile, ".json") + "_" + safe + ".json",
			strings.TrimSuffix(VLLMBenchFile, ".json") + "_" + safe + ".json",
		}
	}
	return out, nil
}

// fileSafe is report's rule for model ids in file names ("openai/gpt-oss"
// → "openai_gpt-oss"), so these files sit beside <model>_stats.csv.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}
