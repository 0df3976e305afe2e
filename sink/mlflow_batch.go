package sink

import (
	"encoding/json"
	"regexp"
	"strconv"
)

// MLflow's limits on one runs/log-batch request (mlflow/utils/validation.py,
// and the REST API reference's "Request Limits"): at most 1000 metrics,
// 100 params, 100 tags, 1000 entities in all, 1 MB of JSON.
const (
	mlflowMaxMetrics   = 1000
	mlflowMaxParams    = 100
	mlflowMaxTags      = 100
	mlflowMaxEntities  = 1000
	mlflowMaxBatchSize = 1_000_000
	// Param values: recent servers take 6000 characters, MLflow 2.0–2.7
	// only 500; every 2.x server accepts 500, and the run directory,
	// attached as artifacts, holds the full values anyway.
	mlflowMaxParamValue = 500
	// Tag values: 5000 on older servers, 8000 on recent ones.
	mlflowMaxTagValue = 5000
	mlflowMaxKey      = 250
)

type mlflowMetric struct {
	Key       string  `json:"key"`
	Value     float64 `json:"value"`
	Timestamp int64   `json:"timestamp"` // ms since the Unix epoch
	Step      int64   `json:"step"`
}

type mlflowKV struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type mlflowBatch struct {
	RunID   string         `json:"run_id"`
	Metrics []mlflowMetric `json:"metrics,omitempty"`
	Params  []mlflowKV     `json:"params,omitempty"`
	Tags    []mlflowKV     `json:"tags,omitempty"`
}

// splitBatches packs metrics, params and tags into as few log-batch
// requests as MLflow's limits allow, keeping each kind in order.
func splitBatches(runID string, metrics []mlflowMetric, params, tags []mlflowKV) []mlflowBatch {
	var out []mlflowBatch
	cur := mlflowBatch{RunID: runID}
	size := 0
	flush := func() {
		if len(cur.Metrics)+len(cur.Params)+len(cur.Tags) > 0 {
			out = append(out, cur)
		}
		cur = mlflowBatch{RunID: runID}
		size = 0
	}
	// 200 bytes cover the envelope; an entity's JSON plus a comma adds the rest.
	room := func(entity any, count, max int) {
		b, _ := json.Marshal(entity)
		total := len(cur.Metrics) + len(cur.Params) + len(cur.Tags)
		if count >= max || total >= mlflowMaxEntities || 200+size+len(b)+1 > mlflowMaxBatchSize {
			flush()
		}
		size += len(b) + 1
	}
	for _, p := range params {
		room(p, len(cur.Params), mlflowMaxParams)
		cur.Params = append(cur.Params, p)
	}
	for _, t := range tags {
		room(t, len(cur.Tags), mlflowMaxTags)
		cur.Tags = append(cur.Tags, t)
	}
	for _, m := range metrics {
		room(m, len(cur.Metrics), mlflowMaxMetrics)
		cur.Metrics = append(cur.Metrics, m)
	}
	flush()
	return out
}

// mlflowKeyBad matches what MLflow does not allow in a key: it takes
// letters, digits, _ - . space and /.
var mlflowKeyBad = regexp.MustCompile(`[^A-Za-z0-9_\-. /]`)

// mlflowKey makes s a valid MLflow key.
func mlflowKey(s string) string {
	s = mlflowKeyBad.ReplaceAllString(s, "_")
	if len(s) > mlflowMaxKey {
		s = s[:mlflowMaxKey]
	}
	return s
}

// truncate shortens v to at most n bytes, on a rune boundary, marking
// the cut.
func truncate(v string, n int) string {
	if len(v) <= n {
		return v
	}
	cut := n - len("…")
	for cut > 0 && !utf8RuneStart(v[cut]) {
		cut--
	}
	return v[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// modelPrefixes gives each model a metric key prefix, unique even when
// two names differ only in characters MLflow does not allow.
func modelPrefixes(models []string) []string {
	seen := map[string]bool{}
	out := make([]string, len(models))
	for i, m := range models {
		p := mlflowKey(m)
		for n := 2; seen[p]; n++ {
			p = mlflowKey(m) + "_" + strconv.Itoa(n)
		}
		seen[p] = true
		out[i] = p
	}
	return out
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
