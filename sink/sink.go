// Package sink sends a finished run's results where people want them
// beyond the run directory: files (csv, json) and the databases and
// experiment trackers people already use — InfluxDB (1.x and 2.x line
// protocol), ClickHouse (HTTP interface) and MLflow (REST). Every kind of
// reporter is a Sink, in a file of its own that registers itself from
// init (see Register); adding one touches nothing else.
//
// A sink only reads the run directory; when it fails, the run directory
// is untouched and the error says which sink failed and why
// (unreachable, auth, schema).
package sink

import (
	"context"

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
