package influx

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// v1Series is one series of an InfluxQL answer.
type v1Series struct {
	Name    string            `json:"name"`
	Tags    map[string]string `json:"tags"`
	Columns []string          `json:"columns"`
	Values  [][]any           `json:"values"`
}

type v1Result struct {
	StatementID int        `json:"statement_id"`
	Series      []v1Series `json:"series"`
	Error       string     `json:"error"`
}

type v1Answer struct {
	Results []v1Result `json:"results"`
	Error   string     `json:"error"`
}

// query runs InfluxQL with a streamed (chunked) answer, so that no
// max-row-limit of the server can cut a long window short, and merges the
// chunks of each series back together.
func (d *influxQL) query(ctx context.Context, db, q string) ([]v1Result, error) {
	form := url.Values{"q": {q}, "epoch": {"ns"}, "chunked": {"true"}, "chunk_size": {strconv.Itoa(d.chunkSize)}}
	if db != "" {
		form.Set("db", db)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.srv.endpoint("query", nil), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := d.srv.do(req)
	if err != nil {
		return nil, err
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusOK {
		return nil, d.statusError(resp)
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxBody))
	dec.UseNumber()
	merged := map[int]*v1Result{}
	index := map[string]int{} // statement/series key → position in its result
	var order []int
	for {
		var a v1Answer
		if err := dec.Decode(&a); err == io.EOF {
			break
		} else if err != nil {
			if ctx.Err() != nil {
				return nil, d.srv.reachError(ctx, ctx.Err())
			}
			return nil, fmt.Errorf("%s: unreadable answer to InfluxQL: %v", d.srv.shown, err)
		}
		if a.Error != "" {
			return nil, d.queryError(a.Error)
		}
		for _, r := range a.Results {
			if r.Error != "" {
				return nil, d.queryError(r.Error)
			}
			m := merged[r.StatementID]
			if m == nil {
				m = &v1Result{StatementID: r.StatementID}
				merged[r.StatementID] = m
				order = append(order, r.StatementID)
			}
			for _, s := range r.Series {
				key := fmt.Sprintf("%d\x00%s\x00%s", r.StatementID, s.Name, formatTags(s.Tags))
				if i, ok := index[key]; ok {
					m.Series[i].Values = append(m.Series[i].Values, s.Values...)
					continue
				}
				index[key] = len(m.Series)
				m.Series = append(m.Series, s)
			}
		}
	}
	sort.Ints(order)
	out := make([]v1Result, len(order))
	for i, id := range order {
		out[i] = *merged[id]
	}
	return out, nil
}

// statusError explains a non-200 answer to /query.
func (d *influxQL) statusError(resp *http.Response) error {
	msg := snippet(resp.Body)
	var a v1Answer
	if json.Unmarshal([]byte(msg), &a) == nil && a.Error != "" {
		msg = a.Error
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		if d.user == "" {
			return fmt.Errorf("InfluxDB at %s requires credentials (%s: %s): set username and password_env", d.srv.shown, resp.Status, msg)
		}
		return fmt.Errorf("InfluxDB at %s rejected user %q with the password in $%s (%s: %s); check both",
			d.srv.shown, d.user, d.pwEnv, resp.Status, msg)
	case http.StatusNotFound:
		return fmt.Errorf("%s has no /query endpoint (%s); is it InfluxDB 1.x? for InfluxDB 2.x set version: 2, org, bucket and token_env",
			d.srv.shown, resp.Status)
	}
	return fmt.Errorf("InfluxDB at %s answered %s: %s", d.srv.shown, resp.Status, msg)
}

// A noDatabaseError is a query against a database that does not exist.
type noDatabaseError struct {
	shown, db string
	others    []string // the databases there are, when known
}

func (e *noDatabaseError) Error() string {
	msg := fmt.Sprintf("InfluxDB at %s has no database %q; SmartWatts creates it on its first write: is SmartWatts running and writing there?", e.shown, e.db)
	if e.others != nil {
		msg += " (databases there: " + strings.Join(e.others, ", ") + ")"
	}
	return msg
}

func (d *influxQL) queryError(msg string) error {
	if strings.HasPrefix(msg, "database not found") {
		return &noDatabaseError{shown: d.srv.shown, db: d.db}
	}
	if strings.Contains(msg, "create admin user first") {
		return fmt.Errorf("InfluxDB at %s has authentication on but no user yet (%s); create one and set username and password_env", d.srv.shown, msg)
	}
	return fmt.Errorf("InfluxDB at %s (%s): %s", d.srv.shown, d.where(), msg)
}
