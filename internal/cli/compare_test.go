package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompareCommand(t *testing.T) {
	runs := "../../compare/testdata/runs"
	stdout, stderr, code := runCLI(t, "compare", runs)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"llama3.1:8b", "★★★★★", "Pareto front", "different hardware"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text leaderboard lacks %q:\n%s", want, stdout)
		}
	}
	out := filepath.Join(t.TempDir(), "lb.html")
	if _, stderr, code := runCLI(t, "compare", runs, "--format", "html", "--output", out); code != 0 {
		t.Fatalf("html: exit %d: %s", code, stderr)
	}
	if data, _ := os.ReadFile(out); !strings.Contains(string(data), "<svg") {
		t.Error("the HTML leaderboard has no chart")
	}
	stdout, _, _ = runCLI(t, "compare", runs, "--format", "csv")
	if lines := strings.Count(stdout, "\n"); lines != 7 {
		t.Errorf("CSV has %d lines, want a header and 6 rows:\n%s", lines, stdout)
	}
	if _, stderr, code := runCLI(t, "compare", runs, "--format", "pdf"); code != exitUsage || !strings.Contains(stderr, "want text, markdown, csv or html") {
		t.Errorf("bad format: exit %d, %q", code, stderr)
	}
	if _, stderr, code := runCLI(t, "compare", t.TempDir()); code == 0 || stderr == "" {
		t.Errorf("an empty folder: exit %d, %q; want a clear error", code, stderr)
	}
}
