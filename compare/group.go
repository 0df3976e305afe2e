package compare

import "slices"

// hardwareKey identifies the machine a row ran on. The host counts, not
// only the GPU model: two hosts differ in CPU, memory and power supply,
// which the headline energy may include, so they are flagged, never
// silently mixed.
func (r Row) hardwareKey() string {
	if r.GPU == "" {
		return r.Host + ", GPU model not recorded"
	}
	return r.Host + ", " + r.GPU
}

// assignGroups puts rows measured alike into numbered groups (in order of
// first appearance) and warns about every difference between them.
func assignGroups(rows []Row, runs []Run, warnings []string) ([]Group, []string) {
	var groups []Group
	index := map[string]int{}
	for i := range rows {
		r := &rows[i]
		key := r.hardwareKey() + "\x00" + r.energyKey
		id, ok := index[key]
		if !ok {
			id = len(groups) + 1
			index[key] = id
			groups = append(groups, Group{ID: id, Hardware: r.hardwareKey(), Energy: r.energyKey})
		}
		r.Group = id
		g := &groups[id-1]
		if !slices.Contains(g.Runs, r.RunID) {
			g.Runs = append(g.Runs, r.RunID)
		}
	}
	if len(groups) < 2 {
		return groups, warnings
	}
	hardware := map[string][]string{}
	energy := map[string][]string{}
	for _, r := range rows {
		addOnce(hardware, r.hardwareKey(), r.RunID)
		addOnce(energy, r.energyKey, r.RunID)
	}
	if len(hardware) > 1 {
		warnings = append(warnings, "runs were made on different hardware, so their energy is not directly comparable: "+listing(hardware))
	}
	if len(energy) > 1 {
		warnings = append(warnings, "energy figures sum different components or come from different meter kinds: "+listing(energy))
	}
	return groups, warnings
}

func addOnce(m map[string][]string, key, v string) {
	if !slices.Contains(m[key], v) {
		m[key] = append(m[key], v)
	}
}
