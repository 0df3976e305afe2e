package interchange

import (
	"cmp"
	"fmt"
	"io"
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
//   - the per-request arrays are in the order requests.csv holds the
//     requests, the order they completed, where vLLM's are in send order
//     (see measured); all are in the same order;
//   - past DetailedMaxRequests requests or DetailedMaxGaps inter-token
//     gaps, the arrays --save-detailed adds (input_lens, output_lens,
//     ttfts, itls, start_times, errors) are left out, as vLLM writes the
//     file without --save-detailed, and aienergy_per_request_lists says
//     why; latencies stays, as in vLLM's file;
//   - past the quantile sketch's exact limit, percentiles are within
//     aienergy_percentile_relative_error of the exact ones (absent while
//     exact); means and std stay exact;
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

	// Per-request lists, each a pass over the requests; nil (left out)
	// when not detailed, except latencies, which vLLM always writes.
	InputLens  *streamedList `json:"input_lens,omitempty"`
	OutputLens *streamedList `json:"output_lens,omitempty"`
	TTFTs      *streamedList `json:"ttfts,omitempty"`
	ITLs       *streamedList `json:"itls,omitempty"` // a list of lists: per request, its gaps
	Latencies  *streamedList `json:"latencies"`
	StartTimes *streamedList `json:"start_times,omitempty"` // seconds since the run's clock origin
	Errors     *streamedList `json:"errors,omitempty"`

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
	// PercentileError is the relative error of the percentiles past the
	// sketch's exact limit; left out while they are exact.
	PercentileError float64 `json:"aienergy_percentile_relative_error,omitempty"`
	// PerRequestLists says why the detailed per-request lists are left
	// out; absent when they are written.
	PerRequestLists string `json:"aienergy_per_request_lists,omitempty"`
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
	st, err := statsOf(raw, s.Backend.Stream, model)
	if err != nil {
		return err
	}
	return writeVLLMBench(w, s, m, raw, st[model])
}

func writeVLLMBench(w io.Writer, s *report.Summary, m *analysis.ModelResult, raw *rundir.Raw, st *labelStats) error {
	sp := newSplicer()
	return sp.write(w, vllmBench(sp, s, m, measured(raw, m.Model), st))
}

// vllmStats are vLLM's figures of a label's successful requests, made in
// two passes (statsOf): first, then second, then finish.
type vllmStats struct {
	ttft, tpot, itl, e2el metric
	pk                    peaks
	tokensPerS            float64
	concurrent            int
}

func (st *vllmStats) first(q trace.Request) {
	if q.OK() {
		st.each(q, (*metric).add)
		st.pk.first(q)
	}
}

// second takes the spreads about the means, and the peaks (after
// pk.start).
func (st *vllmStats) second(q trace.Request) {
	if q.OK() {
		st.each(q, (*metric).addDeviation)
		st.pk.second(q)
	}
}

// each gives use every latency of q with the metric it belongs to.
func (st *vllmStats) each(q trace.Request, use func(m *metric, v float64)) {
	use(&st.e2el, q.End-q.Start)
	if t, ok := ttft(q); ok {
		use(&st.ttft, t)
	}
	if v, ok := q.TPOT(); ok {
		use(&st.tpot, v)
	}
	eachGap(q, func(g float64) { use(&st.itl, g) })
}

func (st *vllmStats) finish() { st.tokensPerS, st.concurrent = st.pk.result() }

