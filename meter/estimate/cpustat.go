package estimate

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
)

// cpuTimes is the machine-wide "cpu" line of /proc/stat, in clock ticks.
type cpuTimes struct {
	busy  uint64 // user + nice + system + irq + softirq
	total uint64 // busy + idle + iowait + steal
}

// parseCPUTimes reads the "cpu" line of /proc/stat:
//
//	cpu  user nice system idle iowait irq softirq steal guest guest_nice
//
// Kernels before 2.6.33 print fewer columns; the missing ones count as 0.
// guest and guest_nice are already included in user and nice (proc(5)),
// so adding them would count guest time twice.
func parseCPUTimes(stat []byte) (cpuTimes, error) {
	sc := bufio.NewScanner(bytes.NewReader(stat))
	for sc.Scan() {
		fields := bytes.Fields(sc.Bytes())
		if len(fields) == 0 || string(fields[0]) != "cpu" {
			continue
		}
		if len(fields) < 5 {
			return cpuTimes{}, fmt.Errorf(`the "cpu" line has %d columns, want at least 4 (user nice system idle)`, len(fields)-1)
		}
		var v [8]uint64 // user nice system idle iowait irq softirq steal
		for i := range v {
			if i+1 >= len(fields) {
				break
			}
			n, err := strconv.ParseUint(string(fields[i+1]), 10, 64)
			if err != nil {
				return cpuTimes{}, fmt.Errorf(`the "cpu" line: column %d is %q, not a tick count`, i+1, fields[i+1])
			}
			v[i] = n
		}
		busy := v[0] + v[1] + v[2] + v[5] + v[6]
		return cpuTimes{busy: busy, total: busy + v[3] + v[4] + v[7]}, nil
	}
	return cpuTimes{}, fmt.Errorf(`no "cpu" line`)
}

// utilization is the busy share of CPU time from prev to cur, in [0, 1],
// and false when no time has passed between them (two reads within one
// clock tick) or the counters went back (a virtualized /proc/stat that
// was reset), so that there is nothing to tell.
func utilization(prev, cur cpuTimes) (float64, bool) {
	if cur.total <= prev.total || cur.busy < prev.busy {
		return 0, false
	}
	u := float64(cur.busy-prev.busy) / float64(cur.total-prev.total)
	return min(u, 1), true
}
