package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/aienergy/aienergy/report"
)

func newReportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "report RUN_DIR",
		Short: "Recompute every figure of a run from its raw data",
		Long: `Recompute summary.json, emissions.csv, results.csv and the per-model CSVs of
a run directory from its raw data alone (run.json, power.csv, requests.csv,
phases.csv), and print the summary table. Use it after changing how figures
are computed, or to check a published result.`,
		Example: `  aienergy report runs/20261123-101500-default`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := report.Generate(args[0])
			if err != nil {
				return err
			}
			report.PrintTable(cmd.OutOrStdout(), res)
			fmt.Fprintf(cmd.OutOrStdout(), "\nrewrote the figures in %s\n", args[0])
			return nil
		},
	}
}
