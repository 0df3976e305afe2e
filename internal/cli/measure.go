package cli

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aienergy/aienergy/config"
	"github.com/aienergy/aienergy/internal/logging"
	"github.com/aienergy/aienergy/internal/redact"
	"github.com/aienergy/aienergy/meter"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/runner"
)

func newMeasureCmd() *cobra.Command {
	var output string
	var idleBefore, idleAfter time.Duration
	var metricsAddr string
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "measure [CONFIG] [KEY=VALUE]... -- COMMAND [ARGS]...",
		Short: "Measure the energy of any command (a PyTorch script, a batch job) with every meter",
		Long: `Run COMMAND with every meter sampling, with idle phases before and after it,
and write the same run directory and figures as "aienergy run".

Meters come from CONFIG's meters: list; without CONFIG, every meter that needs
no address and works on this machine (see "aienergy meters").

The command may mark phases and the work they did by printing lines such as

  aienergy: phase=resnet50 items=1000    (ends the current phase, starts resnet50)
  aienergy: items=500                    (adds work to the current phase)
  aienergy: end                          (ends the current phase)

to its standard output; figures are then per phase, with J per item. Without
markers the whole command is one phase. Its output is passed through and kept
in command.log (the run's secrets masked). Progress and warnings go to stderr,
the summary to stdout after the command's output (--json: summary.json). The
exit status is the command's.

Should aienergy be killed outright (kill -9, the OOM killer), the command and
what it started are ended too, with SIGTERM and 10 s later SIGKILL, when
aienergy leads its process group alone, as a shell's job does (Linux).`,
		Example: `  aienergy measure -- python3 cnn_comparison.py
  aienergy measure lab.yaml --output runs/cnn -- python3 cnn_comparison.py --device cpu`,
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			dash := cmd.ArgsLenAtDash()
			if dash < 0 || dash == len(args) {
				return usageError{errors.New("measure needs a command after --, e.g. aienergy measure -- python3 cnn.py")}
			}
			cfgArgs, command := args[:dash], args[dash:]
			plan, cfg, err := buildMeasurePlan(cmd, cfgArgs, command, output)
			if err != nil {
				return err
			}
			red := redact.New(cfg.Secrets()...)
			defer func() { err = red.Error(err) }()
			if cmd.Flags().Changed("idle-before") {
				plan.IdleBefore = idleBefore
			}
			if cmd.Flags().Changed("idle-after") {
				plan.IdleAfter = idleAfter
			}
			stderr := cmd.ErrOrStderr()
			stopLive, err := serveLive(metricsAddr, &plan.Live, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer stopLive()
			// Progress goes to stderr: stdout belongs to the command.
			progress := runner.NewProgress(stderr, isTerminal(stderr))
			plan.Log = logging.New(progress.Writer(), plan.Redact, slog.LevelInfo)
			// The command's output shares the terminal with the progress
			// line: each write clears it first instead of running on.
			plan.Stdout, plan.Stderr = progress.Around(plan.Stdout), progress.Around(plan.Stderr)
			release := func() {}
			if ownProcess(cmd.Context()) {
				release = guardWorkload(stderr)
			}
			dir, runErr := runner.Measure(cmd.Context(), plan, progress)
			release()
			if dir == "" {
				return runErr
			}
			// As for run: the summary on stdout, after the command's
			// own output; with --json, summary.json alone there.
			table := cmd.OutOrStdout()
			if jsonOut {
				table = stderr
			}
			res, repErr := finish(cmd.Context(), table, plan.Log, dir, cfg)
			fmt.Fprintf(table, "\nrun directory: %s\n", dir)
			if jsonOut && res != nil {
				repErr = errors.Join(repErr, printSummaryJSON(cmd.OutOrStdout(), dir))
			}
			var exit *runner.ExitError
			if errors.As(runErr, &exit) {
				return exitCodeError{exit}
			}
			return errors.Join(runErr, repErr)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the run directory exactly here (default: <output.dir>/<time>-<command>)")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print summary.json to stdout after the command's output (the table goes to stderr)")
	cmd.Flags().DurationVar(&idleBefore, "idle-before", 0, "idle phase before the command (default: the config's phases.idle_before)")
	cmd.Flags().DurationVar(&idleAfter, "idle-after", 0, "idle phase after the command (default: the config's phases.idle_after)")
	cmd.Flags().StringVar(&metricsAddr, "metrics-addr", "", "serve live Prometheus metrics of the run at this address (e.g. 127.0.0.1:9464)")
	return cmd
}

// exitCodeError makes aienergy exit with the measured command's status.
type exitCodeError struct{ *runner.ExitError }

func buildMeasurePlan(cmd *cobra.Command, cfgArgs, command []string, output string) (runner.MeasurePlan, *config.Config, error) {
	// Before the idle phases, not after them: a command that cannot run
	// would otherwise cost the user both of them first.
	if _, err := exec.LookPath(command[0]); err != nil {
		return runner.MeasurePlan{}, nil, usageError{fmt.Errorf("cannot run %s: %w", command[0], err)}
	}
	var cfg *config.Config
	var err error
	switch {
	case len(cfgArgs) > 0 && !isOverride(cfgArgs[0]):
		// A measured command needs no backend: the file may have none.
		cfg, err = config.LoadForCommand(cfgArgs[0], cfgArgs[1:])
	case len(cfgArgs) > 0:
		cfg, err = config.Default(cfgArgs)
	default:
		cfg, err = config.Default([]string{"meters=[]", "name=" + commandName(command)})
	}
	if err != nil {
		return runner.MeasurePlan{}, nil, err
	}
	if err := checkPlanKeys(cfg); err != nil {
		return runner.MeasurePlan{}, nil, err
	}
	redacted, err := cfg.Redacted()
	if err != nil {
		return runner.MeasurePlan{}, nil, err
	}
	if output == "" {
		output = runner.DefaultRunDir(cfg.Output.Dir, cfg.Name)
	}
	p := runner.Plan{
		Redact:         redact.New(cfg.Secrets()...),
		IdleBefore:     cfg.Phases.IdleBefore,
		IdleAfter:      cfg.Phases.IdleAfter,
		SampleInterval: cfg.Sampling.Interval,
		ConfigYAML:     redacted,
		Output:         output,
	}
	p.Meta = planMeta(cfg, p)
	p.Meta.Backend = rundir.Backend{Type: "command", Endpoint: strings.Join(redact.Args(command), " ")}
	p.Meta.Load = rundir.Load{Mode: "command"}
	if len(cfgArgs) > 0 {
		p.Meters = enabledMeters(cfg)
	} else {
		p.Meters = workingAutoMeters(cmd)
	}
	return runner.MeasurePlan{
		Plan: p, Command: command,
		Stdin: os.Stdin, Stdout: cmd.OutOrStdout(), Stderr: cmd.ErrOrStderr(),
	}, cfg, nil
}

func commandName(command []string) string { return filepath.Base(command[0]) }

// workingAutoMeters returns the auto-detected meters that read here.
func workingAutoMeters(cmd *cobra.Command) []meter.Spec {
	specs, _ := meterSpecs(nil)
	var ok []meter.Spec
	for _, p := range probeMeters(cmd.Context(), specs) {
		if p.err == nil {
			ok = append(ok, p.spec)
			p.meter.Close()
		}
	}
	return ok
}
