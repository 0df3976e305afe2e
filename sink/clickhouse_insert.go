package sink

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// valuesInsert is INSERT … VALUES with every float given by its IEEE-754
// bits, reinterpretAsFloat64(unhex('…')). ClickHouse 18.16 reads decimal
// floats up to one unit in the last place off (79 of 5000 random doubles
// in JSONEachRow, measured), so the headline figures would not read back
// equal to summary.json's. Expressions in VALUES are slow per row, which
// is fine for one row per model.
func valuesInsert(db, table string, cols []chColumn, rows []map[string]any) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s.%s (", quoteIdent(db), quoteIdent(table))
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(c.name))
	}
	b.WriteString(") VALUES")
	for i, r := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(" (")
		for j, c := range cols {
			if j > 0 {
				b.WriteString(", ")
			}
			lit, err := sqlLiteral(r[c.name])
			if err != nil {
				return "", fmt.Errorf("column %s: %w", c.name, err)
			}
			b.WriteString(lit)
		}
		b.WriteByte(')')
	}
	return b.String(), nil
}

func sqlLiteral(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "NULL", nil
	case string:
		return quoteString(x), nil
	case float64:
		var le [8]byte
		bits := math.Float64bits(x)
		for i := range le {
			le[i] = byte(bits >> (8 * i))
		}
		return fmt.Sprintf("reinterpretAsFloat64(unhex('%X'))", le[:]), nil
	case uint64:
		return strconv.FormatUint(x, 10), nil
	case uint8:
		return strconv.FormatUint(uint64(x), 10), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	}
	return "", fmt.Errorf("no SQL literal for %v (%T)", v, v)
}
