package sink

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// snapshot is every file of a directory, to show a failing sink left the
// run directory as it was.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = fi.ModTime().String() + "\n" + string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameSnapshot(t *testing.T, before, after map[string]string) {
	t.Helper()
	if len(before) != len(after) {
		t.Errorf("the run directory changed: %d files before, %d after", len(before), len(after))
	}
	for p, v := range before {
		if after[p] != v {
			t.Errorf("the run directory changed: %s", p)
		}
	}
}

// num reads a value of an InfluxDB /query answer; ok is false for null.
func num(t *testing.T, v any) (float64, bool) {
	t.Helper()
	if v == nil {
		return 0, false
	}
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v (%T) is not a number", v, v)
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		t.Fatal(err)
	}
	return f, true
}

// rows turns one series into maps by column.
func rows(res []influxResult) []map[string]any {
	var out []map[string]any
	for _, r := range res {
		for _, s := range r.Series {
			for _, v := range s.Values {
				row := map[string]any{}
				for i, c := range s.Columns {
					row[c] = v[i]
				}
				out = append(out, row)
			}
		}
	}
	return out
}

func TestInfluxDB1RoundTrip(t *testing.T) {
	srv := startInfluxd(t)
	r := finishedRun(t, "run-two-models")
	srv.query(t, "", "CREATE DATABASE energy", true)
	t.Setenv("AIENERGY_TEST_INFLUX_PASSWORD", srv.password)
	s, err := NewInflux(map[string]any{"url": srv.url, "database": "energy", "username": srv.user,
		"password_env": "AIENERGY_TEST_INFLUX_PASSWORD", "requests": true})
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, r.dir)
	// Twice: a point is keyed by its tags and time, so sending a run
	// again overwrites it rather than adding a copy.
	for range 2 {
		if err := s.Send(testCtx(t), r.dir, r.sum, r.raw); err != nil {
			t.Fatal(err)
		}
	}
	sameSnapshot(t, before, snapshot(t, r.dir))

	got := rows(srv.query(t, "energy", `SELECT * FROM aienergy_run WHERE run_id = 'run-two-models'`, true))
	models := r.models(t)
	if len(got) != len(models) {
		t.Fatalf("%d aienergy_run points, want one per model (%d)", len(got), len(models))
	}
	started, err := time.Parse(time.RFC3339Nano, r.json["started_at"].(string))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range models {
		name := m["model"].(string)
		var row map[string]any
		for _, g := range got {
			if g["model"] == name {
				row = g
			}
		}
		if row == nil {
			t.Fatalf("no point with tag model=%q (tag escaping?); got %v", name, got)
		}
		for tag, want := range map[string]any{"run_id": "run-two-models", "host": "fixture host", "backend": "vllm"} {
			if row[tag] != want {
				t.Errorf("%s: tag %s = %v, want %v", name, tag, row[tag], want)
			}
		}
		end := m["window"].(map[string]any)["end_s"].(float64)
		wantTime := started.Add(time.Duration(end * float64(time.Second))).UnixNano()
		// Compared as text: a float64 holds ns epochs only to ~256 ns.
		if row["time"].(json.Number).String() != strconv.FormatInt(wantTime, 10) {
			t.Errorf("%s: time %v, want the measured window's end %d", name, row["time"], wantTime)
		}
		checked := 0
		for _, f := range figures {
			want, wantOK := r.figure(t, m, f.name)
			have, haveOK := num(t, row[f.name])
			switch {
			case wantOK != haveOK:
				t.Errorf("%s: field %s present=%v, summary.json has it=%v", name, f.name, haveOK, wantOK)
			case have != want:
				t.Errorf("%s: field %s = %v, summary.json has %v", name, f.name, have, want)
			default:
				checked++
			}
		}
		if row["energy_method"] != m["energy_method"] {
			t.Errorf("%s: energy_method %v, want %v", name, row["energy_method"], m["energy_method"])
		}
		t.Logf("%s: %d fields equal summary.json", name, checked)
		if checked < 60 {
			t.Errorf("%s: only %d figures compared", name, checked)
		}
	}

	reqs := rows(srv.query(t, "energy", `SELECT * FROM aienergy_request WHERE run_id = 'run-two-models'`, true))
	if len(reqs) != r.raw.Requests.Len() {
		t.Fatalf("%d aienergy_request points, want %d", len(reqs), r.raw.Requests.Len())
	}
	for _, q := range reqs {
		id, _ := num(t, q["id"])
		ttft, hasTTFT := num(t, q["ttft_ms"])
		switch id {
		case 0: // requests.csv: ttft_ms 100.000
			if !hasTTFT || ttft < 99.999 || ttft > 100.001 || q["model"] != "m1" || q["error_class"] != nil {
				t.Errorf("request 0: %v", q)
			}
		case 3: // the failed one: no first token
			if hasTTFT || q["error_class"] != "http" || q["ok"] != false {
				t.Errorf("request 3: %v", q)
			}
		}
	}
}

