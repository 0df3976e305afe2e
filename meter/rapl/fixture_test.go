package rapl

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The sysfs fixtures are text archives (testdata/*.txtar, the txtar
// format: "-- path --" lines, each followed by the file's contents)
// because sysfs names hold ':', which Go module zips refuse in file
// names. "-- path -> target --" makes a symlink, as sysfs's class
// directories are. sysfsTree unpacks one into a temporary sysfs root.

var headerRE = regexp.MustCompile(`^-- (.+?)(?: -> (.+))? --$`)

func sysfsTree(t testing.TB, name string) string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	root := t.TempDir()
	var file string // the file being written, "" before the first header
	var body strings.Builder
	flush := func() {
		if file == "" {
			return
		}
		p := filepath.Join(root, filepath.FromSlash(file))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		m := headerRE.FindStringSubmatch(line)
		if m == nil {
			if file != "" {
				body.WriteString(line + "\n")
			}
			continue
		}
		flush()
		file = ""
		body.Reset()
		if m[2] != "" {
			p := filepath.Join(root, filepath.FromSlash(m[1]))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(m[2], p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		file = m[1]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	flush()
	return root
}

// setFile overwrites a file of a sysfs tree, as the kernel would change it.
func setFile(t testing.TB, root, rel, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(rel)), []byte(content+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}
