package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/aienergy/aienergy/config"
	"github.com/aienergy/aienergy/report"
	reporthtml "github.com/aienergy/aienergy/report/html"
	"github.com/aienergy/aienergy/report/interchange"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/sink"
)

func isSink(kind string) bool { return slices.Contains(sink.Kinds, kind) }

// checkSinks builds every configured sink once before the run, so that a
// typo or an unset secret variable stops the run before it starts rather
// than after an hour of measuring.
func checkSinks(cfg *config.Config) error {
	for i, r := range cfg.Reporters {
		if !isSink(r.Type) {
			continue
		}
		if _, err := sink.New(r.Type, r.SinkOptions()); err != nil {
			key := "reporter"
			if len(cfg.Reporters) > 1 {
				key = fmt.Sprintf("reporter[%d]", i)
			}
			return cfg.Errorf(key, "%v", err)
		}
	}
	return nil
}

// finish computes a finished run's figures from its directory, writes
// report.html, prints the summary table, and sends the results to every
// configured reporter. A reporter that fails says why and never touches
// the run directory. cfg, when the run was just made from it, gives the
// sinks' options with their secrets, which run.json holds redacted; nil
// resends with run.json's. The summary is nil when it could not be made.
func finish(ctx context.Context, w io.Writer, dir string, cfg *config.Config) (*report.Summary, error) {
	if err := fetchGridIntensity(ctx, w, dir); err != nil {
		return nil, err
	}
	res, raw, err := report.GenerateRaw(dir)
	if err != nil {
		return nil, err
	}
	errs := []error{writeExtras(dir, res, raw)}
	fmt.Fprintln(w)
	report.PrintTable(w, res)
	errs = append(errs, report.Publish(dir, res), publishSinks(ctx, w, dir, cfg, res, raw))
	return res, errors.Join(errs...)
}

func publishSinks(ctx context.Context, w io.Writer, dir string, cfg *config.Config, res *report.Summary, raw *rundir.Raw) error {
	var errs []error
	for i, r := range raw.Meta.Reporters {
		if !isSink(r.Type) {
			continue
		}
		opts := r.Options
		if cfg != nil && i < len(cfg.Reporters) && cfg.Reporters[i].Type == r.Type {
			opts = cfg.Reporters[i].SinkOptions()
		}
		s, err := sink.New(r.Type, opts)
		if err == nil {
			err = s.Send(context.WithoutCancel(ctx), dir, res, raw)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("reporter %s: %w (the run directory is intact; resend later with aienergy report DIR --publish)", r.Type, err))
			continue
		}
		fmt.Fprintf(w, "sent the results to %s\n", s.Name())
	}
	return errors.Join(errs...)
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
