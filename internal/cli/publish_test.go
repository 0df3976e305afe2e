package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/sink"
)

// A reporter's type and options are checked against the sink registry
// before anything runs, each mistake at its own key and line.
func TestBadReportersStopThePlan(t *testing.T) {
	const sim = "backend: {type: sim, model: m}\n"
	known := strings.Join(sink.Kinds(), ", ") // clickhouse, csv, influxdb, json, mlflow, and any added since
	dir := t.TempDir()
	cases := []struct {
		name, yaml string
		want       []string // lines of stderr, in order
	}{
		{"type typo", sim + "reporter:\n  - type: csv\n    output_file: a.csv\n  - type: jsn\n",
			[]string{`bad.yaml:5: reporter[1].type: unknown reporter type "jsn" (valid: ` + known + `; did you mean "json"?)`}},
		{"type far off", sim + "reporter: {type: prometheus}\n",
			[]string{`bad.yaml:2: reporter.type: unknown reporter type "prometheus" (valid: ` + known + ")"}},
		{"option of another kind", sim + "reporter:\n  type: influxdb\n  url: http://127.0.0.1:8086\n  database: energy\n  experiment: e\n",
			[]string{`bad.yaml:6: reporter.experiment: unknown option for influxdb reporters (known: bucket, database, measurement, org, `}},
		{"file reporter with a url", sim + "reporter:\n  - {type: json, output_file: s.json}\n  - type: csv\n    url: http://h\n",
			[]string{`bad.yaml:5: reporter[1].url: unknown option for csv reporters (known: output_file)`}},
		{"every mistake at once", sim + "reporter:\n  type: clickhouse\n  table: \"a b\"\n",
			[]string{`bad.yaml:2: reporter.url: missing (for example url: http://127.0.0.1:8123)`,
				`bad.yaml:4: reporter.table: "a b" is not a plain identifier`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, "bad.yaml")
			if err := os.WriteFile(path, []byte(c.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code := runCLI(t, "run", path, "--dry-run")
			if code == 0 {
				t.Fatalf("exit 0; stdout %s", stdout)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) != len(c.want) {
				t.Fatalf("stderr has %d lines, want %d:\n%s", len(lines), len(c.want), stderr)
			}
			for i, w := range c.want {
				if !strings.Contains(lines[i], w) {
					t.Errorf("stderr line %d = %q, want it to contain %q", i+1, lines[i], w)
				}
			}
		})
	}
}

// The file reporters write outside the run directory through the same
// registry as the databases, and `report --publish` resends to them from
// run.json alone: the csv file then holds two runs' rows.
func TestFileReportersWriteTheirFiles(t *testing.T) {
	tmp := t.TempDir()
	csvOut, jsonOut := filepath.Join(tmp, "out", "all.csv"), filepath.Join(tmp, "out", "summary.json")
	cfg := filepath.Join(tmp, "r.yaml")
	err := os.WriteFile(cfg, []byte("backend: {type: sim, model: sim-model}\nscenario: {num_samples: 4}\n"+
		"phases: {idle_before: 0s, warmup_requests: 0, idle_after: 0s}\n"+
		"reporter:\n  - {type: csv, output_file: "+csvOut+"}\n  - {type: json, output_file: "+jsonOut+"}\n  - {type: json}\n"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "run")
	stdout, stderr, code := runCLI(t, "run", cfg, "--output", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"sent the results to csv " + csvOut, "sent the results to json " + jsonOut} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if n := strings.Count(stdout, "sent the results to"); n != 2 {
		t.Errorf("%d reporters said they sent, want 2 (a json reporter without output_file has nothing to send)", n)
	}
	summary := mustRead(t, filepath.Join(dir, "summary.json"))
	if got := mustRead(t, jsonOut); got != summary {
		t.Errorf("%s differs from the run's summary.json", jsonOut)
	}
	results := mustRead(t, filepath.Join(dir, "results.csv"))
	if got := mustRead(t, csvOut); got != results {
		t.Errorf("%s = %q, want results.csv's rows %q", csvOut, got, results)
	}

	if _, stderr, code := runCLI(t, "report", dir, "--publish"); code != 0 {
		t.Fatalf("report --publish: exit %d: %s", code, stderr)
	}
	header, rows, _ := strings.Cut(results, "\n")
	if got, want := mustRead(t, csvOut), header+"\n"+rows+rows; got != want {
		t.Errorf("after resending, %s = %q, want the header once and the rows twice %q", csvOut, got, want)
	}
	if !bytes.Equal([]byte(mustRead(t, jsonOut)), []byte(mustRead(t, filepath.Join(dir, "summary.json")))) {
		t.Errorf("after resending, %s differs from summary.json", jsonOut)
	}
}

func TestIsSink(t *testing.T) {
	for kind, want := range map[string]bool{"csv": true, "json": true, "influxdb": true, "clickhouse": true, "mlflow": true, "jsn": false, "": false} {
		if got := isSink(kind); got != want {
			t.Errorf("isSink(%q) = %v, want %v", kind, got, want)
		}
	}
}
