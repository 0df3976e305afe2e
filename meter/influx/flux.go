package influx

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// flux speaks InfluxDB 2.x: Flux over POST /api/v2/query, answers in
// annotated CSV.
type flux struct {
	srv         *server
	org, bucket string
	tokenEnv    string // for messages
}

func (d *flux) where() string { return fmt.Sprintf("bucket %q of org %q", d.bucket, d.org) }

// source is the part of every query that picks the points.
func (d *flux) source(sel *selection, rng string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "from(bucket: %s)\n  |> range(%s)\n", fluxStr(d.bucket), rng)
	fmt.Fprintf(&b, "  |> filter(fn: (r) => r._measurement == %s and r._field == %s)\n", fluxStr(sel.measurement), fluxStr(sel.field))
	tag := "r[" + fluxStr(sel.targetTag) + "]"
	if sel.all {
		fmt.Fprintf(&b, "  |> filter(fn: (r) => exists %s and %s != \"\"", tag, tag)
		for _, a := range aggregates {
			fmt.Fprintf(&b, " and %s != %s", tag, fluxStr(a))
		}
		b.WriteString(")\n")
	} else {
		alts := make([]string, len(sel.targets))
		for i, t := range sel.targets {
			alts[i] = tag + " == " + fluxStr(t)
		}
		fmt.Fprintf(&b, "  |> filter(fn: (r) => %s)\n", strings.Join(alts, " or "))
	}
	for _, k := range sel.sortedTags() {
		fmt.Fprintf(&b, "  |> filter(fn: (r) => r[%s] == %s)\n", fluxStr(k), fluxStr(sel.tags[k]))
	}
	return b.String()
}

func (d *flux) latest(ctx context.Context, sel *selection, lookback time.Duration) ([]series, error) {
	q := d.source(sel, fmt.Sprintf("start: -%dms", lookback.Milliseconds())) + "  |> last()\n"
	return d.points(ctx, q)
}

// window asks for [from, to]: Flux's stop is exclusive, hence to + 1 ns.
func (d *flux) window(ctx context.Context, sel *selection, from, to time.Time) ([]series, error) {
	q := d.source(sel, fmt.Sprintf("start: %s, stop: %s", fluxTime(from), fluxTime(to.Add(time.Nanosecond))))
	return d.points(ctx, q)
}

