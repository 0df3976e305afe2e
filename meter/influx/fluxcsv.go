package influx

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// fluxRow is one record of an annotated-CSV answer. Its table is the
// header it sits under, with the datatype and default annotations.
type fluxRow struct {
	table  *fluxTable
	values []string // defaults applied; values[0] is the annotation column
}

type fluxTable struct {
	header    []string
	index     map[string]int
	datatypes []string // nil when the answer had no #datatype row
}

// get returns the named column of a row, "" when the table lacks it.
func (r fluxRow) get(col string) string {
	if i, ok := r.table.index[col]; ok {
		return r.values[i]
	}
	return ""
}

// datatype returns the #datatype of a column, "" when unknown.
func (r fluxRow) datatype(col string) string {
	if i, ok := r.table.index[col]; ok && i < len(r.table.datatypes) {
		return r.table.datatypes[i]
	}
	return ""
}

// A fluxError is an error table in an answer: InfluxDB sends one, with
// status 200, when a query fails after the answer has begun.
type fluxError struct{ msg, reference string }

func (e *fluxError) Error() string {
	if e.reference != "" {
		return e.msg + " (reference " + e.reference + ")"
	}
	return e.msg
}

// readAnnotatedCSV calls fn for every record of an InfluxDB 2.x query
// answer (https://docs.influxdata.com/influxdb/v2/reference/syntax/annotated-csv/).
// The answer is a run of tables; each may start with annotation rows
// (#datatype, #group, #default, first column), then a header row, then
// records whose first column is empty. A new table starts with annotations,
// or — in an answer without annotations — after a blank line. An error
// table (header ",error,reference") becomes a *fluxError.
func readAnnotatedCSV(r io.Reader, fn func(fluxRow) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // tables differ in width
	cr.ReuseRecord = false
	var (
		table      *fluxTable
		defaults   []string
		datatypes  []string
		annotating bool
		lastLine   int // the line the previous record ended on
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("annotated CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		blankBefore := lastLine > 0 && line > lastLine+1
		lastLine = line
		for _, f := range rec {
			lastLine += strings.Count(f, "\n")
		}
		if strings.HasPrefix(rec[0], "#") {
			if !annotating {
				annotating, table, defaults, datatypes = true, nil, nil, nil
			}
			switch rec[0] {
			case "#default":
				defaults = rec
			case "#datatype":
				datatypes = rec
			}
			continue
		}
		if blankBefore && !annotating {
			// A new table without annotations: a header comes next.
			table, defaults, datatypes = nil, nil, nil
		}
		if table == nil {
			annotating = false
			table = &fluxTable{header: rec, index: make(map[string]int, len(rec)), datatypes: datatypes}
			for i, name := range rec {
				if i > 0 {
					table.index[name] = i
				}
			}
			continue
		}
		if len(rec) != len(table.header) {
			return fmt.Errorf("annotated CSV line %d: %d columns under a header of %d", line, len(rec), len(table.header))
		}
		if len(table.header) == 3 && table.header[1] == "error" && table.header[2] == "reference" {
			return &fluxError{msg: rec[1], reference: rec[2]}
		}
		for i := range rec {
			if rec[i] == "" && i < len(defaults) {
				rec[i] = defaults[i]
			}
		}
		if err := fn(fluxRow{table: table, values: rec}); err != nil {
			return err
		}
	}
}
