package testenv

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Sysfs fixtures are text archives (the txtar format: "-- path --" lines,
// each followed by the file's contents) because sysfs names hold ':',
// which Go module zips refuse in file names. "-- path -> target --" makes
// a symlink, as sysfs's class directories are.

var txtarHeader = regexp.MustCompile(`^-- (.+?)(?: -> (.+))? --$`)

// SysfsTree unpacks the txtar archive at path into a temporary directory
// and returns it: a fake sysfs root for meters that read /sys.
func SysfsTree(t testing.TB, path string) string {
	t.Helper()
	f, err := os.Open(path)
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
		m := txtarHeader.FindStringSubmatch(line)
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

// SetFile overwrites a file of a fake sysfs tree, as the kernel would
// change it.
func SetFile(t testing.TB, root, rel, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(rel)), []byte(content+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}