// vllmBench builds the file's document; its per-request lists are
// written by sp, each in a pass over reqs.
func vllmBench(sp *splicer, s *report.Summary, m *analysis.ModelResult, reqs trace.Requests, ls *labelStats) vllmResult {
	st := &ls.vllm
	backend := vllmBackend(s.Backend)
	end := s.StartedAt.Add(time.Duration(m.Window.EndS * float64(time.Second)))
	r := vllmResult{
		Date: end.UTC().Format("20060102-150405"), EndpointType: backend, Backend: backend,
		NumPrompts: ls.vol.requests, Burstiness: 1.0,
		Duration: m.DurationS, Completed: m.Completed, Failed: m.Failed,
		TotalInputTokens: m.InputTokens, TotalOutputTokens: m.OutputTokens,
		RequestThroughput: m.Throughput.RequestsPerS, OutputThroughput: m.Throughput.OutputTokensPerS,
		TotalTokenThroughput: m.Throughput.TotalTokensPerS,
		Tool:                 s.Tool + " " + s.Version, RunID: s.RunID, TokensEstimated: m.TokensEstimated,
		EnergyJ: m.EnergyJ, NetEnergyJ: m.NetEnergyJ, EnergyMethod: m.EnergyMethod,
		JoulesPerOutputToken: m.JoulesPerOutputToken, WhPer1000Queries: m.WhPer1000Queries,
		GCO2eqPer1000Queries: m.GCO2eqPer1000Queries,
		PercentileError:      relativeError(&st.ttft, &st.tpot, &st.itl, &st.e2el),
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

	// One pass over the requests per list, each element as vLLM writes
	// it for a failed request: output_len 0, latency 0, ttft 0 unless
	// content arrived.
	each := func(elem func(a *array, q trace.Request)) *streamedList {
		return sp.list(func(a *array) error {
			return reqs.Each(func(q trace.Request) error { elem(a, q); return nil })
		})
	}
	r.Latencies = each(func(a *array, q trace.Request) {
		if q.OK() {
			a.float(q.End - q.Start)
		} else {
			a.float(0)
		}
	})
	if ls.vol.detailed() {
		r.InputLens = each(func(a *array, q trace.Request) { a.int(q.InputTokens) })
		r.OutputLens = each(func(a *array, q trace.Request) {
			if q.OK() {
				a.int(q.OutputTokens)
			} else {
				a.int(0)
			}
		})
		r.TTFTs = each(func(a *array, q trace.Request) { t, _ := ttft(q); a.float(t) })
		r.ITLs = each(func(a *array, q trace.Request) {
			in := a.array()
			eachGap(q, in.float)
			in.end()
		})
		r.StartTimes = each(func(a *array, q trace.Request) { a.float(q.Start) })
		r.Errors = each(func(a *array, q trace.Request) { a.str(q.ErrorClass) })
	} else {
		r.PerRequestLists = perRequestOmitted(ls.vol)
	}
	r.MeanTTFTMs, r.MedianTTFTMs, r.StdTTFTMs, r.P90TTFTMs, r.P99TTFTMs = msStats(&st.ttft)
	r.MeanTPOTMs, r.MedianTPOTMs, r.StdTPOTMs, r.P90TPOTMs, r.P99TPOTMs = msStats(&st.tpot)
	r.MeanITLMs, r.MedianITLMs, r.StdITLMs, r.P90ITLMs, r.P99ITLMs = msStats(&st.itl)
	r.MeanE2ELMs, r.MedianE2ELMs, r.StdE2ELMs, r.P90E2ELMs, r.P99E2ELMs = msStats(&st.e2el)
	r.MaxOutputTokensPerS, r.MaxConcurrentRequests = st.tokensPerS, st.concurrent
	return r
}

// perRequestOmitted says why a label's per-request lists are left out.
func perRequestOmitted(v volume) string {
	return fmt.Sprintf("left out: %d requests with %d inter-token gaps, past the %d requests or %d gaps they are written for (as vllm bench serve without --save-detailed)",
		v.requests, v.gaps, detailedLimits.requests, detailedLimits.gaps)
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

// msStats gives m's mean, median, std, p90 and p99, seconds in ms; nil
// for no values.
func msStats(m *metric) (mean, median, std, p90, p99 *float64) {
	if m.count() == 0 {
		return nil, nil, nil, nil, nil
	}
	p := m.percentiles(50, 90, 99)
	return ptr(m.mean() * 1000), ptr(p[0] * 1000), ptr(m.std() * 1000), ptr(p[1] * 1000), ptr(p[2] * 1000)
}

// peaks computes vLLM's max_output_tokens_per_s (content chunks counted
// in one-second buckets from the first successful start) and
// max_concurrent_requests (a sweep over the successful requests' [start,
// end) intervals, departures before arrivals at equal times), in two
// passes over the successful requests: first, then second.
type peaks struct {
	any         bool
	from, until float64 // the first start, the last end
	order       trace.OrderBounds

	buckets    []float64
	sw         trace.Sweep
	concurrent int
}

func (p *peaks) first(q trace.Request) {
	if !p.any {
		p.from, p.until, p.any = q.Start, q.End, true
	}
	p.from, p.until = math.Min(p.from, q.Start), math.Max(p.until, q.End)
	p.order.Add(q.Start, q.End)
}

// start readies the second pass.
func (p *peaks) start() {
	if !p.any {
		return
	}
	p.buckets = make([]float64, int(math.Ceil(p.until-p.from))+1)
	p.sw = trace.Sweep{Window: p.order.Window(), At: func(_ float64, open int) { p.concurrent = max(p.concurrent, open) }}
}

func (p *peaks) second(q trace.Request) {
	count := func(t float64) {
		if b := int(t - p.from); b >= 0 && b < len(p.buckets) {
			p.buckets[b]++
		}
	}
	for _, c := range q.Chunks {
		count(q.Start + c)
	}
	if len(q.Chunks) == 0 && !math.IsNaN(q.FirstToken) {
		count(q.FirstToken) // non-streaming: one arrival
	}
	p.sw.Add(q.Start, q.End)
}

func (p *peaks) result() (tokensPerS float64, concurrent int) {
	if !p.any {
		return 0, 0
	}
	p.sw.Finish()
	return slices.Max(p.buckets), p.concurrent
}
