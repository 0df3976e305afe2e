package estimate

import (
	"bufio"
	"bytes"
	"sort"
	"strings"
)

// A cpuPackage is one physical CPU package (socket) as /proc/cpuinfo
// describes it.
type cpuPackage struct {
	ID    string // "physical id"; "0" when cpuinfo has none
	Model string // "model name"; "" when cpuinfo has none (older ARM kernels)
}

// parsePackages returns the packages /proc/cpuinfo lists, in ID order.
// cpuinfo has one block per logical CPU; blocks with the same "physical
// id" are one package. Without "physical id" (ARM, some VMs) every logical
// CPU is taken to sit in one package.
func parsePackages(cpuinfo []byte) []cpuPackage {
	byID := map[string]*cpuPackage{}
	var cur cpuPackage
	var inBlock bool
	flush := func() {
		if !inBlock {
			return
		}
		if cur.ID == "" {
			cur.ID = "0"
		}
		if p, ok := byID[cur.ID]; !ok {
			c := cur
			byID[cur.ID] = &c
		} else if p.Model == "" {
			p.Model = cur.Model
		}
		cur, inBlock = cpuPackage{}, false
	}
	sc := bufio.NewScanner(bytes.NewReader(cpuinfo))
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case "processor":
			inBlock = true
		case "physical id":
			cur.ID = strings.TrimSpace(val)
		case "model name":
			cur.Model = strings.TrimSpace(val)
		}
	}
	flush()
	pkgs := make([]cpuPackage, 0, len(byID))
	for _, p := range byID {
		pkgs = append(pkgs, *p)
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].ID < pkgs[j].ID })
	return pkgs
}
