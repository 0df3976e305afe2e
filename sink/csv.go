package sink

import (
	"context"

	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
)

func init() {
	Register("csv", func(opts map[string]any) (Opener, error) {
		path, err := outputFile("csv", opts)
		if err != nil || path == "" {
			return nil, err
		}
		return func(context.Context) (Sink, error) { return csvFile{path}, nil }, nil
	})
}

// csvFile appends the run's results.csv rows to a file outside the run
// directory, as the ai_energy_benchmarks POC's CSV reporter did; several
// runs collect in one file. Without an output_file a csv reporter sends
// nothing: results.csv is in the run directory already.
type csvFile struct{ path string }

// Name implements Sink.
func (c csvFile) Name() string { return "csv " + c.path }

// Send implements Sink.
func (c csvFile) Send(_ context.Context, _ string, s *report.Summary, _ *rundir.Raw) error {
	return report.AppendResultsCSV(c.path, s)
}
