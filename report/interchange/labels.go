package interchange

import (
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// labelStats are one label's figures, which its three files share: the
// size of its per-request lists, vLLM's statistics and optimum-benchmark's
// latencies.
type labelStats struct {
	vol  volume
	vllm vllmStats
	ob   obStats
}

// metricsPerLabel is how many metrics a labelStats holds.
const metricsPerLabel = 7

func newLabelStats(stream bool, exactLimit int) *labelStats {
	l := &labelStats{ob: obStats{stream: stream}}
	for _, m := range []*metric{&l.vllm.ttft, &l.vllm.tpot, &l.vllm.itl, &l.vllm.e2el, &l.ob.prefill, &l.ob.decode, &l.ob.perToken} {
		m.limit = exactLimit
	}
	return l
}

// statsOf makes the figures of labels in two passes over the run's
// requests, all labels at once: a label's files then cost it only the
// passes that write their lists. Percentiles need every value of the
// first pass (a sketch), spreads the mean too (the second); the exact
// values the sketches hold are shared out among the labels
// (exactLimitFor), so that a run of many labels holds no more than one.
func statsOf(raw *rundir.Raw, stream bool, labels ...string) (map[string]*labelStats, error) {
	out := map[string]*labelStats{}
	limit := exactLimitFor(metricsPerLabel * len(labels))
	for _, l := range labels {
		out[l] = newLabelStats(stream, limit)
	}
	if raw == nil || raw.Requests == nil {
		return out, nil
	}
	for pass := range 2 {
		err := raw.Requests.Each(func(q trace.Request) error {
			l := out[q.Model]
			if l == nil || q.Phase != trace.PhaseMeasured {
				return nil
			}
			if pass == 0 {
				l.vol.add(q)
				l.vllm.first(q)
				l.ob.first(q)
			} else {
				l.vllm.second(q)
				l.ob.second(q)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if pass == 0 {
			for _, l := range out {
				l.vllm.pk.start()
			}
		}
	}
	for _, l := range out {
		l.vllm.finish()
	}
	return out, nil
}
