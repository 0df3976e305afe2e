package compare

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// SummaryFile is the file a run directory must hold to be compared.
const SummaryFile = "summary.json"

// Run is one run directory's summary, as far as comparing needs it.
type Run struct {
	Dir     string // as found: the path given, or parent/child
	summary summaryFile
}

// ID is the run's id (its directory's base name when summary.json has none).
func (r Run) ID() string {
	if r.summary.RunID != "" {
		return r.summary.RunID
	}
	return filepath.Base(r.Dir)
}

// Name is the run's configured name.
func (r Run) Name() string { return r.summary.Name }

// Load reads runs. Each path is a run directory (it holds summary.json),
// a summary.json file, or a folder whose direct subdirectories are run
// directories — one level only, so that a folder of runs can be compared
// without picking up copies nested deeper. A path that yields no run is an
// error, as is a summary.json that cannot be read: a leaderboard that
// silently drops a run would mislead.
func Load(paths ...string) ([]Run, error) {
	if len(paths) == 0 {
		return nil, errors.New("compare: no run directories given: name run directories or a folder that holds them")
	}
	var runs []Run
	seen := map[string]bool{}
	add := func(dir string) error {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return err
		}
		if seen[abs] {
			return nil
		}
		seen[abs] = true
		r, err := readRun(dir)
		if err != nil {
			return err
		}
		runs = append(runs, r)
		return nil
	}
	for _, p := range paths {
		dirs, err := runDirs(p)
		if err != nil {
			return nil, err
		}
		for _, d := range dirs {
			if err := add(d); err != nil {
				return nil, err
			}
		}
	}
	return runs, nil
}

// runDirs resolves one argument to the run directories it names.
func runDirs(p string) ([]string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("compare: %w", err)
	}
	if !st.IsDir() {
		if filepath.Base(p) == SummaryFile {
			return []string{filepath.Dir(p)}, nil
		}
		return nil, fmt.Errorf("compare: %s is a file: give a run directory, its %s, or a folder of run directories", p, SummaryFile)
	}
	if isFile(filepath.Join(p, SummaryFile)) {
		return []string{p}, nil
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil, fmt.Errorf("compare: %w", err)
	}
	var dirs, unreported []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		child := filepath.Join(p, e.Name())
		switch {
		case isFile(filepath.Join(child, SummaryFile)):
			dirs = append(dirs, child)
		case isFile(filepath.Join(child, "run.json")):
			unreported = append(unreported, child)
		}
	}
	if len(dirs) == 0 {
		if isFile(filepath.Join(p, "run.json")) {
			unreported = append(unreported, p)
		}
		if len(unreported) > 0 {
			return nil, fmt.Errorf("compare: %s has no %s yet: run `aienergy report %s` first", p, SummaryFile, unreported[0])
		}
		return nil, fmt.Errorf("compare: no run directory in %s: neither it nor its subdirectories hold %s", p, SummaryFile)
	}
	slices.Sort(dirs) // ReadDir sorts already; stated because output order depends on it
	return dirs, nil
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// readRun decodes a run directory's summary.json.
func readRun(dir string) (Run, error) {
	path := filepath.Join(dir, SummaryFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return Run{}, fmt.Errorf("compare: %w", err)
	}
	var s summaryFile
	if err := json.Unmarshal(data, &s); err != nil {
		return Run{}, fmt.Errorf("compare: %s is not a valid summary: %w (regenerate it with `aienergy report %s`)", path, err, dir)
	}
	if !strings.HasPrefix(s.Schema, "aienergy.summary/v1") {
		if s.Schema == "" {
			return Run{}, fmt.Errorf("compare: %s has no schema field: it is not an aienergy summary", path)
		}
		return Run{}, fmt.Errorf("compare: %s has schema %q; this version reads aienergy.summary/v1 (regenerate it with `aienergy report %s`)", path, s.Schema, dir)
	}
	if len(s.Models) == 0 {
		return Run{}, fmt.Errorf("compare: %s lists no models: the run measured nothing to compare", path)
	}
	for i, m := range s.Models {
		if m.Model == "" {
			return Run{}, fmt.Errorf("compare: %s: models[%d] has no name", path, i)
		}
	}
	return Run{Dir: dir, summary: s}, nil
}