// fluxStr quotes a Flux string literal; "${" would start interpolation.
func fluxStr(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "${", `\${`, "\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s) + `"`
}

// fluxTime writes a time literal in UTC with nanoseconds.
func fluxTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// Columns of a Flux table that are not tags.
var fluxColumns = map[string]bool{"result": true, "table": true, "_start": true, "_stop": true, "_time": true, "_value": true, "_field": true, "_measurement": true}

// points runs a query whose tables hold _time and _value, one table per series.
func (d *flux) points(ctx context.Context, q string) ([]series, error) {
	var out []series
	at := map[string]int{} // result/table → index in out
	err := d.query(ctx, q, func(r fluxRow) error {
		key := r.get("result") + "\x00" + r.get("table")
		i, ok := at[key]
		if !ok {
			tags := map[string]string{}
			for name, col := range r.table.index {
				if !fluxColumns[name] && r.values[col] != "" {
					tags[name] = r.values[col]
				}
			}
			i = len(out)
			at[key] = i
			out = append(out, series{tags: tags})
		}
		if r.get("_value") == "" {
			return nil // null: no figure in this row
		}
		p, err := fluxPoint(r)
		if err != nil {
			return err
		}
		out[i].points = append(out[i].points, p)
		return nil
	})
	return out, err
}

func fluxPoint(r fluxRow) (Point, error) {
	ts, vs := r.get("_time"), r.get("_value")
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return Point{}, fmt.Errorf("row with _time %q: %v", ts, err)
	}
	switch dt := r.datatype("_value"); dt {
	case "", "double", "long", "unsignedLong":
	default:
		return Point{}, fmt.Errorf("field %s holds %s values, not numbers", r.get("_field"), dt)
	}
	w, err := strconv.ParseFloat(vs, 64)
	if err != nil || math.IsInf(w, 0) || math.IsNaN(w) {
		return Point{}, fmt.Errorf("field %s has the value %q at %s, not a finite number", r.get("_field"), vs, ts)
	}
	return Point{T: t.UTC(), Watts: w}, nil
}

// queryBody is the documented request of POST /api/v2/query.
type queryBody struct {
	Query   string     `json:"query"`
	Type    string     `json:"type"`
	Dialect csvDialect `json:"dialect"`
}

type csvDialect struct {
	Header         bool     `json:"header"`
	Delimiter      string   `json:"delimiter"`
	Annotations    []string `json:"annotations"`
	CommentPrefix  string   `json:"commentPrefix"`
	DateTimeFormat string   `json:"dateTimeFormat"`
}

// query posts Flux and streams the annotated-CSV answer to fn.
func (d *flux) query(ctx context.Context, q string, fn func(fluxRow) error) error {
	body, err := json.Marshal(queryBody{Query: q, Type: "flux", Dialect: csvDialect{
		Header: true, Delimiter: ",", Annotations: []string{"datatype", "group", "default"},
		CommentPrefix: "#", DateTimeFormat: "RFC3339Nano",
	}})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.srv.endpoint("api/v2/query", url.Values{"org": {d.org}}), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/csv")
	resp, err := d.srv.do(req)
	if err != nil {
		return err
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusOK {
		return d.statusError(resp)
	}
	err = readAnnotatedCSV(io.LimitReader(resp.Body, maxBody), fn)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return d.srv.reachError(ctx, ctx.Err())
	}
	return fmt.Errorf("InfluxDB at %s (%s): %w", d.srv.shown, d.where(), err)
}

// statusError explains a failed query. The documented error body is JSON
// {"code": "...", "message": "..."}; the token is never part of it.
func (d *flux) statusError(resp *http.Response) error {
	msg := snippet(resp.Body)
	var e struct{ Code, Message string }
	if json.Unmarshal([]byte(msg), &e) == nil && e.Message != "" {
		msg = e.Message
		if e.Code != "" {
			msg = e.Code + ": " + msg
		}
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("InfluxDB at %s refused the token in $%s (%s: %s); give it read access to %s "+
			"(influx auth create --org %s --read-buckets) and export it in %s",
			d.srv.shown, d.tokenEnv, resp.Status, msg, d.where(), d.org, d.tokenEnv)
	case resp.StatusCode == http.StatusNotFound && strings.Contains(msg, "bucket"):
		return fmt.Errorf("InfluxDB at %s has no %s (%s); SmartWatts creates it on its first write: is SmartWatts running and writing there?",
			d.srv.shown, d.where(), msg)
	case resp.StatusCode == http.StatusNotFound && strings.Contains(msg, "organization"):
		return fmt.Errorf("InfluxDB at %s has no organization %q (%s); check the org option", d.srv.shown, d.org, msg)
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%s has no /api/v2/query endpoint (%s); is it InfluxDB 1.x? for InfluxDB 1.x set version: 1 and database",
			d.srv.shown, resp.Status)
	}
	return fmt.Errorf("InfluxDB at %s answered %s: %s", d.srv.shown, resp.Status, msg)
}

// inventory lists measurements and targets of the last 30 days.
func (d *flux) inventory(ctx context.Context, sel *selection) (inventory, error) {
	var inv inventory
	values := func(q string, dst *[]string) error {
		return d.query(ctx, "import \"influxdata/influxdb/schema\"\n"+q, func(r fluxRow) error {
			if v := r.get("_value"); v != "" {
				*dst = append(*dst, v)
			}
			return nil
		})
	}
	if err := values(fmt.Sprintf("schema.measurements(bucket: %s, start: -30d)", fluxStr(d.bucket)), &inv.measurements); err != nil {
		return inv, err
	}
	q := fmt.Sprintf("schema.tagValues(bucket: %s, tag: %s, predicate: (r) => r._measurement == %s, start: -30d)",
		fluxStr(d.bucket), fluxStr(sel.targetTag), fluxStr(sel.measurement))
	if err := values(q, &inv.targets); err != nil {
		return inv, err
	}
	return inv, nil
}
