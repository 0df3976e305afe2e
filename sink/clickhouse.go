package sink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/aienergy/aienergy/internal/redact"
	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

func init() { registerReady("clickhouse", NewClickHouse) }

// ClickHouse inserts a run's results through ClickHouse's HTTP interface:
// one row per run and model in the runs table (aienergy_runs) and one per
// request in the requests table (aienergy_requests), creating the tables
// when they are missing. Plain SQL and JSONEachRow, which every ClickHouse
// since 2017 speaks, Debian 12's 18.16 included.
type ClickHouse struct {
	url           string
	database      string
	table         string
	requestsTable string // "" when requests are not written
	c             *client
}

// NewClickHouse builds a ClickHouse sink. Options: url (the HTTP
// interface, port 8123), database (default), table (aienergy_runs),
// requests (true), requests_table (aienergy_requests), username,
// password_env, timeout_s (30).
func NewClickHouse(opts map[string]any) (*ClickHouse, error) {
	o := newOptions("clickhouse", opts)
	s := &ClickHouse{
		url:      o.url("url", "http://127.0.0.1:8123"),
		database: o.str("database", "default"),
		table:    o.str("table", "aienergy_runs"),
	}
	if o.boolean("requests", true) {
		s.requestsTable = o.str("requests_table", "aienergy_requests")
	} else {
		o.str("requests_table", "")
	}
	checkIdent(o, "database", s.database)
	checkIdent(o, "table", s.table)
	if s.requestsTable != "" {
		checkIdent(o, "requests_table", s.requestsTable)
		if s.requestsTable == s.table {
			o.fail("requests_table", "must differ from table (%s)", s.table)
		}
	}
	user, password := o.login()
	if password != "" && user == "" {
		user = "default"
	}
	timeout := o.duration("timeout_s", defaultTimeout)
	if err := o.done(); err != nil {
		return nil, err
	}
	s.c = newClient(timeout, func(r *http.Request) {
		if user != "" {
			r.SetBasicAuth(user, password)
		}
	}, password, redact.BasicAuth(user, password))
	return s, nil
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func checkIdent(o *options, key, v string) {
	if !identRE.MatchString(v) {
		o.fail(key, "%q is not a plain identifier (letters, digits, _; not starting with a digit)", v)
	}
}

// Name implements Sink.
func (s *ClickHouse) Name() string {
	return fmt.Sprintf("clickhouse %s (%s.%s)", s.url, s.database, s.table)
}

// Send implements Sink. It refuses to insert a run whose rows are already
// there, since MergeTree would keep both copies.
func (s *ClickHouse) Send(ctx context.Context, _ string, sum *report.Summary, raw *rundir.Raw) error {
	if err := s.send(ctx, sum, raw); err != nil {
		return fmt.Errorf("%s: %w", s.Name(), err)
	}
	return nil
}

func (s *ClickHouse) send(ctx context.Context, sum *report.Summary, raw *rundir.Raw) error {
	if s.requestsTable != "" && raw == nil {
		return errors.New("requests: true needs the run's raw data (requests.csv)")
	}
	tables := []struct {
		name    string
		cols    []chColumn
		orderBy string
	}{
		{s.requestsTable, requestsColumns, "run_id, model, id"},
		{s.table, runsColumns(), "run_id, model"},
	}
	for _, t := range tables {
		if t.name == "" {
			continue
		}
		if _, err := s.query(ctx, createTable(s.database, t.name, t.cols, t.orderBy)); err != nil {
			return fmt.Errorf("creating table %s: %w", t.name, err)
		}
		if err := s.checkSchema(ctx, t.name, t.cols); err != nil {
			return err
		}
		n, err := s.count(ctx, t.name, sum.RunID)
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("table %s already holds %d rows of run %s; not inserting them twice (to replace them: ALTER TABLE %s.%s DELETE WHERE run_id = %s)",
				t.name, n, sum.RunID, s.database, t.name, quoteString(sum.RunID))
		}
	}
	// Requests first: a run's row in the runs table then means the whole
	// run arrived.
	if s.requestsTable != "" {
		if err := s.insertRequests(ctx, sum, raw); err != nil {
			return err
		}
	}
	if len(sum.Models) == 0 {
		return nil
	}
	// The runs table gets its floats bit for bit (valuesInsert).
	rows := make([]map[string]any, 0, len(sum.Models))
	for i := range sum.Models {
		rows = append(rows, runRow(sum, &sum.Models[i]))
	}
	q, err := valuesInsert(s.database, s.table, runsColumns(), rows)
	if err == nil {
		_, err = s.post(ctx, q, nil)
	}
	if err != nil {
		return fmt.Errorf("inserting into %s: %w", s.table, err)
	}
	return nil
}

// clickhouseBatchRows is how many request rows go in one INSERT: a few
// MB of JSONEachRow, so that a day of requests (millions) is sent in
// batches whose memory does not grow with the run, each big enough that
// MergeTree is not flooded with tiny parts (ClickHouse advises at least
// 1000 rows an insert).
const clickhouseBatchRows = 10_000

