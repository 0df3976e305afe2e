package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aienergy/aienergy/compare"
)

func newCompareCmd() *cobra.Command {
	var (
		format, output, latency string
		sizes, tasks            []string
		sizeClasses, mixGroups  bool
	)
	cmd := &cobra.Command{
		Use:   "compare RUN_DIR|PARENT_DIR...",
		Short: "Leaderboard of runs: J/token, Wh/1000 queries, latency, stars, Pareto front",
		Long: `Compare finished runs (run directories, or folders holding them) as a
leaderboard: J per output token, Wh per 1000 queries, gCO2eq per 1000 queries,
latency, tokens/s; AIEnergyScore-style 1–5 star ratings within a task; the
energy-vs-latency Pareto front; power vs model size where sizes are known.
Runs on different hardware or with different meters are flagged, not mixed.
The rating method is in docs/compare.md.`,
		Example: `  aienergy compare runs/
  aienergy compare runs/a runs/b --format markdown
  aienergy compare runs/ --format html --output leaderboard.html --size llama=8b`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			runs, err := compare.Load(args...)
			if err != nil {
				return err
			}
			opts := compare.Options{Latency: latency, SizeClasses: sizeClasses, MixGroups: mixGroups,
				Sizes: map[string]float64{}, Tasks: map[string]string{}}
			for _, s := range sizes {
				m, p, err := compare.ParseSize(s)
				if err != nil {
					return usageError{fmt.Errorf("--size %s: %w", s, err)}
				}
				opts.Sizes[m] = p
			}
			for _, s := range tasks {
				id, task, ok := strings.Cut(s, "=")
				if !ok || id == "" || task == "" {
					return usageError{fmt.Errorf("--task %q: want RUN_ID=TASK", s)}
				}
				opts.Tasks[id] = task
			}
			lb, err := compare.Compare(runs, opts)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if output != "" {
				f, err := os.Create(output)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			if err := writeLeaderboard(lb, format, w); err != nil {
				return err
			}
			if output != "" {
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", output)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", "text", "text, markdown, csv or html")
	f.StringVarP(&output, "output", "o", "", "write to this file instead of standard output")
	f.StringVar(&latency, "latency", "e2e", "latency axis of the Pareto front: e2e or ttft")
	f.StringArrayVar(&sizes, "size", nil, "model size, MODEL=8b|0.5B|8e9 (repeatable)")
	f.StringArrayVar(&tasks, "task", nil, "task of a run, RUN_ID=TASK (repeatable)")
	f.BoolVar(&sizeClasses, "size-classes", false, "rate text generation within AIEnergyScore's size classes")
	f.BoolVar(&mixGroups, "mix-groups", false, "rate across different hardware/meters (warned about)")
	return cmd
}

func writeLeaderboard(lb *compare.Leaderboard, format string, w io.Writer) error {
	switch format {
	case "text":
		return lb.WriteText(w)
	case "markdown", "md":
		return lb.WriteMarkdown(w)
	case "csv":
		return lb.WriteCSV(w)
	case "html":
		return lb.WriteHTML(w)
	}
	return usageError{fmt.Errorf("--format %q: want text, markdown, csv or html", format)}
}
