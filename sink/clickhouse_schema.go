package sink

import (
	"fmt"
	"math"
	"strings"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/trace"
)

// chColumn is one column of a ClickHouse table and how a row fills it.
// Types are those ClickHouse 18.16 (Debian 12) knows: String, Float64,
// UInt64, UInt8 (booleans), DateTime (seconds, UTC), and Nullable(…) for
// figures that may be missing, so that a missing figure reads NULL,
// never 0.
type chColumn struct {
	name, typ string
}

// chRunColumns describe a run's model, before its figures.
var chRunColumns = []chColumn{
	{"run_id", "String"}, {"run_name", "String"}, {"project", "String"}, {"model", "String"},
	{"host", "String"}, {"backend", "String"}, {"backend_endpoint", "String"}, {"tool_version", "String"},
	{"started_at", "DateTime"}, {"window_start", "DateTime"}, {"window_end", "DateTime"},
	{"window_start_s", "Float64"}, {"window_end_s", "Float64"},
	{"interrupted", "UInt8"}, {"energy_method", "String"}, {"tokens_estimated", "UInt8"},
	{"country_iso_code", "String"},
}

// runsColumns is the whole runs table: the descriptive columns, then one
// per figure.
func runsColumns() []chColumn {
	cols := append([]chColumn(nil), chRunColumns...)
	for _, f := range figures {
		typ := "Float64"
		if f.integer {
			typ = "UInt64"
		}
		if f.optional {
			typ = "Nullable(" + typ + ")"
		}
		cols = append(cols, chColumn{f.name, typ})
	}
	return cols
}

var requestsColumns = []chColumn{
	{"run_id", "String"}, {"model", "String"}, {"id", "UInt64"}, {"phase", "String"},
	{"start_time", "DateTime"}, {"start_s", "Float64"}, {"first_token_s", "Nullable(Float64)"}, {"end_s", "Float64"},
	{"ttft_ms", "Nullable(Float64)"}, {"e2e_ms", "Float64"},
	{"input_tokens", "UInt64"}, {"output_tokens", "UInt64"}, {"tokens_estimated", "UInt8"},
	{"finish_reason", "String"}, {"error_class", "String"},
}

// createTable is the DDL for a table. MergeTree() with ORDER BY is the
// syntax ClickHouse has accepted since 1.1.54310, so 18.16 takes it.
func createTable(db, table string, cols []chColumn, orderBy string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s.%s (\n", quoteIdent(db), quoteIdent(table))
	for i, c := range cols {
		sep := ","
		if i == len(cols)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "  %s %s%s\n", quoteIdent(c.name), c.typ, sep)
	}
	fmt.Fprintf(&b, ") ENGINE = MergeTree() ORDER BY (%s)", orderBy)
	return b.String()
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// runRow is one model's row of the runs table, for JSONEachRow.
func runRow(s *report.Summary, m *analysis.ModelResult) map[string]any {
	row := map[string]any{
		"run_id": s.RunID, "run_name": s.Name, "project": s.Project, "model": m.Model,
		"host": s.Host.Hostname, "backend": s.Backend.Type, "backend_endpoint": s.Backend.Endpoint,
		"tool_version": s.Version,
		"started_at":   s.StartedAt.Unix(),
		"window_start": windowStart(s, m) / 1e9, "window_end": windowEnd(s, m) / 1e9,
		"window_start_s": m.Window.StartS, "window_end_s": m.Window.EndS,
		"interrupted": b2u(s.Interrupted), "energy_method": m.EnergyMethod,
		"tokens_estimated": b2u(m.TokensEstimated), "country_iso_code": s.CountryISO,
	}
	for _, f := range figures {
		v, ok := f.get(s, m)
		switch {
		case !ok:
			row[f.name] = nil
		case f.integer:
			row[f.name] = uint64(v)
		default:
			row[f.name] = v
		}
	}
	return row
}

// chRequestRow is one row of the requests table, for JSONEachRow: a
// struct, encoded without a map per row, as a run has millions.
type chRequestRow struct {
	RunID           string   `json:"run_id"`
	Model           string   `json:"model"`
	ID              uint64   `json:"id"`
	Phase           string   `json:"phase"`
	StartTime       int64    `json:"start_time"`
	StartS          float64  `json:"start_s"`
	FirstTokenS     *float64 `json:"first_token_s"`
	EndS            float64  `json:"end_s"`
	TTFTMs          *float64 `json:"ttft_ms"`
	E2EMs           float64  `json:"e2e_ms"`
	InputTokens     uint64   `json:"input_tokens"`
	OutputTokens    uint64   `json:"output_tokens"`
	TokensEstimated uint8    `json:"tokens_estimated"`
	FinishReason    string   `json:"finish_reason"`
	ErrorClass      string   `json:"error_class"`
}

// requestRow is one request's row of the requests table.
func requestRow(s *report.Summary, r trace.Request) chRequestRow {
	row := chRequestRow{
		RunID: s.RunID, Model: r.Model, ID: uint64(r.ID), Phase: r.Phase,
		StartTime: (s.StartedAt.UnixNano() + int64(math.Round(r.Start*1e9))) / 1e9,
		StartS:    r.Start, EndS: r.End, E2EMs: (r.End - r.Start) * 1000,
		InputTokens: uint64(r.InputTokens), OutputTokens: uint64(r.OutputTokens),
		TokensEstimated: b2u(r.TokensEstimated),
		FinishReason:    r.FinishReason, ErrorClass: r.ErrorClass,
	}
	if !math.IsNaN(r.FirstToken) {
		first, ttft := r.FirstToken, (r.FirstToken-r.Start)*1000
		row.FirstTokenS, row.TTFTMs = &first, &ttft
	}
	return row
}

// quoteIdent quotes a ClickHouse identifier.
func quoteIdent(s string) string {
	return "`" + strings.NewReplacer(`\`, `\\`, "`", "\\`").Replace(s) + "`"
}

// quoteString quotes a ClickHouse string literal.
func quoteString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
