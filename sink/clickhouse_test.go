package sink

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// chRows runs a SELECT … FORMAT JSON and returns its rows, numbers as
// json.Number and 64-bit integers unquoted.
func (s *clickhouseServer) rows(t *testing.T, sql string) []map[string]any {
	t.Helper()
	var out struct{ Data []map[string]any }
	dec := json.NewDecoder(strings.NewReader(s.query(t, sql+" FORMAT JSON", "output_format_json_quote_64bit_integers", "0")))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Data
}

func TestClickHouseRoundTrip(t *testing.T) {
	start := time.Now()
	srv := startClickHouse(t)
	r := finishedRun(t, "run-two-models")
	s, err := NewClickHouse(map[string]any{"url": srv.url})
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, r.dir)
	if err := s.Send(testCtx(t), r.dir, r.sum, r.raw); err != nil {
		t.Fatal(err)
	}
	sameSnapshot(t, before, snapshot(t, r.dir))

	types := map[string]string{}
	for _, c := range srv.rows(t, "DESCRIBE TABLE aienergy_runs") {
		types[c["name"].(string)] = c["type"].(string)
	}
	for col, want := range map[string]string{"energy_j": "Nullable(Float64)", "completed": "UInt64", "duration_s": "Float64", "window_end": "DateTime", "model": "String", "items": "Nullable(UInt64)"} {
		if types[col] != want {
			t.Errorf("column %s is %s, want %s", col, types[col], want)
		}
	}

	got := srv.rows(t, "SELECT *, toUnixTimestamp(window_end) AS window_end_unix FROM aienergy_runs WHERE run_id = 'run-two-models' ORDER BY window_start_s")
	models := r.models(t)
	if len(got) != len(models) {
		t.Fatalf("%d rows, want one per model (%d)", len(got), len(models))
	}
	started, _ := time.Parse(time.RFC3339Nano, r.json["started_at"].(string))
	for i, m := range models {
		row, name := got[i], m["model"].(string)
		if row["model"] != name || row["host"] != "fixture host" || row["backend"] != "vllm" || row["run_name"] != "two models" {
			t.Errorf("row %d: model %v host %v backend %v run_name %v", i, row["model"], row["host"], row["backend"], row["run_name"])
		}
		end := m["window"].(map[string]any)["end_s"].(float64)
		if want := started.Add(time.Duration(end * float64(time.Second))).Unix(); row["window_end_unix"].(json.Number).String() != jsonInt(want) {
			t.Errorf("%s: window_end %v, want %d", name, row["window_end_unix"], want)
		}
		checked := 0
		for _, f := range figures {
			want, wantOK := r.figure(t, m, f.name)
			have, haveOK := num(t, row[f.name])
			switch {
			case wantOK != haveOK:
				t.Errorf("%s: %s is %v, summary.json has it: %v", name, f.name, row[f.name], wantOK)
			case have != want:
				t.Errorf("%s: %s = %v, summary.json has %v", name, f.name, have, want)
			default:
				checked++
			}
		}
		if checked != len(figures) {
			t.Errorf("%s: %d of %d figures equal", name, checked, len(figures))
		}
		t.Logf("%s: %d columns equal summary.json", name, checked)
	}

	reqs := srv.rows(t, "SELECT * FROM aienergy_requests WHERE run_id = 'run-two-models' ORDER BY id")
	if len(reqs) != r.raw.Requests.Len() {
		t.Fatalf("%d request rows, want %d", len(reqs), r.raw.Requests.Len())
	}
	if ttft, ok := num(t, reqs[0]["ttft_ms"]); !ok || ttft < 99.999 || ttft > 100.001 || reqs[0]["error_class"] != "" {
		t.Errorf("request 0 (ttft 100 ms in requests.csv): %v", reqs[0])
	}
	if reqs[3]["ttft_ms"] != nil || reqs[3]["first_token_s"] != nil || reqs[3]["error_class"] != "http" {
		t.Errorf("request 3 (failed, no first token): %v", reqs[3])
	}
	if reqs[6]["model"] != `org/Llama 3,1=8B "q" it's` {
		t.Errorf("request 6 model %q", reqs[6]["model"])
	}

	// Again: MergeTree would keep a second copy, so the sink refuses.
	err = s.Send(testCtx(t), r.dir, r.sum, r.raw)
	if err == nil || !strings.Contains(err.Error(), "already holds 11 rows of run run-two-models") {
		t.Errorf("second send: %v", err)
	}
	if n := len(srv.rows(t, "SELECT run_id FROM aienergy_runs")); n != 2 {
		t.Errorf("after the refused second send: %d rows", n)
	}
	t.Logf("server start, two sends and checks: %v", time.Since(start).Round(time.Millisecond))
}

func jsonInt(v int64) string { b, _ := json.Marshal(v); return string(b) }

func TestClickHouseErrors(t *testing.T) {
	srv := startClickHouse(t)
	r := finishedRun(t, "run-two-models")
	srv.query(t, "CREATE TABLE bad_runs (run_id String, model String, energy_j Float64) ENGINE = MergeTree() ORDER BY (run_id)")
	srv.query(t, createTable("default", "old_runs", runsColumns()[:len(runsColumns())-2], "run_id, model"))
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	t.Setenv("AIENERGY_TEST_CH_PASSWORD", chWriterPassword)
	t.Setenv("AIENERGY_TEST_WRONG_PASSWORD", "nope")

	for _, tc := range []struct {
		name string
		opts map[string]any
		want string // "" for success
	}{
		{"user with password", map[string]any{"url": srv.url, "username": "writer", "password_env": "AIENERGY_TEST_CH_PASSWORD", "table": "w_runs", "requests_table": "w_requests"}, ""},
		{"wrong password", map[string]any{"url": srv.url, "username": "writer", "password_env": "AIENERGY_TEST_WRONG_PASSWORD"}, "authentication failed (check username and password_env)"},
		{"column types differ", map[string]any{"url": srv.url, "table": "bad_runs", "requests": false}, "schema: table default.bad_runs has other column types than aienergy writes: energy_j is Float64, want Nullable(Float64)"},
		{"columns missing", map[string]any{"url": srv.url, "table": "old_runs", "requests": false}, "schema: table default.old_runs lacks 2 columns this aienergy version writes; add them: ALTER TABLE default.old_runs ADD COLUMN `e2e_min_ms` Nullable(Float64), ADD COLUMN `e2e_max_ms` Nullable(Float64)"},
		{"missing database", map[string]any{"url": srv.url, "database": "nosuch"}, "database nosuch does not exist (CREATE DATABASE nosuch)"},
		{"unreachable", map[string]any{"url": closed.URL}, "unreachable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewClickHouse(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, r.dir)
			err = s.Send(testCtx(t), r.dir, r.sum, r.raw)
			sameSnapshot(t, before, snapshot(t, r.dir))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), s.Name()) {
				t.Fatalf("error %v; want one naming the sink and saying %q", err, tc.want)
			}
			t.Log(err)
		})
	}
	if n := len(srv.rows(t, "SELECT model FROM w_runs")); n != 2 {
		t.Errorf("user writer's send: %d rows in w_runs, want 2", n)
	}
}
