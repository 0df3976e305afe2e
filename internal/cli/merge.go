package cli

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aienergy/aienergy/internal/logging"
	"github.com/aienergy/aienergy/merge"
)

func newMergeCmd() *cobra.Command {
	var output string
	var powerFrom int
	var tolerance time.Duration
	cmd := &cobra.Command{
		Use:   "merge SHARD_DIR... --output DIR",
		Short: "Combine the run directories of load shards into one run",
		Long: `Combine the run directories of the shards of one load — several load
generators, each sending its share of one schedule (load.shard, e.g. the pods
of deploy/k8s/shards) — into one run directory that aienergy report analyses
like any other.

Every shard is put on one clock: its started_at less the merged run's
(wall_offset_s in run.json). Where the shards read an energy counter in common
— the cluster's Prometheus or DCGM exporter — that counter is a clock they all
saw: each shard's clock is measured against the clock of the shard whose copy
of it is kept (clock_check_s, with its uncertainty), and a skew at least twice
its uncertainty is corrected (clock_correction_s; offset_s = wall_offset_s +
clock_correction_s), for the requests, the phases and the power alike. A
coarser check is recorded, not applied, and warned about when the clocks may
disagree by more than 50 ms; a skew beyond --phase-tolerance is warned about
too, since the shard then started its load that much early or late.

Requests are concatenated (their ids are the whole schedule's, unique across
shards), a measured phase spans from the earliest shard's start to the latest
one's end and an idle phase only the time every shard was idle. A meter that
several shards read is kept from one shard (--power-from, else the lowest
index that has it), never summed; a meter only one shard had is kept.

Shards of different runs (models, phases, load, shard count or start time), a
missing shard or a damaged one stop the merge; misaligned phases and clocks
are warned about, on stderr and in run.json's merge.warnings.`,
		Example: `  aienergy merge runs/bench/shard-0 runs/bench/shard-1 runs/bench/shard-2 --output runs/bench/merged
  aienergy report runs/bench/merged`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output == "" {
				return usageError{errors.New("merge needs --output DIR, a new run directory for the merged run")}
			}
			log := logging.New(cmd.ErrOrStderr(), nil, slog.LevelInfo)
			meta, err := merge.Merge(args, output, merge.Options{
				PowerFrom: powerFrom, PhaseTolerance: tolerance,
				Warn: func(w string) { log.Warn(w) },
			})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			requests := 0
			var offsets []string
			for _, s := range meta.Merge.Shards {
				requests += s.Requests
				o := fmt.Sprintf("shard %d %+.3f s", s.Index, s.OffsetS)
				switch {
				case s.ClockCheckS == nil:
				case s.ClockCorrectionS != 0:
					o += fmt.Sprintf(" (wall clock %+.3f s, corrected by %+.3f ± %.3f s)", s.WallOffsetS, s.ClockCorrectionS, *s.ClockCheckUncertaintyS)
				default:
					o += fmt.Sprintf(" (clock check %+.3f ± %.3f s, not corrected)", *s.ClockCheckS, *s.ClockCheckUncertaintyS)
				}
				offsets = append(offsets, o)
			}
			fmt.Fprintf(out, "merged %d shards, %d requests, into %s\n", len(meta.Merge.Shards), requests, output)
			fmt.Fprintf(out, "clock offsets: %s\n", strings.Join(offsets, ", "))
			fmt.Fprintf(out, "figures: aienergy report %s\n", output)
			return nil
		},
	}
	cmd.Flags().StringVar(&output, "output", "", "the merged run directory (new or empty)")
	cmd.Flags().IntVar(&powerFrom, "power-from", -1, "the shard index whose copy of a meter that several shards read is kept (default: the lowest index that has it)")
	cmd.Flags().DurationVar(&tolerance, "phase-tolerance", merge.DefaultPhaseTolerance, "how far apart the shards' measured phases may start or end before a warning")
	return cmd
}
