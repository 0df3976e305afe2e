package compare

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes the leaderboard as a terminal table, then the groups,
// the front's definition and the warnings.
func (lb *Leaderboard) WriteText(out io.Writer) error {
	// Built in memory and written once, so one error check covers it.
	var w bytes.Buffer
	tw := tabwriter.NewWriter(&w, 0, 0, 2, ' ', 0)
	cols := lb.tableColumns()
	heads := make([]string, len(cols))
	for i, c := range cols {
		heads[i] = c.head
	}
	fmt.Fprintln(tw, strings.Join(heads, "\t"))
	for _, r := range lb.Rows {
		cells := make([]string, len(cols))
		for i, c := range cols {
			cells[i] = c.cell(r)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush() // cannot fail: it writes to a bytes.Buffer
	fmt.Fprintln(&w, "\nComparable groups:")
	for _, g := range lb.Groups {
		fmt.Fprintf(&w, "  %d  %s\n", g.ID, groupLine(g))
	}
	fmt.Fprintf(&w, "\nStars: AIEnergyScore-style, 5 equal sections of the RATED ON range within each task and group (5 = least energy).\n")
	fmt.Fprintf(&w, "FRONT: * marks the Pareto front of J per output token vs %s.\n", latencyName(lb.Latency))
	if len(lb.Warnings) > 0 {
		fmt.Fprintln(&w, "\nWarnings:")
		for _, s := range lb.Warnings {
			fmt.Fprintf(&w, "  - %s\n", s)
		}
	}
	_, err := w.WriteTo(out)
	return err
}
