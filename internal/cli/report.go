package cli

import (
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/aienergy/aienergy/internal/logging"
	"github.com/aienergy/aienergy/report"
)

func newReportCmd() *cobra.Command {
	var publish bool
	cmd := &cobra.Command{
		Use:   "report RUN_DIR",
		Short: "Recompute every figure of a run from its raw data",
		Long: `Recompute summary.json, emissions.csv, results.csv, report.html and the
per-model CSVs of a run directory from its raw data alone (run.json, power.csv, requests.csv,
phases.csv), and print the summary table. Use it after changing how figures
are computed, or to check a published result.`,
		Example: `  aienergy report runs/20261123-101500-default`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if publish {
				if _, err := finish(cmd.Context(), cmd.OutOrStdout(), logging.New(cmd.ErrOrStderr(), nil, slog.LevelInfo), dir, nil); err != nil {
					return err
				}
			} else {
				res, raw, err := report.GenerateRaw(dir)
				if err != nil {
					return err
				}
				if err := writeExtras(dir, res, raw); err != nil {
					return err
				}
				report.PrintTable(cmd.OutOrStdout(), res)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "\nrewrote the figures and report.html in %s\n", dir)
			return nil
		},
	}
	cmd.Flags().BoolVar(&publish, "publish", false, "also send the results to the run's reporters again (CSV files, InfluxDB, ClickHouse, MLflow)")
	return cmd
}
