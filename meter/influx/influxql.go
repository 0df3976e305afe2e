package influx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// influxQL speaks InfluxDB 1.x: InfluxQL over /query, answers in JSON.
type influxQL struct {
	srv       *server
	db, rp    string
	user      string // for messages; "" without auth
	pwEnv     string
	chunkSize int // rows per chunk of a streamed answer
}

const defaultChunkSize = 10000

func (d *influxQL) where() string { return fmt.Sprintf("database %q", d.db) }

// from is the measurement, qualified with the retention policy when one is set.
func (d *influxQL) from(measurement string) string {
	if d.rp == "" {
		return ident(measurement)
	}
	return ident(d.db) + "." + ident(d.rp) + "." + ident(measurement)
}

func (d *influxQL) latest(ctx context.Context, sel *selection, lookback time.Duration) ([]series, error) {
	q := fmt.Sprintf("SELECT last(%s) FROM %s WHERE time >= now() - %dms%s GROUP BY *",
		ident(sel.field), d.from(sel.measurement), lookback.Milliseconds(), d.filter(sel))
	return d.points(ctx, q)
}

func (d *influxQL) window(ctx context.Context, sel *selection, from, to time.Time) ([]series, error) {
	q := fmt.Sprintf("SELECT %s FROM %s WHERE time >= %s AND time <= %s%s GROUP BY *",
		ident(sel.field), d.from(sel.measurement), timeLit(from), timeLit(to), d.filter(sel))
	return d.points(ctx, q)
}

// filter is the WHERE clause for the targets and tags.
func (d *influxQL) filter(sel *selection) string {
	var b strings.Builder
	tag := ident(sel.targetTag)
	if sel.all {
		for _, a := range aggregates {
			fmt.Fprintf(&b, " AND %s != %s", tag, strLit(a))
		}
		fmt.Fprintf(&b, " AND %s != ''", tag)
	} else {
		alts := make([]string, len(sel.targets))
		for i, t := range sel.targets {
			alts[i] = tag + " = " + strLit(t)
		}
		fmt.Fprintf(&b, " AND (%s)", strings.Join(alts, " OR "))
	}
	for _, k := range sel.sortedTags() {
		fmt.Fprintf(&b, " AND %s = %s", ident(k), strLit(sel.tags[k]))
	}
	return b.String()
}

// ident quotes an InfluxQL identifier.
func ident(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// strLit quotes an InfluxQL string literal.
func strLit(s string) string {
	return `'` + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + `'`
}

// timeLit writes an instant as InfluxQL understands it: RFC 3339 in UTC
// with all nine fractional digits, so no precision is lost.
func timeLit(t time.Time) string {
	return "'" + t.UTC().Format("2006-01-02T15:04:05.000000000Z") + "'"
}

// points runs a SELECT of one field and returns its series.
func (d *influxQL) points(ctx context.Context, q string) ([]series, error) {
	results, err := d.query(ctx, d.db, q)
	var noDB *noDatabaseError
	if errors.As(err, &noDB) {
		if dbs, derr := d.databases(ctx); derr == nil {
			noDB.others = append([]string{}, dbs...)
		}
	}
	if err != nil {
		return nil, err
	}
	var out []series
	for _, r := range results {
		for _, s := range r.Series {
			pts, err := v1Points(s)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", d.srv.shown, err)
			}
			out = append(out, series{tags: s.Tags, points: pts})
		}
	}
	return out, nil
}

// v1Points reads the [time, value] rows of a series.
func v1Points(s v1Series) ([]Point, error) {
	if len(s.Columns) != 2 || s.Columns[0] != "time" {
		return nil, fmt.Errorf("unexpected columns %v in series %s", s.Columns, s.Name)
	}
	pts := make([]Point, 0, len(s.Values))
	for _, row := range s.Values {
		if len(row) != 2 {
			return nil, fmt.Errorf("row %v of series %s has %d values, want 2", row, s.Name, len(row))
		}
		if row[1] == nil {
			continue // no value in this row
		}
		tn, ok1 := row[0].(json.Number)
		vn, ok2 := row[1].(json.Number)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("row %v of series %s: want a nanosecond time and a number (is field %s a string?)", row, s.Name, s.Columns[1])
		}
		ns, err := strconv.ParseInt(string(tn), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("time %q of series %s: %v", tn, s.Name, err)
		}
		w, err := strconv.ParseFloat(string(vn), 64)
		if err != nil || math.IsInf(w, 0) {
			return nil, fmt.Errorf("value %q of series %s is not a finite number", vn, s.Name)
		}
		pts = append(pts, Point{T: time.Unix(0, ns).UTC(), Watts: w})
	}
	return pts, nil
}

// inventory lists the measurements and targets the database holds.
func (d *influxQL) inventory(ctx context.Context, sel *selection) (inventory, error) {
	var inv inventory
	q := fmt.Sprintf("SHOW MEASUREMENTS; SHOW TAG VALUES FROM %s WITH KEY = %s", d.from(sel.measurement), ident(sel.targetTag))
	results, err := d.query(ctx, d.db, q)
	if err != nil {
		return inv, err
	}
	for _, r := range results {
		for _, s := range r.Series {
			col := len(s.Columns) - 1 // name, or value of key/value
			for _, row := range s.Values {
				v, _ := row[col].(string)
				if r.StatementID == 0 {
					inv.measurements = append(inv.measurements, v)
				} else {
					inv.targets = append(inv.targets, v)
				}
			}
		}
	}
	return inv, nil
}

func (d *influxQL) databases(ctx context.Context) ([]string, error) {
	results, err := d.query(ctx, "", "SHOW DATABASES") // the configured database is missing
	if err != nil {
		return nil, err
	}
	var names []string
	for _, r := range results {
		for _, s := range r.Series {
			for _, row := range s.Values {
				if v, ok := row[0].(string); ok && v != "_internal" {
					names = append(names, v)
				}
			}
		}
	}
	return names, nil
}
