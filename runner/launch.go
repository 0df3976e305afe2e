package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aienergy/aienergy/internal/redact"
	"github.com/aienergy/aienergy/launch"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// ServerLog is the file in the run directory that keeps a launched
// server's output.
const ServerLog = "server.log"

// launchServer starts the configured server, recording its start-up
// (launch to first healthy answer) as the measured phase of rundir.StartupLabel,
// and returns the function that stops it. A server that dies during the
// run is reported when the run ends.
func (r *run) launchServer(ctx context.Context) (stop func(), err error) {
	logf, err := os.Create(filepath.Join(r.plan.Output, ServerLog))
	if err != nil {
		return func() {}, err
	}
	opts := *r.plan.Launch
	opts.Log = logf
	opts.Redact = r.plan.Redact
	r.progress.setModel(rundir.StartupLabel, 0, 1)
	r.setPhase(rundir.StartupLabel, trace.PhaseMeasured, 0, opts.StartTimeout)
	srv, err := launch.Start(ctx, opts)
	if err != nil {
		logf.Close()
		return func() {}, fmt.Errorf("launching the model server (its output is in %s): %w", filepath.Join(r.plan.Output, ServerLog), err)
	}
	r.out.Phase(rundir.StartupLabel, trace.PhaseMeasured, srv.Started(), srv.Ready(), 0)
	r.meta.Server = &rundir.Server{Argv: redact.Args(opts.Argv), StartupS: srv.Ready().Sub(srv.Started()).Seconds()}
	return func() {
		if e := srv.Err(); e != nil {
			r.warnf("the model server died during the run: %v", e)
		}
		srv.Stop()
		logf.Close()
	}, nil
}
