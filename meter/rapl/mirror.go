package rapl

import (
	"fmt"
	"io/fs"
)

// mirrorRounds is how many times the dies of a package are read back to
// back when looking for mirrors. A mirrored counter can tick between two
// reads (AMD updates it every millisecond); over several rounds at least
// one pair of reads lands between ticks.
const mirrorRounds = 5

// dropMirrors removes the die-level package domains whose counter is the
// counter of an earlier die of the same socket, with their children.
//
// The kernel makes one RAPL package per die (topology_logical_die_id) and
// names it package-N-die-M when a socket has more than one. On Intel
// multi-die parts each die has a counter of its own, and all of them are
// kept. On AMD the package counter is socket-wide, and kernels that report
// CCDs as dies (Zen 1 and 2 Threadripper/EPYC, Zen parts with CPUID leaf
// 0x80000026) show it once per die: summing those multiplies CPU energy by
// the die count (CodeCarbon issue #1274, 68 W + 68 W = 137 W on a
// Threadripper 1950X). Two independent counters, in microjoules and
// running since boot, are never exactly equal by chance, so equal nonzero
// readings mean one counter. A socket left with a single die reports as
// the whole package, cpu-package-N.
func dropMirrors(fsys fs.FS, doms []domain) (kept []domain, skipped []string, err error) {
	groups := map[int][]int{} // socket -> indexes of its die-level package domains
	var sockets []int
	for i, d := range doms {
		if d.kind == kindPackage && d.die >= 0 {
			if _, ok := groups[d.pkg]; !ok {
				sockets = append(sockets, d.pkg)
			}
			groups[d.pkg] = append(groups[d.pkg], i)
		}
	}
	mirrorOf := map[string]string{} // die key -> key of the die it mirrors
	collapsed := map[int]bool{}     // sockets left with one die
	for _, pkg := range sockets {
		idx := groups[pkg]
		if len(idx) < 2 {
			continue
		}
		found, err := findMirrors(fsys, doms, idx)
		if err != nil {
			return nil, nil, err
		}
		for k, v := range found {
			mirrorOf[k] = v
		}
		collapsed[pkg] = len(idx)-len(found) == 1
	}
	for _, d := range doms {
		if first, ok := mirrorOf[d.key]; ok {
			skipped = append(skipped, fmt.Sprintf("%s (%q): mirrors the counter of %s, read there", d.zone.id, d.zone.name, first))
			continue
		}
		if first, ok := mirrorOf[d.parent]; ok {
			skipped = append(skipped, fmt.Sprintf("%s (%q): under %s, which mirrors %s: read under that one", d.zone.id, d.zone.name, d.parent, first))
			continue
		}
		if collapsed[d.pkg] && d.kind != kindPsys {
			d.die = -1
		}
		kept = append(kept, d)
	}
	return kept, skipped, nil
}

// findMirrors reads the dies doms[idx] mirrorRounds times and maps each die
// that mirrors an earlier one to that die's key.
func findMirrors(fsys fs.FS, doms []domain, idx []int) (map[string]string, error) {
	mirrorOf := map[string]string{}
	values := make([]uint64, len(idx))
	for range mirrorRounds {
		for j, i := range idx {
			v, err := readMicro(fsys, doms[i].energyFile())
			if err != nil {
				return nil, err
			}
			values[j] = v
		}
		for j := 1; j < len(idx); j++ {
			if _, done := mirrorOf[doms[idx[j]].key]; done {
				continue
			}
			// The first earlier die that is not itself a mirror.
			for i := range j {
				if _, dup := mirrorOf[doms[idx[i]].key]; !dup && values[i] == values[j] && values[j] != 0 {
					mirrorOf[doms[idx[j]].key] = doms[idx[i]].key
					break
				}
			}
		}
	}
	return mirrorOf, nil
}
