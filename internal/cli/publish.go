package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"

	"github.com/aienergy/aienergy/config"
	"github.com/aienergy/aienergy/report"
	reporthtml "github.com/aienergy/aienergy/report/html"
	"github.com/aienergy/aienergy/report/interchange"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/sink"
)

// isSink reports whether kind is a reporter type: planMeta keeps such a
// reporter's options, redacted, in run.json so that it can be resent.
func isSink(kind string) bool { return slices.Contains(sink.Kinds(), kind) }

// checkSinks checks every configured reporter's type and options against
// the sink registry before the run, so that a typo or an unset secret
// variable stops the run before it starts rather than after an hour of
// measuring. The config package cannot judge reporter types itself (it
// cannot import sink); the errors point at the config's lines all the same.
func checkSinks(cfg *config.Config) error {
	var errs []error
	for i, r := range cfg.Reporters {
		if err := sink.Check(r.Type, configOptions(r)); err != nil {
			errs = append(errs, reporterKeyErrors(cfg, cfg.ReporterKey(i), err)...)
		}
	}
	return errors.Join(errs...)
}

// configOptions are a config reporter's keys as its sink reads them.
func configOptions(r config.Reporter) map[string]any {
	opts := r.SinkOptions()
	if r.OutputFile != "" {
		opts["output_file"] = r.OutputFile
	}
	return opts
}

// reporterKeyErrors restates a reporter's option errors as config errors,
// so that they point at the option's own line like every other key:
// "my.yaml:12: reporter[1].type: unknown reporter type ...".
func reporterKeyErrors(cfg *config.Config, key string, err error) []error {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for i, e := range errs {
		var oe *sink.OptionError
		if errors.As(e, &oe) {
			errs[i] = cfg.Errorf(key+"."+oe.Key, "%v", oe.Err)
		} else {
			errs[i] = cfg.Errorf(key, "%v", e)
		}
	}
	return errs
}

// finish computes a finished run's figures from its directory, writes
// report.html, prints the summary table, and sends the results to every
// configured reporter. A reporter that fails says why and never touches
// the run directory. cfg, when the run was just made from it, gives the
// sinks' options with their secrets, which run.json holds redacted; nil
// resends with run.json's. The summary is nil when it could not be made.
func finish(ctx context.Context, w io.Writer, log *slog.Logger, dir string, cfg *config.Config) (*report.Summary, error) {
	if err := fetchGridIntensity(ctx, log, dir); err != nil {
		return nil, err
	}
	res, raw, err := report.GenerateRaw(dir)
	if err != nil {
		return nil, err
	}
	errs := []error{writeExtras(dir, res, raw)}
	fmt.Fprintln(w)
	report.PrintTable(w, res)
	errs = append(errs, report.PublishEmissions(raw.Meta.Carbon.EmissionsDir, res), publishSinks(ctx, w, dir, cfg, res, raw))
	return res, errors.Join(errs...)
}

// publishSinks sends the results to each reporter run.json lists, in
// order, going on past one that fails.
func publishSinks(ctx context.Context, w io.Writer, dir string, cfg *config.Config, res *report.Summary, raw *rundir.Raw) error {
	// Sending outlives an interrupt: the run is over, its results due.
	ctx = context.WithoutCancel(ctx)
	var errs []error
	for i, r := range raw.Meta.Reporters {
		opts := metaOptions(r)
		if cfg != nil && i < len(cfg.Reporters) && cfg.Reporters[i].Type == r.Type {
			opts = configOptions(cfg.Reporters[i])
		}
		s, err := sink.Open(ctx, r.Type, opts)
		switch {
		case err != nil:
			var oe *sink.OptionError
			if !errors.As(err, &oe) { // an option's error names the reporter
				err = fmt.Errorf("reporter %s: %w", r.Type, err)
			}
		case s == nil:
			continue // nothing to send beyond the run directory
		default:
			if err = s.Send(ctx, dir, res, raw); err != nil {
				err = fmt.Errorf("reporter %s: %w", r.Type, err)
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%w (the run directory is intact; resend later with aienergy report DIR --publish)", err))
			continue
		}
		fmt.Fprintf(w, "sent the results to %s\n", s.Name())
	}
	return errors.Join(errs...)
}

// metaOptions are a run.json reporter's keys as its sink reads them.
func metaOptions(r rundir.Reporter) map[string]any {
	opts := maps.Clone(r.Options)
	if opts == nil {
		opts = map[string]any{}
	}
	if r.OutputFile != "" {
		opts["output_file"] = r.OutputFile
	}
	return opts
}

// writeExtras writes the files that build on summary.json: report.html
// and the interchange files (optimum-benchmark / AIEnergyScore
// benchmark_report.json, vllm bench serve JSON).
func writeExtras(dir string, res *report.Summary, raw *rundir.Raw) error {
	if err := reporthtml.WriteFile(dir, res, raw); err != nil {
		return err
	}
	_, err := interchange.WriteAll(dir, res, raw)
	return err
}