func TestInfluxDB1Errors(t *testing.T) {
	srv := startInfluxd(t)
	r := finishedRun(t, "run-two-models")
	srv.query(t, "", "CREATE DATABASE energy", true)
	// A field written before with another type makes the write a schema
	// error: completed is an integer in aienergy's points.
	srv.query(t, "", "CREATE DATABASE clash", true)
	// Same shard as the run's points: the end of m1's measured phase.
	stale := `aienergy_run,model=old,run_id=old completed="five" 1795392008000000000`
	req, _ := http.NewRequest(http.MethodPost, srv.url+"/write?db=clash", strings.NewReader(stale))
	req.SetBasicAuth(srv.user, srv.password)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("writing the clashing point: %v %v", resp, err)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	t.Setenv("AIENERGY_TEST_INFLUX_PASSWORD", srv.password)
	t.Setenv("AIENERGY_TEST_WRONG_PASSWORD", "nope")
	for _, tc := range []struct {
		name string
		opts map[string]any
		want string
	}{
		{"wrong password", map[string]any{"url": srv.url, "database": "energy", "username": srv.user, "password_env": "AIENERGY_TEST_WRONG_PASSWORD"}, "authentication failed (check username and password_env)"},
		{"no credentials", map[string]any{"url": srv.url, "database": "energy"}, "authentication failed"},
		{"missing database", map[string]any{"url": srv.url, "database": "nosuch", "username": srv.user, "password_env": "AIENERGY_TEST_INFLUX_PASSWORD"}, `database "nosuch" does not exist (create it: CREATE DATABASE "nosuch")`},
		{"field type clash", map[string]any{"url": srv.url, "database": "clash", "username": srv.user, "password_env": "AIENERGY_TEST_INFLUX_PASSWORD"}, "schema: InfluxDB rejected the points"},
		{"unreachable", map[string]any{"url": closed.URL, "database": "energy"}, "unreachable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewInflux(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, r.dir)
			err = s.Send(testCtx(t), r.dir, r.sum, r.raw)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), s.Name()) {
				t.Fatalf("error %v; want one naming the sink and saying %q", err, tc.want)
			}
			t.Log(err)
			sameSnapshot(t, before, snapshot(t, r.dir))
		})
	}
}

// TestInfluxDB2Request checks the documented 2.x write request against a
// loopback server: POST /api/v2/write?org=&bucket=&precision=ns with
// "Authorization: Token …" and line protocol in the body.
func TestInfluxDB2Request(t *testing.T) {
	r := finishedRun(t, "run-two-models")
	type request struct {
		method, path, auth, ctype string
		query                     map[string][]string
		body                      string
	}
	var got []request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		got = append(got, request{req.Method, req.URL.Path, req.Header.Get("Authorization"), req.Header.Get("Content-Type"), req.URL.Query(), string(b)})
		if req.Header.Get("Authorization") != "Token t0k3n" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"code":"unauthorized","message":"unauthorized access"}`)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	t.Setenv("AIENERGY_TEST_INFLUX_TOKEN", "t0k3n")
	s, err := NewInflux(map[string]any{"url": srv.URL, "org": "my org", "bucket": "energy", "token_env": "AIENERGY_TEST_INFLUX_TOKEN"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(testCtx(t), r.dir, r.sum, r.raw); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d requests, want 1", len(got))
	}
	q := got[0]
	if q.method != http.MethodPost || q.path != "/api/v2/write" || q.auth != "Token t0k3n" ||
		!strings.HasPrefix(q.ctype, "text/plain") ||
		strings.Join(q.query["org"], ",") != "my org" || strings.Join(q.query["bucket"], ",") != "energy" ||
		strings.Join(q.query["precision"], ",") != "ns" || q.query["db"] != nil {
		t.Errorf("request %+v is not the documented 2.x write", q)
	}
	lines := strings.Split(strings.TrimSuffix(q.body, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], `aienergy_run,backend=vllm,host=fixture\ host,model=org/Llama\ 3\,1\=8B\ "q"\ it's,run_id=run-two-models `) ||
		!strings.HasSuffix(lines[1], " 1795392017000000000") || !strings.Contains(lines[1], ",energy_j=1000,") || !strings.Contains(lines[1], "completed=5i,") {
		t.Errorf("body:\n%s", q.body)
	}

	t.Setenv("AIENERGY_TEST_INFLUX_TOKEN", "wrong")
	s, _ = NewInflux(map[string]any{"url": srv.URL, "org": "my org", "bucket": "energy", "token_env": "AIENERGY_TEST_INFLUX_TOKEN"})
	err = s.Send(testCtx(t), r.dir, r.sum, r.raw)
	if err == nil || !strings.Contains(err.Error(), "check token_env") || !strings.Contains(err.Error(), "unauthorized access") {
		t.Errorf("wrong token: %v", err)
	}
}
