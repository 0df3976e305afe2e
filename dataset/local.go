package dataset

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// filePrefix marks a dataset name as a local file path.
const filePrefix = "file:"

// localPath says whether a dataset name is a local file and returns its
// path: "file:" names always are; so are absolute and ./ ../ paths and
// names with a file extension we read, which no Hub id ends in; and any
// name of an existing file. A folder is never taken for a file, so a
// local folder named like a Hub id does not hide the Hub dataset. A
// relative path is dir's.
func localPath(name, dir string) (string, bool) {
	in := func(p string) string {
		if dir == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	if p, ok := strings.CutPrefix(name, filePrefix); ok {
		if p == "" {
			return "", true
		}
		return in(p), true
	}
	if filepath.IsAbs(name) || strings.HasPrefix(name, "./") || strings.HasPrefix(name, "../") {
		return in(name), true
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".csv", ".parquet":
		return in(name), true
	}
	if st, err := os.Stat(in(name)); err == nil && st.Mode().IsRegular() {
		return in(name), true
	}
	return "", false
}

// loadFile reads a local file by its extension.
func loadFile(path string, spec Spec) (*Set, error) {
	if path == "" {
		return nil, fmt.Errorf("dataset %q: give a path after %q", spec.Name, filePrefix)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("dataset file %s: %w", path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("dataset file %s is a folder; name a .jsonl, .csv or .parquet file", path)
	}
	var read func(path, col string, yield func(string) bool) (table, error)
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".jsonl":
		read = readJSONL
	case ".csv":
		read = readCSV
	case ".parquet":
		read = readParquet
	default:
		return nil, fmt.Errorf("dataset file %s: unknown extension %q; use .jsonl, .csv or .parquet", path, ext)
	}
	rows := func(yield func(string) bool) (table, error) { return read(path, spec.TextColumn, yield) }
	set, err := collect(&Set{Source: path}, rows, spec)
	if err != nil {
		return nil, err
	}
	if len(set.Prompts) == 0 {
		return nil, fmt.Errorf("dataset file %s: no prompts in column %q (%d null or empty values)", path, set.Column, set.Skipped)
	}
	return set, nil
}

// columnCandidates lists the columns tried for a text column: the one
// asked for, and "prompt" after the default "text".
func columnCandidates(col string) []string {
	if col == "" || col == "text" {
		return []string{"text", "prompt"}
	}
	return []string{col}
}

// pickColumn returns the first candidate in have, or an error that lists
// what there is.
func pickColumn(where, col string, have []string) (string, error) {
	set := map[string]bool{}
	for _, h := range have {
		set[h] = true
	}
	for _, c := range columnCandidates(col) {
		if set[c] {
			return c, nil
		}
	}
	return "", missingColumn(where, col, have)
}

func missingColumn(where, col string, have []string) error {
	if col == "" {
		col = "text"
	}
	sorted := append([]string(nil), have...)
	sort.Strings(sorted)
	return fmt.Errorf("%s has no column %q; set scenario.text_column_name to one of: %s",
		where, col, strings.Join(sorted, ", "))
}
