package compare

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func golden(t *testing.T, name string, got []byte) {
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
		t.Fatalf("%v (run go test ./compare -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./compare -update rewrites it); got:\n%s", name, got)
	}
}

func TestGoldenOutputs(t *testing.T) {
	lb := fixture(t, Options{})
	writers := []struct {
		file  string
		write func(*bytes.Buffer) error
	}{
		{"leaderboard.txt", func(b *bytes.Buffer) error { return lb.WriteText(b) }},
		{"leaderboard.md", func(b *bytes.Buffer) error { return lb.WriteMarkdown(b) }},
		{"leaderboard.csv", func(b *bytes.Buffer) error { return lb.WriteCSV(b) }},
	}
	for _, w := range writers {
		t.Run(w.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := w.write(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, w.file, b.Bytes())
		})
	}
}

func TestCSVColumnsFixed(t *testing.T) {
	// A board with a measure run (J/item column in the text table) and one
	// without have the same CSV columns, and every record has all of them.
	lb := fixture(t, Options{})
	var b bytes.Buffer
	if err := lb.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != strings.Join(CSVHeader, ",") || len(recs) != 1+len(lb.Rows) {
		t.Fatalf("header %v, %d records", recs[0], len(recs))
	}
	col := map[string]int{}
	for i, h := range CSVHeader {
		col[h] = i
	}
	for _, rec := range recs[1:] {
		if rec[col["model"]] == "tiny" {
			// No energy: empty cells, never zeros.
			for _, c := range []string{"stars", "joules_per_output_token", "wh_per_1000_queries", "gco2eq_per_1000_queries"} {
				if rec[col[c]] != "" {
					t.Errorf("tiny %s = %q, want empty", c, rec[col[c]])
				}
			}
		}
	}
}

func TestHTML(t *testing.T) {
	runs, err := Load("testdata/runs")
	if err != nil {
		t.Fatal(err)
	}
	// A hostile model name must come out escaped, in the table and the SVG.
	runs[0].summary.Models[0].Model = `<script>alert(1)</script>-8b`
	lb, err := Compare(runs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := lb.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(page, "<script") {
		t.Error("page holds a script element: a model name was not escaped")
	}
	for _, banned := range []string{"src=", "<link", "@import", "url("} {
		if strings.Contains(page, banned) {
			t.Errorf("page refers to an external asset (%s)", banned)
		}
	}
	svgs := regexp.MustCompile(`(?s)<svg .*?</svg>`).FindAllString(page, -1)
	if len(svgs) != 2 {
		t.Fatalf("%d SVG charts, want 2 (energy vs latency, power vs size)", len(svgs))
	}
	// Energy vs latency: the 5 rows with J/token and e2e p50 (tiny has no
	// energy); one front line (group 1's three points; group 2's front is
	// a single point, no line).
	scatter := svgs[0]
	if n := strings.Count(scatter, `class="pt"`); n != 5 {
		t.Errorf("%d points in the energy-latency chart, want 5", n)
	}
	if n := strings.Count(scatter, `class="front"`); n != 1 {
		t.Errorf("%d front lines, want 1", n)
	}
	if m := regexp.MustCompile(`class="front" points="([^"]*)"`).FindStringSubmatch(scatter); m == nil || len(strings.Fields(m[1])) != 3 {
		t.Errorf("front line %v, want 3 vertices", m)
	}
	if n := strings.Count(svgs[1], `class="sz"`); n != 5 {
		t.Errorf("%d points in the power-size chart, want 5", n)
	}
	// Each SVG is well-formed XML, so browsers draw it as written.
	for i, s := range svgs {
		if err := xml.Unmarshal([]byte(s), new(struct{})); err != nil {
			t.Errorf("chart %d is not well-formed: %v", i, err)
		}
	}
	if !strings.Contains(page, "&lt;script&gt;") {
		t.Error("the escaped model name is missing")
	}
}
