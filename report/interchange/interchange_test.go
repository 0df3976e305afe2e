package interchange

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// generate copies a fixture run (report's run-constant, or one of ours)
// to a temp dir, computes its summary with report.GenerateRaw and reads the
// raw data back, as the command layer will.
func generate(t *testing.T, fixture string) (string, *report.Summary, *rundir.Raw) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), filepath.Base(fixture))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"run.json", "power.csv", "requests.csv", "phases.csv"} {
		data, err := os.ReadFile(filepath.Join(fixture, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, _, err := report.GenerateRaw(dir)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := rundir.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, s, raw
}

const runConstant = "../testdata/run-constant"

func checkGolden(t *testing.T, got []byte, name string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./report/interchange -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from its golden file (go test ./report/interchange -update rewrites it after a deliberate change)\n got: %s", name, got)
	}
}

// decode parses written JSON generically, as a Python reader would.
func decode(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	return v
}

// at walks a decoded object along dotted keys.
func at(t *testing.T, v map[string]any, path string) any {
	t.Helper()
	var cur any = v
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s: %q is not an object", path, k)
		}
		if cur, ok = m[k]; !ok {
			t.Fatalf("%s: no key %q", path, k)
		}
	}
	return cur
}

func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}
