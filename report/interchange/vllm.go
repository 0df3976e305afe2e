package interchange

import (
	"cmp"
	"io"
	"iter"
	"math"
	"slices"
	"time"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// The JSON `vllm bench serve --save-result --save-detailed
// --percentile-metrics ttft,tpot,itl,e2el --metric-percentiles 90,99`
// writes, matched against vllm/benchmarks/serve.py (vllm-project/vllm
// 009e6d4a: main_async's result_json, benchmark()'s result dict and
// calculate_metrics; vllm_rules_test.go holds the rules): the same
// keys, in the same order and units (durations s, per-request times s,
// summary latencies ms, np.std population spread, np.percentile linear
// percentiles), over one model's measured phase (warmup excluded).
//
// Where aienergy's data differs from what vLLM would record:
//   - date is the measured phase's end, UTC, in vLLM's "%Y%m%d-%H%M%S";
//   - the traffic keys are the label's own load (report.Summary.LoadOf):
//     closed loop (sequential, concurrency, a concurrency sweep point)
//     is vLLM's request_rate "inf" with max_concurrency the point's
//     concurrency; open loop (rate mode, a rate sweep point) is its
//     request_rate with load.max_concurrency (null for none); burstiness
//     is load.burstiness, vLLM's default 1.0 when unset (Poisson) — with
//     load.arrival constant, which vLLM cannot express, aienergy_arrival
//     says so;
//   - model_id is the served model (the label without its variant);
//     tokenizer_id is the same model, whose server counted the tokens
//     (usage), and null when the counts are estimates
//     (aienergy_tokens_estimated);
//   - generated_texts and queue_times are left out (not recorded per
//     request);
//   - errors holds the error class (connect, http, timeout, protocol,
//     canceled) where vLLM holds the message; per-request arrays follow
//     vLLM's conventions for a failed request (output_len 0, latency 0,
//     ttft 0 unless content arrived);
//   - a statistic over no values is null where vLLM writes 0;
//   - aienergy_* keys add the energy figures (vLLM's --metadata adds
//     top-level keys the same way, so readers ignore them).
type vllmResult struct {
	Date           string  `json:"date"`
	EndpointType   string  `json:"endpoint_type"`
	Backend        string  `json:"backend"`
	Label          *string `json:"label"`
	ModelID        string  `json:"model_id"`
	TokenizerID    *string `json:"tokenizer_id"`
	NumPrompts     int     `json:"num_prompts"`
	RequestRate    any     `json:"request_rate"` // a number, "inf" or null
	Burstiness     float64 `json:"burstiness"`
	MaxConcurrency *int    `json:"max_concurrency"`

	Duration             float64  `json:"duration"`
	Completed            int      `json:"completed"`
	Failed               int      `json:"failed"`
	TotalInputTokens     int      `json:"total_input_tokens"`
	TotalOutputTokens    int      `json:"total_output_tokens"`
	RequestThroughput    float64  `json:"request_throughput"`
	RequestGoodput       *float64 `json:"request_goodput"` // null: no goodput SLO given, as vLLM
	OutputThroughput     float64  `json:"output_throughput"`
	TotalTokenThroughput float64  `json:"total_token_throughput"`

	InputLens  []int         `json:"input_lens"`
	OutputLens []int         `json:"output_lens"`
	TTFTs      []float64     `json:"ttfts"`
	ITLs       *streamedList `json:"itls"` // a list of lists: per request, its gaps (itlSeq)
	Latencies  []float64     `json:"latencies"`
	StartTimes []float64     `json:"start_times"` // seconds since the run's clock origin
	Errors     []string      `json:"errors"`

	MaxOutputTokensPerS   float64 `json:"max_output_tokens_per_s"`
	MaxConcurrentRequests int     `json:"max_concurrent_requests"`
	RTFx                  float64 `json:"rtfx"` // audio only; 0 as vLLM writes for text

	MeanTTFTMs   *float64 `json:"mean_ttft_ms"`
	MedianTTFTMs *float64 `json:"median_ttft_ms"`
	StdTTFTMs    *float64 `json:"std_ttft_ms"`
	P90TTFTMs    *float64 `json:"p90_ttft_ms"`
	P99TTFTMs    *float64 `json:"p99_ttft_ms"`
	MeanTPOTMs   *float64 `json:"mean_tpot_ms"`
	MedianTPOTMs *float64 `json:"median_tpot_ms"`
	StdTPOTMs    *float64 `json:"std_tpot_ms"`
	P90TPOTMs    *float64 `json:"p90_tpot_ms"`
	P99TPOTMs    *float64 `json:"p99_tpot_ms"`
	MeanITLMs    *float64 `json:"mean_itl_ms"`
	MedianITLMs  *float64 `json:"median_itl_ms"`
	StdITLMs     *float64 `json:"std_itl_ms"`
	P90ITLMs     *float64 `json:"p90_itl_ms"`
	P99ITLMs     *float64 `json:"p99_itl_ms"`
	MeanE2ELMs   *float64 `json:"mean_e2el_ms"`
	MedianE2ELMs *float64 `json:"median_e2el_ms"`
	StdE2ELMs    *float64 `json:"std_e2el_ms"`
	P90E2ELMs    *float64 `json:"p90_e2el_ms"`
	P99E2ELMs    *float64 `json:"p99_e2el_ms"`

	Arrival              string   `json:"aienergy_arrival,omitempty"` // open loop only
	Tool                 string   `json:"aienergy_tool"`
	RunID                string   `json:"aienergy_run_id"`
	TokensEstimated      bool     `json:"aienergy_tokens_estimated"`
	EnergyJ              *float64 `json:"aienergy_energy_j"`
	NetEnergyJ           *float64 `json:"aienergy_net_energy_j"`
	EnergyMethod         string   `json:"aienergy_energy_method"`
	JoulesPerOutputToken *float64 `json:"aienergy_joules_per_output_token"`
	WhPer1000Queries     *float64 `json:"aienergy_wh_per_1000_queries"`
	GCO2eqPer1000Queries *float64 `json:"aienergy_gco2eq_per_1000_queries"`
}

// WriteVLLMBench writes the vllm bench serve JSON of a single-model run;
// a run with several models has one per model (WriteModelVLLMBench, or
// WriteAll for the files).
func WriteVLLMBench(w io.Writer, s *report.Summary, raw *rundir.Raw) error {
	m, err := onlyModel(s)
	if err != nil {
		return err
	}
	return WriteModelVLLMBench(w, s, raw, m)
}

// WriteModelVLLMBench writes one model's vllm bench serve JSON.
func WriteModelVLLMBench(w io.Writer, s *report.Summary, raw *rundir.Raw, model string) error {
	m, err := findModel(s, model)
	if err != nil {
		return err
	}
	sp := newSplicer()
	return sp.write(w, vllmBench(sp, s, m, measuredRequests(raw, model)))
}

// vllmBench builds the file's document; its per-request gaps, a list as
// long as the run's chunks, are written by sp.
func vllmBench(sp *splicer, s *report.Summary, m *analysis.ModelResult, reqs []trace.Request) vllmResult {
	backend := vllmBackend(s.Backend)
	end := s.StartedAt.Add(time.Duration(m.Window.EndS * float64(time.Second)))
	r := vllmResult{
		Date: end.UTC().Format("20060102-150405"), EndpointType: backend, Backend: backend,
		NumPrompts: len(reqs), Burstiness: 1.0,
		Duration: m.DurationS, Completed: m.Completed, Failed: m.Failed,
		TotalInputTokens: m.InputTokens, TotalOutputTokens: m.OutputTokens,
		RequestThroughput: m.Throughput.RequestsPerS, OutputThroughput: m.Throughput.OutputTokensPerS,
		TotalTokenThroughput: m.Throughput.TotalTokensPerS,
		Tool:                 s.Tool + " " + s.Version, RunID: s.RunID, TokensEstimated: m.TokensEstimated,
		EnergyJ: m.EnergyJ, NetEnergyJ: m.NetEnergyJ, EnergyMethod: m.EnergyMethod,
		JoulesPerOutputToken: m.JoulesPerOutputToken, WhPer1000Queries: m.WhPer1000Queries,
		GCO2eqPer1000Queries: m.GCO2eqPer1000Queries,
	}
	if s.Name != "" {
		r.Label = &s.Name
	}
	ld := s.LoadOf(m.Model)
	r.ModelID = ld.Model
	if !m.TokensEstimated {
		r.TokenizerID = &ld.Model
	}
	if s.Load.Burstiness > 0 {
		r.Burstiness = s.Load.Burstiness
	}
	if ld.Mode == "rate" {
		if ld.RateRPS > 0 {
			r.RequestRate = ld.RateRPS
		}
		if ld.MaxConcurrency > 0 {
			r.MaxConcurrency = &ld.MaxConcurrency
		}
		r.Arrival = cmp.Or(s.Load.Arrival, "poisson")
	} else {
		r.RequestRate = "inf"
		r.MaxConcurrency = &ld.Concurrency
	}

	r.ITLs = sp.lists(func(yield func(iter.Seq[float64]) bool) {
		for _, q := range reqs {
			if !yield(itlSeq(q)) {
				return
			}
		}
	})
	var ttfts, tpots, e2els []float64
	for _, q := range reqs {
		t, hasFirst := ttft(q)
		r.InputLens = append(r.InputLens, q.InputTokens)
		r.StartTimes = append(r.StartTimes, q.Start)
		r.TTFTs = append(r.TTFTs, t) // 0 when no content arrived, as vLLM
		if !q.OK() {
			r.OutputLens = append(r.OutputLens, 0)
			r.Latencies = append(r.Latencies, 0)
			r.Errors = append(r.Errors, q.ErrorClass)
			continue
		}
		lat := q.End - q.Start
		r.OutputLens = append(r.OutputLens, q.OutputTokens)
		r.Latencies = append(r.Latencies, lat)
		r.Errors = append(r.Errors, "")
		e2els = append(e2els, lat)
		if hasFirst {
			ttfts = append(ttfts, t)
		}
		if v, ok := q.TPOT(); ok {
			tpots = append(tpots, v)
		}
	}
	r.MeanTTFTMs, r.MedianTTFTMs, r.StdTTFTMs, r.P90TTFTMs, r.P99TTFTMs = msStats(ttfts)
	r.MeanTPOTMs, r.MedianTPOTMs, r.StdTPOTMs, r.P90TPOTMs, r.P99TPOTMs = msStats(tpots)
	// The successful requests' pooled gaps, in one slice of the exact
	// size that their statistics sort in place.
	allITLs := slices.AppendSeq(make([]float64, 0, countGaps(reqs, trace.Request.OK)), gapsOf(reqs, trace.Request.OK))
	r.MeanITLMs, r.MedianITLMs, r.StdITLMs, r.P90ITLMs, r.P99ITLMs = msStatsOf(describeInPlace(allITLs))
	r.MeanE2ELMs, r.MedianE2ELMs, r.StdE2ELMs, r.P90E2ELMs, r.P99E2ELMs = msStats(e2els)
	r.MaxOutputTokensPerS, r.MaxConcurrentRequests = peaks(reqs)
	// Empty lists, never null: vLLM always writes these arrays.
	for _, p := range []*[]int{&r.InputLens, &r.OutputLens} {
		if *p == nil {
			*p = []int{}
		}
	}
	for _, p := range []*[]float64{&r.TTFTs, &r.Latencies, &r.StartTimes} {
		if *p == nil {
			*p = []float64{}
		}
	}
	if r.Errors == nil {
		r.Errors = []string{}
	}
	return r
}

// vllmBackend names the backend as vLLM's --backend would: OpenAI-style
// servers by their API ("openai-chat" for chat completions, "openai" for
// completions), other servers by their type.
func vllmBackend(b rundir.Backend) string {
	switch b.Type {
	case "vllm", "openai", "tgi", "sglang", "llamacpp", "sim":
		if b.API == "chat" {
			return "openai-chat"
		}
		return "openai"
	}
	return b.Type
}

// msStats gives mean, median, std, p90 and p99 of seconds, in ms.
func msStats(seconds []float64) (mean, median, std, p90, p99 *float64) {
	return msStatsOf(describe(seconds))
}

// msStatsOf gives st's mean, median, std, p90 and p99, seconds in ms;
// nil for no values.
func msStatsOf(st stats) (mean, median, std, p90, p99 *float64) {
	if st.n == 0 {
		return nil, nil, nil, nil, nil
	}
	return ptr(st.mean * 1000), ptr(st.p50 * 1000), ptr(st.std * 1000), ptr(st.p90 * 1000), ptr(st.p99 * 1000)
}

// peaks computes vLLM's max_output_tokens_per_s (content chunks counted
// in one-second buckets from the first successful start) and
// max_concurrent_requests (a sweep over the successful requests' [start,
// end) intervals, departures before arrivals at equal times).
func peaks(reqs []trace.Request) (tokensPerS float64, concurrent int) {
	var ok []trace.Request
	for _, q := range reqs {
		if q.OK() {
			ok = append(ok, q)
		}
	}
	if len(ok) == 0 {
		return 0, 0
	}
	first, last := math.Inf(1), math.Inf(-1)
	for _, q := range ok {
		first, last = math.Min(first, q.Start), math.Max(last, q.End)
	}
	buckets := make([]float64, int(math.Ceil(last-first))+1)
	type event struct {
		t     float64
		delta int
	}
	var events []event
	count := func(t float64) {
		if b := int(t - first); b >= 0 && b < len(buckets) {
			buckets[b]++
		}
	}
	for _, q := range ok {
		for _, c := range q.Chunks {
			count(q.Start + c)
		}
		if len(q.Chunks) == 0 && !math.IsNaN(q.FirstToken) {
			count(q.FirstToken) // non-streaming: one arrival
		}
		events = append(events, event{q.Start, 1}, event{q.End, -1})
	}
	slices.SortFunc(events, func(a, b event) int {
		if a.t != b.t {
			if a.t < b.t {
				return -1
			}
			return 1
		}
		return a.delta - b.delta
	})
	cur := 0
	for _, e := range events {
		cur += e.delta
		concurrent = max(concurrent, cur)
	}
	return slices.Max(buckets), concurrent
}