// insertRequests inserts one row per request, in batches as requests.csv
// is read. A batch that fails leaves the ones before it in the table; the
// error says how many rows are there and how to remove them.
func (s *ClickHouse) insertRequests(ctx context.Context, sum *report.Summary, raw *rundir.Raw) error {
	q := fmt.Sprintf("INSERT INTO %s.%s FORMAT JSONEachRow", quoteIdent(s.database), quoteIdent(s.requestsTable))
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	rows, inserted := 0, 0
	flush := func() error {
		if rows == 0 {
			return nil
		}
		if _, err := s.post(ctx, q, body.Bytes()); err != nil {
			if inserted > 0 {
				return fmt.Errorf("inserting into %s: %w (the %d rows of run %s inserted before this batch stay: ALTER TABLE %s.%s DELETE WHERE run_id = %s removes them)",
					s.requestsTable, err, inserted, sum.RunID, s.database, s.requestsTable, quoteString(sum.RunID))
			}
			return fmt.Errorf("inserting into %s: %w", s.requestsTable, err)
		}
		inserted += rows
		rows = 0
		body.Reset()
		return nil
	}
	var requests trace.Requests = trace.Slice(nil)
	if raw.Requests != nil {
		requests = raw.Requests
	}
	err := requests.Each(func(r trace.Request) error {
		if err := enc.Encode(requestRow(sum, r)); err != nil {
			return fmt.Errorf("request %d: %w", r.ID, err)
		}
		if rows++; rows >= clickhouseBatchRows {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// checkSchema compares an existing table's columns with ours: a table
// made by another version, or by hand, is named with what differs rather
// than failing the insert with a parse error.
func (s *ClickHouse) checkSchema(ctx context.Context, table string, want []chColumn) error {
	out, err := s.query(ctx, fmt.Sprintf("DESCRIBE TABLE %s.%s FORMAT JSON", quoteIdent(s.database), quoteIdent(table)))
	if err != nil {
		return fmt.Errorf("reading the columns of %s: %w", table, err)
	}
	var desc struct {
		Data []struct{ Name, Type string }
	}
	if err := json.Unmarshal(out, &desc); err != nil {
		return fmt.Errorf("reading the columns of %s: %w", table, err)
	}
	have := map[string]string{}
	for _, c := range desc.Data {
		have[c.Name] = c.Type
	}
	var missing, wrong []string
	for _, c := range want {
		switch t, ok := have[c.name]; {
		case !ok:
			missing = append(missing, "ADD COLUMN "+quoteIdent(c.name)+" "+c.typ)
		case t != c.typ:
			wrong = append(wrong, fmt.Sprintf("%s is %s, want %s", c.name, t, c.typ))
		}
	}
	if len(wrong) > 0 {
		return fmt.Errorf("schema: table %s.%s has other column types than aienergy writes: %s (use another table, or drop it to have it recreated)",
			s.database, table, strings.Join(wrong, "; "))
	}
	if len(missing) > 0 {
		return fmt.Errorf("schema: table %s.%s lacks %d columns this aienergy version writes; add them: ALTER TABLE %s.%s %s",
			s.database, table, len(missing), s.database, table, strings.Join(missing, ", "))
	}
	return nil
}

func (s *ClickHouse) count(ctx context.Context, table, runID string) (int, error) {
	out, err := s.query(ctx, fmt.Sprintf("SELECT count() FROM %s.%s WHERE run_id = %s FORMAT TabSeparated",
		quoteIdent(s.database), quoteIdent(table), quoteString(runID)))
	if err != nil {
		return 0, fmt.Errorf("looking for run %s in %s: %w", runID, table, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		return 0, fmt.Errorf("looking for run %s in %s: unexpected answer %q", runID, table, out)
	}
	return n, nil
}

// query runs one SQL statement sent as the request body.
func (s *ClickHouse) query(ctx context.Context, sql string) ([]byte, error) {
	return s.classify(s.c.do(ctx, http.MethodPost, s.url+"/?"+url.Values{"database": {s.database}}.Encode(), "text/plain; charset=utf-8", []byte(sql)))
}

// post runs a statement given in the URL with data in the body (INSERT);
// without data, the statement goes in the body, where it may be long.
func (s *ClickHouse) post(ctx context.Context, sql string, data []byte) ([]byte, error) {
	if data == nil {
		return s.query(ctx, sql)
	}
	q := url.Values{"database": {s.database}, "query": {sql}}
	return s.classify(s.c.do(ctx, http.MethodPost, s.url+"/?"+q.Encode(), "application/x-ndjson", data))
}

// chCodeRE finds ClickHouse's error code in an error answer: "Code: 193,
// e.displayText() = DB::Exception: Wrong password for user default".
var chCodeRE = regexp.MustCompile(`Code: (\d+)`)

// ClickHouse error codes worth a plain explanation.
var chAuthCodes = map[int]bool{192: true, 193: true, 194: true, 195: true, 497: true, 516: true}

const chUnknownDatabase = 81

func (s *ClickHouse) classify(out []byte, err error) ([]byte, error) {
	var se *StatusError
	if !errors.As(err, &se) {
		return out, err
	}
	code := 0
	if m := chCodeRE.FindStringSubmatch(se.Body); m != nil {
		code, _ = strconv.Atoi(m[1])
	}
	switch {
	case chAuthCodes[code] || se.Code == http.StatusUnauthorized || se.Code == http.StatusForbidden:
		return nil, fmt.Errorf("authentication failed (check username and password_env): %w", err)
	case code == chUnknownDatabase:
		return nil, fmt.Errorf("database %s does not exist (CREATE DATABASE %s): %w", s.database, s.database, err)
	}
	return nil, err
}
