package report

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
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

// fileSafe turns a model id such as "openai/gpt-oss-120b" into a file name
// part: "openai_gpt-oss-120b".
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}
