package sink

import (
	"context"

	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
)

func init() {
	Register("json", func(opts map[string]any) (Opener, error) {
		path, err := outputFile("json", opts)
		if err != nil || path == "" {
			return nil, err
		}
		return func(context.Context) (Sink, error) { return jsonFile{path}, nil }, nil
	})
}

// jsonFile writes the run's summary.json to a file outside the run
// directory, replacing what was there. Without an output_file a json
// reporter sends nothing: summary.json is in the run directory already.
type jsonFile struct{ path string }

// Name implements Sink.
func (j jsonFile) Name() string { return "json " + j.path }

// Send implements Sink.
func (j jsonFile) Send(_ context.Context, _ string, s *report.Summary, _ *rundir.Raw) error {
	return report.WriteSummaryJSON(j.path, s)
}
