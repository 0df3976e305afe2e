package compare

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadPaths(t *testing.T) {
	tests := []struct {
		name  string
		paths []string
		want  []string // run ids, in order
	}{
		{"parent folder", []string{"testdata/runs"}, []string{"a-h100", "b-h100", "c-a100"}},
		{"run directories", []string{"testdata/runs/c-a100", "testdata/runs/a-h100"}, []string{"c-a100", "a-h100"}},
		{"summary file", []string{"testdata/runs/b-h100/summary.json"}, []string{"b-h100"}},
		{"duplicates once", []string{"testdata/runs/a-h100", "testdata/runs", "testdata/runs/a-h100/"}, []string{"a-h100", "b-h100", "c-a100"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs, err := Load(tt.paths...)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range runs {
				got = append(got, r.ID())
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("runs %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, text string) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return filepath.Dir(p)
	}
	unreported := write("unreported/run.json", `{}`)
	badJSON := write("bad/summary.json", `{"schema": "aienergy.summary/v1", "models": [`)
	v2 := write("v2/summary.json", `{"schema": "aienergy.summary/v2", "models": [{"model": "m"}]}`)
	noSchema := write("noschema/summary.json", `{"models": [{"model": "m"}]}`)
	noModels := write("nomodels/summary.json", `{"schema": "aienergy.summary/v1", "models": []}`)
	noName := write("noname/summary.json", `{"schema": "aienergy.summary/v1", "models": [{"completed": 1}]}`)
	file := write("plain/notes.txt", "x")
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		paths []string
		want  string
	}{
		{"nothing given", nil, "no run directories given"},
		{"missing", []string{filepath.Join(dir, "nope")}, "no such file"},
		{"empty folder", []string{empty}, "no run directory in"},
		{"not reported", []string{unreported}, "aienergy report"},
		{"bad json", []string{badJSON}, "not a valid summary"},
		{"other schema", []string{v2}, `schema "aienergy.summary/v2"`},
		{"no schema", []string{noSchema}, "no schema field"},
		{"no models", []string{noModels}, "lists no models"},
		{"model without name", []string{noName}, "models[0] has no name"},
		{"a file", []string{filepath.Join(file, "notes.txt")}, "is a file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.paths...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
