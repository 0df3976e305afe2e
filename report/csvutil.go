package report

import (
	"bytes"
	"encoding/csv"
	"strconv"

	"github.com/aienergy/aienergy/rundir"
)

// table is a CSV document built in memory and written atomically.
type table struct {
	header []string
	rows   [][]string
}

func (t *table) add(row ...string) { t.rows = append(t.rows, row) }

func (t *table) bytes() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(t.header)
	w.WriteAll(t.rows) // flushes; a bytes.Buffer does not fail
	return b.Bytes()
}

// num formats a figure; nil (no data) is an empty cell, never a zero.
func num(p *float64) string {
	if p == nil {
		return ""
	}
	return f64(*p)
}

func f64(v float64) string { return strconv.FormatFloat(v, 'g', 10, 64) }

// scaled formats *p × k, or an empty cell.
func scaled(p *float64, k float64) string {
	if p == nil {
		return ""
	}
	return f64(*p * k)
}

// ModelFileNames are the names, in the order of s.Models, that files
// about each model start with: "openai/gpt-oss-120b" becomes
// "openai_gpt-oss-120b", as the first seed named its <model>_power.csv;
// rundir.FileNames keeps them short and apart.
func ModelFileNames(s *Summary) []string {
	labels := make([]string, len(s.Models))
	for i, m := range s.Models {
		labels[i] = m.Model
	}
	return rundir.FileNames(labels)
}
