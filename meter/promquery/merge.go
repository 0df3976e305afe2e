package promquery

import (
	"fmt"
	"sort"
)

// mergeSeries joins several series that carry one figure of one channel
// into one timeline. They are one device under changing labels: when a
// pod starts using a GPU, dcgm-exporter's series for it gains pod labels,
// so the old series ends and a new one starts; while two pods share the
// GPU it is repeated once per pod, with equal values in the same scrape.
// Series from one scrape share its timestamp, so they must agree wherever
// they meet, and a series may have a sample inside another's time span
// only where that one has a sample too. Anything else is two devices (two
// nodes' "gpu0") or two scrapers of one target, which interleave: an
// error asking for a narrower selector rather than a zigzag that a
// counter would read as resets.
func mergeSeries(ss []series, channel string, q quantity) ([]point, error) {
	if len(ss) == 1 {
		return ss[0].points, nil
	}
	type tagged struct {
		point
		series int
	}
	var all []tagged
	for i, s := range ss {
		for _, p := range s.points {
			all = append(all, tagged{p, i})
		}
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].t < all[b].t })
	var out []point
	for start := 0; start < len(all); {
		end := start + 1
		for end < len(all) && all[end].t == all[start].t {
			end++
		}
		group := all[start:end]
		present := map[int]bool{}
		for _, g := range group {
			present[g.series] = true
			if g.v != group[0].v {
				return nil, mergeError(ss, channel, q, group[0].series, g.series)
			}
		}
		t := group[0].t
		for i, s := range ss {
			if !present[i] && s.points[0].t < t && t < s.points[len(s.points)-1].t {
				return nil, mergeError(ss, channel, q, group[0].series, i)
			}
		}
		out = append(out, group[0].point)
		start = end
	}
	return out, nil
}

func mergeError(ss []series, channel string, q quantity, a, b int) error {
	return fmt.Errorf("%w (their samples interleave or differ in the window)",
		conflictError(channel, q, ss[a].labels, ss[b].labels))
}
