package compare

// frontAxes returns a row's energy and latency for the Pareto front, or
// false when either is missing.
func frontAxes(r Row, latency string) (energy, lat float64, ok bool) {
	l := r.E2EP50ms
	if latency == LatencyTTFT {
		l = r.TTFTP50ms
	}
	if r.JoulesPerOutputToken == nil || l == nil {
		return 0, 0, false
	}
	return *r.JoulesPerOutputToken, *l, true
}

// front marks the rows of a set that no other row of the set dominates:
// none is at least as good on both axes and better on one. Equal points
// are all on the front. Quadratic, which is fine for a leaderboard.
func front(rows []Row, set []int, latency string) {
	for _, i := range set {
		e, l, ok := frontAxes(rows[i], latency)
		if !ok {
			continue
		}
		dominated := false
		for _, j := range set {
			e2, l2, ok := frontAxes(rows[j], latency)
			if j == i || !ok {
				continue
			}
			if e2 <= e && l2 <= l && (e2 < e || l2 < l) {
				dominated = true
				break
			}
		}
		rows[i].Pareto = !dominated
	}
}
