// Package sink sends a finished run's results to the databases and
// experiment trackers people already use: InfluxDB (1.x and 2.x line
// protocol), ClickHouse (HTTP interface) and MLflow (REST). A sink only
// reads the run directory; when it fails, the run directory is untouched
// and the error says which sink failed and why (unreachable, auth, schema).
package sink

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
)

// Sink is one configured destination for a run's results.
type Sink interface {
	// Name is the sink's kind and target, for messages: "influxdb
	// http://db:8086 (aienergy)".
	Name() string
	// Send delivers the results of the finished run in dir: s is its
	// summary.json, raw its raw data (requests for the per-request rows).
	Send(ctx context.Context, dir string, s *report.Summary, raw *rundir.Raw) error
}

// Kinds are the reporter types this package provides.
var Kinds = []string{"influxdb", "clickhouse", "mlflow"}

// New builds the sink of the given kind from its reporter options.
func New(kind string, opts map[string]any) (Sink, error) {
	switch strings.ToLower(kind) {
	case "influxdb", "influx":
		return NewInflux(opts)
	case "clickhouse":
		return NewClickHouse(opts)
	case "mlflow":
		return NewMLflow(opts)
	}
	return nil, fmt.Errorf("unknown sink type %q (want one of %s)", kind, strings.Join(Kinds, ", "))
}

// Load reads what Send needs from a finished run directory: summary.json
// and the raw data.
func Load(dir string) (*report.Summary, *rundir.Raw, error) {
	var s report.Summary
	if err := rundir.ReadJSON(dir, rundir.SummaryFile, &s); err != nil {
		return nil, nil, fmt.Errorf("%w (run `aienergy report %s` first)", err, dir)
	}
	raw, err := rundir.Read(dir)
	if err != nil {
		return nil, nil, err
	}
	return &s, raw, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
