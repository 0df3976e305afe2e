package compare

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes the leaderboard as a GitHub-flavoured Markdown
// table with the groups, the front's definition and the warnings.
func (lb *Leaderboard) WriteMarkdown(w io.Writer) error {
	cols := lb.tableColumns()
	var b strings.Builder
	b.WriteString("|")
	for _, c := range cols {
		b.WriteString(" " + mdCell(c.head) + " |")
	}
	b.WriteString("\n|")
	for range cols {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, r := range lb.Rows {
		b.WriteString("|")
		for _, c := range cols {
			b.WriteString(" " + mdCell(c.cell(r)) + " |")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n**Comparable groups**\n\n")
	for _, g := range lb.Groups {
		fmt.Fprintf(&b, "%d. %s\n", g.ID, mdCell(groupLine(g)))
	}
	b.WriteString("\nStars: AIEnergyScore-style, 5 equal sections of the *rated on* range within each task and group (5 = least energy). ")
	fmt.Fprintf(&b, "FRONT: `*` marks the Pareto front of J per output token vs %s.\n", latencyName(lb.Latency))
	if len(lb.Warnings) > 0 {
		b.WriteString("\n**Warnings**\n\n")
		for _, s := range lb.Warnings {
			b.WriteString("- " + mdCell(s) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdCell escapes what would break a table cell or start markup.
var mdEscaper = strings.NewReplacer("|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`", "\n", " ", "<", "&lt;", ">", "&gt;")

func mdCell(s string) string {
	if s == "*" {
		return s // the FRONT mark, meant to show
	}
	return mdEscaper.Replace(s)
}
