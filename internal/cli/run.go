package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aienergy/aienergy/config"
	"github.com/aienergy/aienergy/internal/logging"
	"github.com/aienergy/aienergy/internal/redact"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/runner"
)

func newRunCmd() *cobra.Command {
	var output string
	var dryRun bool
	var metricsAddr string
	var jsonOut bool
	var linger time.Duration
	cmd := &cobra.Command{
		Use:   "run [CONFIG] [KEY=VALUE | +KEY=VALUE | ~KEY]...",
		Short: "Benchmark a model server's energy per token (default: the built-in simulator)",
		Long: `Run a benchmark: for each model, idle before, warmup (excluded from figures),
the measured load, idle after — with every configured meter sampling on one
clock. Live progress and warnings go to stderr; the summary table per model
and the run directory to stdout (with --json, summary.json instead).

An endpoint given to the embedded default (backend.endpoint=URL) measures
that OpenAI-compatible server, not the simulator; add meters for its hardware.

With no CONFIG, runs the embedded default: the built-in simulated server,
measured through its dcgm-exporter-style /metrics, in about 30 seconds.

Overrides follow Hydra: a.b=v sets a key, +a.b=v adds a key the file does not
have, ~a.b removes one; values are YAML (load.concurrency=8, backend.models=[a,b]).

Exit status: 0 when the run completed; 1 on an error (a bad config stops
before anything runs); 3 when the run completed and its figures are written
but more measured requests failed than load.max_failure_ratio allows (default
0.1); 128 + the signal's number when a signal stopped it (130 for Ctrl-C).`,
		Example: `  aienergy run
  aienergy run my.yaml backend.model=llama3.2 scenario.num_samples=50
  aienergy run backend.endpoint=http://localhost:8000/v1 backend.model=my-model
  aienergy run my.yaml --dry-run
  aienergy run --json | jq '.models[0]' 
  aienergy run --output out/demo`,
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			cfg, err := loadConfig(args)
			if err != nil {
				return err
			}
			showNotes(cmd.ErrOrStderr(), cfg)
			// Whatever fails, its message keeps the config's secrets.
			red := redact.New(cfg.Secrets()...)
			defer func() { err = red.Error(err) }()
			plan, err := buildPlan(cmd.Context(), cfg, output, dryRun, logging.New(cmd.ErrOrStderr(), red, slog.LevelInfo))
			if err != nil {
				return err
			}
			stdout := cmd.OutOrStdout()
			if dryRun {
				if err := checkGPUControl(cfg, plan); err != nil {
					return err
				}
				printPlan(stdout, cfg, plan)
				return nil
			}
			stopSim, err := startSim(cfg, &plan)
			if err != nil {
				return err
			}
			defer stopSim()
			gpu, closeGPU, err := openGPUControl(cfg, plan)
			if err != nil {
				return err
			}
			defer closeGPU()
			plan.GPU = gpu
			// Progress and warnings on stderr, results on stdout: a
			// pipe gets the summary alone.
			stderr := cmd.ErrOrStderr()
			stopLive, err := serveLive(metricsAddr, &plan.Live, stderr)
			if err != nil {
				return err
			}
			defer stopLive()
			if metricsAddr != "" && linger > 0 {
				// After the run, before stopLive: the last values stay up
				// long enough for Prometheus to scrape them.
				defer lingerLive(cmd.Context(), stderr, linger)
			}
			progress := runner.NewProgress(stderr, isTerminal(stderr))
			plan.Log = logging.New(progress.Writer(), plan.Redact, slog.LevelInfo)
			dir, runErr := runner.Run(cmd.Context(), plan, progress)
			if dir == "" {
				return runErr
			}
			table := stdout
			if jsonOut {
				table = stderr // stdout carries summary.json alone
			}
			res, repErr := finish(cmd.Context(), table, plan.Log, dir, cfg)
			fmt.Fprintf(table, "\nrun directory: %s\n", dir)
			if jsonOut && res != nil {
				repErr = errors.Join(repErr, printSummaryJSON(stdout, dir))
			}
			if err := errors.Join(runErr, repErr); err != nil || res == nil {
				return err
			}
			if failed := res.TooManyFailures(); len(failed) > 0 {
				return tooManyFailuresError{failed}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the run directory exactly here (default: <output.dir>/<time>-<name>)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "validate the config and print the resolved plan; send no request")
	cmd.Flags().DurationVar(&linger, "metrics-linger", 0, "with --metrics-addr: keep serving the final values this long after the run (e.g. 30s, two scrape intervals), Ctrl-C ends it")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print summary.json to stdout (the table and progress go to stderr)")
	cmd.Flags().StringVar(&metricsAddr, "metrics-addr", "", "serve live Prometheus metrics of the run at this address (e.g. 127.0.0.1:9464)")
	return cmd
}

// loadConfig reads the config named by the first argument (when it is not
// an override) or the embedded default, applying the overrides.
func loadConfig(args []string) (*config.Config, error) {
	if len(args) > 0 && !isOverride(args[0]) {
		return config.Load(args[0], args[1:])
	}
	return config.Default(args)
}

// lingerLive keeps the live endpoint up for d after the run, so that a
// scraper gets the run's final values, or until ctx ends.
func lingerLive(ctx context.Context, w io.Writer, d time.Duration) {
	fmt.Fprintf(w, "serving the final live metrics for %s more (Ctrl-C ends it)\n", d)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// printSummaryJSON copies a finished run's summary.json to w, for
// scripts: `aienergy run --json | jq .models[0].energy`.
func printSummaryJSON(w io.Writer, dir string) error {
	f, err := os.Open(filepath.Join(dir, rundir.SummaryFile))
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// showNotes tells what loading the config decided that the user did not
// write, before anything runs.
func showNotes(w io.Writer, cfg *config.Config) {
	for _, n := range cfg.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

func isOverride(arg string) bool {
	return strings.Contains(arg, "=") || strings.HasPrefix(arg, "~") || strings.HasPrefix(arg, "+")
}

func printPlan(w io.Writer, cfg *config.Config, p runner.Plan) {
	fmt.Fprintf(w, "config:      %s\n", cfg.Source)
	fmt.Fprintf(w, "backend:     %s %s (api %s, stream %v)\n", cfg.Backend.Type, endpointLabel(cfg), p.Backend.API, p.Backend.Stream)
	if p.Launch != nil {
		fmt.Fprintf(w, "launch:      %s (healthy at %s)\n", strings.Join(redact.Args(p.Launch.Argv), " "), redact.URLs(p.Launch.HealthURL))
	}
	fmt.Fprintf(w, "models:      %s\n", strings.Join(p.Models, ", "))
	fmt.Fprintf(w, "prompts:     %s, %d available\n", p.Meta.Load.Dataset, len(p.Prompts))
	shape := fmt.Sprintf("%s, concurrency %d", cfg.Load.Mode, p.Concurrency)
	if p.Rate != nil {
		shape = fmt.Sprintf("rate %g req/s, %s arrivals", p.Rate.RPS, p.Rate.Arrival)
		if p.Rate.MaxConcurrency > 0 {
			shape += fmt.Sprintf(", at most %d in flight", p.Rate.MaxConcurrency)
		}
	}
	switch {
	case len(p.Variants) > 0 || p.AutoSweep != nil: // a sweep has no one load
		fmt.Fprintln(w, "load:        each point's own, below")
	case p.Duration > 0:
		fmt.Fprintf(w, "load:        %s, for %s per model\n", shape, p.Duration)
	default:
		fmt.Fprintf(w, "load:        %s, %d requests per model\n", shape, p.Requests)
	}
	if sh := p.Meta.Shard; sh != nil {
		fmt.Fprintf(w, "shard:       %d of %d (its share of the load), measured phase from %s\n", sh.Index, sh.Count, sh.StartAt.Format(time.RFC3339))
	}
	fmt.Fprintf(w, "generation:  max_tokens %d, min_tokens %d, ignore_eos %v\n", p.MaxTokens, p.MinTokens, p.IgnoreEOS)
	if len(p.Variants) > 0 {
		fmt.Fprintf(w, "variants:    %d per model, in run order:\n", len(p.Variants))
		for _, v := range p.Variants {
			fmt.Fprintf(w, "  - %s\n", variantSettings(p, v))
		}
	}
	if p.AutoSweep != nil {
		fmt.Fprintf(w, "sweep:       sequential, maximum throughput (up to concurrency %d), then %d rates in between, found by measuring\n",
			p.AutoSweep.MaxConcurrency, p.AutoSweep.RatesBetween)
	}
	fmt.Fprintf(w, "phases:      idle %s → warmup %d requests → measured → idle %s\n", p.IdleBefore, p.WarmupRequests, p.IdleAfter)
	fmt.Fprintf(w, "meters:      every %s:", p.SampleInterval)
	if len(p.Meters) == 0 {
		fmt.Fprint(w, " none (no energy figures)")
	}
	fmt.Fprintln(w)
	for _, m := range p.Meters {
		fmt.Fprintf(w, "  - %s (%s) %v\n", m.Name, m.Type, redact.Options(m.Options))
	}
	carbon := "grid intensity of " + cfg.Metrics.CountryISOCode
	if cfg.Metrics.CarbonIntensity != nil {
		carbon = fmt.Sprintf("%g gCO2eq/kWh", *cfg.Metrics.CarbonIntensity)
	}
	fmt.Fprintf(w, "carbon:      %s, PUE %g\n", carbon, cfg.Metrics.PUE)
	fmt.Fprintf(w, "run dir:     %s\n", p.Output)
	points := len(p.Models) * max(len(p.Variants), 1)
	if d := estimateDuration(p); d > 0 {
		fmt.Fprintf(w, "idle time:   %s in all (%d measured point(s) × idle before and after), plus the load\n", d, points)
	}
	fmt.Fprintln(w, "dry run: no request sent")
}

// variantSettings says how one variant runs, as the runner will run it:
// its label, then the load, requests and output length it really gets.
func variantSettings(p runner.Plan, v runner.Variant) string {
	tag := v.Tag()
	if tag == "" {
		tag = "plain"
	}
	load := fmt.Sprintf("concurrency %d", p.Concurrency)
	switch rate := cmp.Or(v.Rate, p.Rate); {
	case v.Concurrency > 0:
		load = fmt.Sprintf("concurrency %d", v.Concurrency)
	case rate != nil:
		load = fmt.Sprintf("rate %g req/s (%s)", rate.RPS, rate.Arrival)
	}
	count := fmt.Sprintf("%d requests", cmp.Or(v.Requests, p.Requests))
	if p.Duration > 0 {
		count = "for " + p.Duration.String()
	}
	maxTokens, minTokens := p.MaxTokens, p.MinTokens
	if v.MaxTokens > 0 {
		maxTokens, minTokens = v.MaxTokens, v.MinTokens
	}
	if v.Prefill {
		maxTokens, minTokens = 1, 0
	}
	return fmt.Sprintf("%s: %s, %s, max_tokens %d, min_tokens %d", tag, load, count, maxTokens, minTokens)
}

func endpointLabel(cfg *config.Config) string {
	if cfg.Backend.Type == "sim" {
		return "(built-in simulator on a loopback port)"
	}
	return redact.URLs(cfg.Backend.Endpoint)
}
