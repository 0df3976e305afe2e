package merge

import (
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/aienergy/aienergy/rundir"
)

// maxID bounds a request id the merge checks for uniqueness: ids are
// request indexes, so a larger one is a damaged cell.
const maxID = 1 << 31

// idSet is a bitset of the request ids seen, per model label: ids are
// dense from 0, so 17 M requests take 2 MB.
type idSet map[string][]uint64

// add records id and reports whether it was new.
func (s idSet) add(model string, id int) bool {
	bits := s[model]
	w := id / 64
	if w >= len(bits) {
		bits = append(bits, make([]uint64, w+1-len(bits))...)
		s[model] = bits
	}
	mask := uint64(1) << (id % 64)
	if bits[w]&mask != 0 {
		return false
	}
	bits[w] |= mask
	return true
}

// timeColumns are requests.csv's times since the run's origin; the rest
// (ttft_ms, e2e_ms, chunk_ms) are relative to the request and stay.
var timeColumns = []string{"start_s", "first_token_s", "end_s"}

// mergeRequests concatenates the shards' requests.csv on the merged clock
// and returns each shard's number of requests. Two requests of one model
// with the same id are an error: the shards did not split one schedule.
func (m *merger) mergeRequests() (map[int]int, error) {
	counts := map[int]int{}
	var out *outFile
	seen := idSet{}
	for _, s := range m.shards {
		t, err := openTable(s.dir, rundir.RequestsFile, "id", "model", "phase", "start_s", "end_s")
		if err != nil {
			return nil, fmt.Errorf("shard %s: %w", s.dir, err)
		}
		if out == nil {
			if out, err = createOut(filepath.Join(m.out, rundir.RequestsFile), t.header); err != nil {
				return nil, err
			}
			defer func() {
				if out != nil {
					out.close()
				}
			}()
		}
		cols := out.columnMap(t)
		var times []int
		for _, c := range timeColumns {
			if i, ok := t.col[c]; ok {
				times = append(times, i)
			}
		}
		idCol, modelCol := t.col["id"], t.col["model"]
		index := s.meta.Shard.Index
		skipped, first, err := t.each(func(row []string) error {
			id, err := strconv.Atoi(row[idCol])
			if err != nil || id < 0 || id >= maxID {
				return rowError{fmt.Errorf("id %q is not a request id", row[idCol])}
			}
			for _, i := range times {
				if row[i], err = shift(row[i], s.offset); err != nil {
					return rowError{fmt.Errorf("%s: %v", t.header[i], err)}
				}
			}
			if !seen.add(row[modelCol], id) {
				return fmt.Errorf("request %d of %s is in shard %d (%s) and an earlier shard: the shards did not split one schedule (each needs its own load.shard.index)",
					id, row[modelCol], index, s.dir)
			}
			counts[index]++
			return out.write(row, cols)
		})
		if err != nil {
			return nil, err
		}
		if skipped > 0 {
			m.warnf("shard %d: %s: %d unreadable row(s) left out; the first: %s", index, t.path, skipped, first)
		}
		if t.truncated {
			m.warnf("shard %d: %s: dropped an incomplete last row (the run was cut off while writing)", index, t.path)
		}
	}
	err := out.close()
	out = nil
	return counts, err
}
