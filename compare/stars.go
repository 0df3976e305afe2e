package compare

import (
	"fmt"
	"math"
	"slices"
)

// Star metrics, named as the tables show them.
const (
	MetricGPUWh = "gpu Wh/1000q"
	MetricWh    = "Wh/1000q"
	MetricJItem = "J/item"
)

// ratingSets partitions row indices into the sets rated together: one per
// task and comparable group, or per task alone when mixing groups.
func ratingSets(rows []Row, mix bool) [][]int {
	index := map[string]int{}
	var sets [][]int
	for i, r := range rows {
		key := r.Task
		if !mix {
			key += fmt.Sprintf("\x00%d", r.Group)
		}
		n, ok := index[key]
		if !ok {
			n = len(sets)
			index[key] = n
			sets = append(sets, nil)
		}
		sets[n] = append(sets[n], i)
	}
	return sets
}

// rate gives each row of a set its stars (see the package comment).
func rate(rows []Row, set []int) []string {
	metric, value := starMetric(rows, set)
	var warnings []string
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, i := range set {
		v := value(rows[i])
		if v == nil {
			continue
		}
		lo, hi = math.Min(lo, *v), math.Max(hi, *v)
	}
	for _, i := range set {
		r := &rows[i]
		r.StarMetric = metric
		v := value(*r)
		if v == nil {
			warnings = append(warnings, fmt.Sprintf("run %s, model %s: no %s figure, so no stars", r.RunID, r.Model, metric))
			continue
		}
		x := *v
		r.StarValue = &x
		r.Stars = stars(x, lo, hi)
	}
	return warnings
}

// stars maps x in [lo, hi] onto five equal sections, lowest → 5 stars.
func stars(x, lo, hi float64) int {
	if !(hi > lo) {
		return 5
	}
	section := int(math.Floor(5 * (x - lo) / (hi - lo)))
	return 5 - min(4, max(0, section))
}

// starMetric picks what a set is rated by: AIEnergyScore's GPU energy
// per 1000 queries when every row with energy has it, else the headline
// energy per 1000 queries; J per item for measure runs, which count items,
// not queries.
func starMetric(rows []Row, set []int) (string, func(Row) *float64) {
	measure := slices.ContainsFunc(set, func(i int) bool {
		return rows[i].Task == TaskMeasure || rows[i].JoulesPerItem != nil && rows[i].WhPer1000Queries == nil
	})
	if measure {
		return MetricJItem, func(r Row) *float64 { return r.JoulesPerItem }
	}
	allGPU := true
	for _, i := range set {
		r := rows[i]
		if r.WhPer1000Queries != nil && r.GPUWhPer1000Queries == nil {
			allGPU = false
		}
	}
	if allGPU {
		return MetricGPUWh, func(r Row) *float64 { return r.GPUWhPer1000Queries }
	}
	return MetricWh, func(r Row) *float64 { return r.WhPer1000Queries }
}

// classify splits text generation into AIEnergyScore's size classes.
func classify(rows []Row) []string {
	var warnings []string
	for i := range rows {
		r := &rows[i]
		if r.Task != TaskTextGeneration {
			continue
		}
		if r.Params == nil {
			r.Task += " (class ?)"
			warnings = append(warnings, fmt.Sprintf("run %s, model %s: size unknown, so no size class: give it with --size %s=PARAMETERS", r.RunID, r.Model, r.Model))
			continue
		}
		r.Task += " (class " + sizeClass(*r.Params) + ")"
	}
	return warnings
}
