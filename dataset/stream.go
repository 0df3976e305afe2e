package dataset

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Limits on what reading a dataset may cost. They are constants: real
// prompt sets stay far below them, and a file that passes one fails with
// an error that names the limit rather than taking the benchmark down.
const (
	// maxRecordBytes bounds one record: a JSONL line, a CSV record, a
	// Parquet value. A prompt of a million tokens is about 4 MiB.
	maxRecordBytes = 16 << 20
	// maxKeptBytes bounds the memory of the prompts kept, keptOverhead
	// counted for each besides its text, and maxRows the rows counted or
	// kept: a file is streamed, and without Shuffle it is read only as
	// far as NumSamples needs. 64 MiB is some 16 million tokens of input.
	maxKeptBytes = 64 << 20
	keptOverhead = 32 // a string header and allocation rounding
	maxRows      = 10_000_000
)

// table is what a source's reader reports besides its prompts: the column
// read and the null or empty values skipped. yield receives the prompts.
type table struct {
	column  string
	skipped int
	yield   func(string) bool
}

// add hands s to yield unless it is blank, and reports whether to read on.
func (t *table) add(s string) bool {
	if strings.TrimSpace(s) == "" {
		t.skipped++
		return true
	}
	return t.yield(s)
}

// rowsFunc streams a source's prompts in file order to yield, until yield
// returns false, and returns the table with its column and skipped count.
type rowsFunc func(yield func(string) bool) (table, error)

// collect reads from rows what spec needs and fills set: without
// Shuffle, the first NumSamples prompts and not a row more; with it, a
// count of the rows, then the NumSamples rows the shuffle picks, so that
// only those are held. The prompts are those sample would pick from the
// whole source.
func collect(set *Set, rows rowsFunc, spec Spec) (*Set, error) {
	n := spec.NumSamples
	if !spec.Shuffle || n <= 0 {
		kept, t, err := keep(set.Source, rows, nil, n)
		if err != nil {
			return nil, err
		}
		set.Column, set.Skipped = t.column, t.skipped
		return sample(set, kept, spec), nil
	}
	count := 0
	t, err := rows(func(string) bool { count++; return count <= maxRows })
	if err != nil {
		return nil, err
	}
	if count > maxRows {
		return nil, fmt.Errorf("%s has more than %d rows, the most aienergy shuffles; turn scenario.shuffle off to read only the first num_samples rows", set.Source, maxRows)
	}
	set.Column, set.Skipped = t.column, t.skipped
	if count <= n {
		kept, _, err := keep(set.Source, rows, nil, 0)
		if err != nil {
			return nil, err
		}
		return sample(set, kept, spec), nil
	}
	// The shuffle of sample, done on row numbers: perm[i] is the row that
	// lands at position i.
	perm := make([]int32, count)
	for i := range perm {
		perm[i] = int32(i)
	}
	r := rand.New(rand.NewPCG(uint64(spec.Seed), shuffleStream))
	r.Shuffle(count, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	perm = perm[:n]
	wanted := slices.Clone(perm)
	slices.Sort(wanted)
	kept, _, err := keep(set.Source, rows, func(row int) bool {
		_, ok := slices.BinarySearch(wanted, int32(row))
		return ok
	}, n)
	if err != nil {
		return nil, err
	}
	// kept is in file order, as wanted; put each at its shuffled place.
	out := make([]string, n)
	for i, row := range perm {
		j, _ := slices.BinarySearchFunc(wanted, row, cmp.Compare)
		out[i] = kept[j]
	}
	set.Rows = count
	set.Prompts = out
	return set, nil
}

// keep reads rows and keeps the prompts that want picks by row number
// (nil: all), stopping after n of them (n <= 0: all), within maxKeptBytes
// and maxRows.
func keep(source string, rows rowsFunc, want func(row int) bool, n int) ([]string, table, error) {
	var (
		kept      []string
		row, size int
		err       error
	)
	t, rerr := rows(func(s string) bool {
		row++
		if want != nil && !want(row-1) {
			return true
		}
		size += len(s) + keptOverhead
		switch {
		case size > maxKeptBytes:
			err = fmt.Errorf("%s: the prompts to keep pass the %d MiB limit at row %d; set scenario.num_samples lower", source, maxKeptBytes>>20, row)
		case len(kept) == maxRows:
			err = fmt.Errorf("%s: more than %d prompts to keep, the limit; set scenario.num_samples lower", source, maxRows)
		}
		if err != nil {
			return false
		}
		kept = append(kept, s)
		return n <= 0 || len(kept) < n
	})
	if rerr != nil {
		return nil, t, rerr
	}
	return kept, t, err
}
