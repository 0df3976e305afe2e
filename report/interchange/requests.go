package interchange

import (
	"cmp"
	"math"
	"slices"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/rundir"
)

// measuredRequests returns a model's measured-phase requests in the order
// they were sent (by start time, then id): the population both formats
// describe. Warmup requests are left out, as summary.json leaves them out.
func measuredRequests(raw *rundir.Raw, model string) []analysis.Request {
	var out []analysis.Request
	for _, r := range raw.Requests {
		if r.Model == model && r.Phase == analysis.PhaseMeasured {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b analysis.Request) int {
		if c := cmp.Compare(a.Start, b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}

// ttft is a request's time to first content, in seconds; ok is false when
// no content arrived.
func ttft(r analysis.Request) (v float64, ok bool) {
	if math.IsNaN(r.FirstToken) {
		return 0, false
	}
	return r.FirstToken - r.Start, true
}

// itls are the gaps between a request's consecutive content chunks, in
// seconds: vLLM's per-request "itl" list and aienergy's ITL alike.
func itls(r analysis.Request) []float64 {
	out := []float64{}
	for i := 1; i < len(r.Chunks); i++ {
		out = append(out, r.Chunks[i]-r.Chunks[i-1])
	}
	return out
}
