package interchange

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/aienergy/aienergy/analysis"
	"github.com/aienergy/aienergy/report"
	"github.com/aienergy/aienergy/rundir"
	"github.com/aienergy/aienergy/trace"
)

// Two reports of one model label, for two readers whose rules exclude
// each other (optimum_test.go holds them, with their sources):
//
//   - optimum_benchmark_report.json is optimum-benchmark's BenchmarkReport
//     (optimum_benchmark/benchmark/report.py): every top-level key is a
//     target whose object holds only memory, latency, throughput, energy
//     and efficiency, so BenchmarkReport.from_json loads it.
//   - benchmark_report.json is the file AIEnergyScore reads by that name:
//     the same targets, which its summarize_gpu_wh.py adds up (energy.gpu
//     of each), and the config, summary and energy sections of the
//     ai_energy_benchmarks results that its batch_runner.py hands to
//     results_aggregator.py and that its current summarizer reads
//     (energy.gpu_energy_wh). Those sections are not targets, so
//     optimum-benchmark cannot load this one.
//
// The targets are those of AIEnergyScore's text-generation report
// (prefill, decode, per_token, preprocess), mapped as follows.
//   - energy: kWh, × PUE as CodeCarbon's energies are (optimum-benchmark
//     takes them from CodeCarbon, trackers/energy.py); cpu, ram and gpu
//     are the cpu, dram and gpu components, 0 when not metered (Energy
//     formats them as numbers); total is the headline energy
//     (components, or the wall meter when there are none).
//   - With a prefill-only run of the label ("m [prefill]", the
//     prefill_decode option) prefill.energy is its energy per request ×
//     this run's requests, and decode.energy the run's minus that, as
//     energy_star's decode = generate − prefill; efficiency is requests
//     per kWh for prefill and output tokens after the first per kWh for
//     decode (energy_star's volumes). Without one, a served model's
//     prefill cannot be told apart from outside the server: the whole
//     energy is under decode, prefill.energy is null, and decode's
//     efficiency counts every output token.
//   - prefill.latency: each successful request's time to first token (s);
//     prefill.throughput: completed requests / measured duration.
//   - decode.latency: end − first token per successful request (s);
//     decode.throughput: output tokens / measured duration.
//   - per_token.latency: every inter-token (inter-chunk) gap (s).
//   - preprocess, memory: not measured: null.
// Without streaming there is no first token: prefill and per_token latency
// are null and decode.latency holds the end-to-end times.
//
// A latency's values are in the order requests.csv holds the requests
// (completion order; see measured). Past DetailedMaxRequests requests or
// DetailedMaxGaps gaps they are an empty list — the key must be there for
// Latency(**dict) — while count, total, mean, stdev and the percentiles
// still describe every value; benchmark_report.json's summary then says so
// (aienergy_latency_values). Past the quantile sketch's exact limit the
// percentiles are within its relative error, which benchmark_report.json's
// summary gives (aienergy_percentile_relative_error); the targets take no
// key of aienergy's, so optimum_benchmark_report.json cannot say it, and
// summary.json's distributions do.

// obReport is a BenchmarkReport, targets in AIEnergyScore's order.
type obReport struct {
	Prefill    obMeasurements `json:"prefill"`
	Decode     obMeasurements `json:"decode"`
	PerToken   obMeasurements `json:"per_token"`
	Preprocess obMeasurements `json:"preprocess"`
}

// aiesReport is benchmark_report.json: the targets, then the sections of
// ai_energy_benchmarks' results (runner.py _aggregate_results).
type aiesReport struct {
	obReport
	Config  aebConfig  `json:"config"`
	Summary aebSummary `json:"summary"`
	Energy  aebEnergy  `json:"energy"`
}

type obMeasurements struct {
	Memory     *struct{}  `json:"memory"` // not measured
	Latency    *obLatency `json:"latency"`
	Throughput *obValue   `json:"throughput"`
	Energy     *obEnergy  `json:"energy"`
	Efficiency *obValue   `json:"efficiency"`
}

type obLatency struct {
	Unit   string        `json:"unit"`
	Values *streamedList `json:"values"` // a list of numbers
	Count  int           `json:"count"`
	Total  float64       `json:"total"`
	Mean   float64       `json:"mean"`
	P50    float64       `json:"p50"`
	P90    float64       `json:"p90"`
	P95    float64       `json:"p95"`
	P99    float64       `json:"p99"`
	Stdev  float64       `json:"stdev"`
	// Stdev_ is the coefficient of variation in percent.
	StdevPct float64 `json:"stdev_"`
}

// obValue is a Throughput or an Efficiency: {unit, value}.
type obValue struct {
	Unit  string  `json:"unit"`
	Value float64 `json:"value"`
}

type obEnergy struct {
	Unit  string  `json:"unit"`
	CPU   float64 `json:"cpu"`
	RAM   float64 `json:"ram"`
	GPU   float64 `json:"gpu"`
	Total float64 `json:"total"`
}

// aebConfig, aebSummary and aebEnergy are ai_energy_benchmarks' config,
// summary and energy (metrics/codecarbon.py stop()) sections, every
// figure a number: AIEnergyScore's aggregator formats them with :.4f.
type aebConfig struct {
	Name       string `json:"name"`
	Backend    string `json:"backend"`
	Model      string `json:"model"`
	Dataset    string `json:"dataset"`
	NumSamples int    `json:"num_samples"`
	Label      string `json:"label"` // aienergy's model label
}

type aebSummary struct {
	TotalPrompts          int     `json:"total_prompts"`
	SuccessfulPrompts     int     `json:"successful_prompts"`
	FailedPrompts         int     `json:"failed_prompts"`
	TotalDurationSeconds  float64 `json:"total_duration_seconds"`
	AvgLatencySeconds     float64 `json:"avg_latency_seconds"`
	AvgTimeToFirstToken   float64 `json:"avg_time_to_first_token"` // 0 without streaming, as ai_energy_benchmarks
	TotalTokens           int     `json:"total_tokens"`
	TotalPromptTokens     int     `json:"total_prompt_tokens"`
	TotalCompletionTokens int     `json:"total_completion_tokens"`
	ThroughputTokensPerS  float64 `json:"throughput_tokens_per_second"`
	// aienergy's own, which the readers' get(key, 0) passes over:
	// PercentileError is the relative error of the targets' latency
	// percentiles past the sketch's exact limit (absent while exact);
	// LatencyValues says why the targets' latency values lists are empty
	// (absent when they are written).
	PercentileError float64 `json:"aienergy_percentile_relative_error,omitempty"`
	LatencyValues   string  `json:"aienergy_latency_values,omitempty"`
}

// aebEnergy: energies × PUE (they were CodeCarbon's), 0 when not metered,
// as ai_energy_benchmarks writes them without a tracker; energy_kwh is
// the GPU's, as there ("matches AIEnergyScore").
type aebEnergy struct {
	EmissionsKg     float64 `json:"emissions_kg_co2eq"`
	EmissionsG      float64 `json:"emissions_g_co2eq"`
	EnergyKWh       float64 `json:"energy_kwh"`
	EnergyWh        float64 `json:"energy_wh"`
	GPUKWh          float64 `json:"gpu_energy_kwh"`
	GPUWh           float64 `json:"gpu_energy_wh"`
	CPUKWh          float64 `json:"cpu_energy_kwh"`
	CPUWh           float64 `json:"cpu_energy_wh"`
	RAMKWh          float64 `json:"ram_energy_kwh"`
	RAMWh           float64 `json:"ram_energy_wh"`
	TotalKWh        float64 `json:"total_energy_kwh"`
	TotalWh         float64 `json:"total_energy_wh"`
	DurationSeconds float64 `json:"duration_seconds"`
	IntensityGKWh   float64 `json:"carbon_intensity_g_per_kwh"`
	ProjectName     string  `json:"project_name"`
	Country         string  `json:"country"`
	Region          string  `json:"region"`
}

const joulesPerKWh = 3.6e6

// WriteBenchmarkReport writes the benchmark_report.json of a single-model
// run; a run with several models has one report per model
// (WriteModelBenchmarkReport, or WriteAll for the files).
func WriteBenchmarkReport(w io.Writer, s *report.Summary, raw *rundir.Raw) error {
	m, err := onlyModel(s)
	if err != nil {
		return err
	}
	return WriteModelBenchmarkReport(w, s, raw, m)
}

// WriteModelBenchmarkReport writes one model label's benchmark_report.json.
func WriteModelBenchmarkReport(w io.Writer, s *report.Summary, raw *rundir.Raw, model string) error {
	m, err := findModel(s, model)
	if err != nil {
		return err
	}
	st, err := statsOf(raw, s.Backend.Stream, model)
	if err != nil {
		return err
	}
	return writeBenchmarkReport(w, s, m, raw, st[model])
}

func writeBenchmarkReport(w io.Writer, s *report.Summary, m *analysis.ModelResult, raw *rundir.Raw, st *labelStats) error {
	sp := newSplicer()
	sum := aebSummaryOf(m)
	sum.PercentileError = relativeError(&st.ob.prefill, &st.ob.decode, &st.ob.perToken)
	if !st.vol.detailed() {
		sum.LatencyValues = perRequestOmitted(st.vol)
	}
	return sp.write(w, aiesReport{
		obReport: benchmarkReport(sp, s, m, measured(raw, m.Model), st),
		Config:   aebConfigOf(s, m), Summary: sum, Energy: aebEnergyOf(s, m),
	})
}

// WriteModelOptimumReport writes one model label's
// optimum_benchmark_report.json.
func WriteModelOptimumReport(w io.Writer, s *report.Summary, raw *rundir.Raw, model string) error {
	m, err := findModel(s, model)
	if err != nil {
		return err
	}
	st, err := statsOf(raw, s.Backend.Stream, model)
	if err != nil {
		return err
	}
	return writeOptimumReport(w, s, m, raw, st[model])
}

func writeOptimumReport(w io.Writer, s *report.Summary, m *analysis.ModelResult, raw *rundir.Raw, st *labelStats) error {
	sp := newSplicer()
	return sp.write(w, benchmarkReport(sp, s, m, measured(raw, m.Model), st))
}

// obStats are the latencies of a label's successful requests: time to
// first token (prefill), the rest (decode) and the gaps (per_token), made
// in two passes (statsOf), as np.std takes them: the values, then their
// spread.
type obStats struct {
	stream                    bool // the run streamed
	prefill, decode, perToken metric
}

// streamed tells whether q's first token and gaps count: q succeeded, in
// a streaming run, with a first token seen.
func (st *obStats) streamed(q trace.Request) bool {
	_, ok := ttft(q)
	return q.OK() && st.stream && ok
}

// latencies are q's prefill and decode latencies (prefill NaN when q has
// none).
func (st *obStats) latencies(q trace.Request) (prefill, decode float64) {
	if !st.streamed(q) {
		return math.NaN(), q.End - q.Start
	}
	return q.FirstToken - q.Start, q.End - q.FirstToken
}

func (st *obStats) first(q trace.Request)  { st.each(q, (*metric).add) }
func (st *obStats) second(q trace.Request) { st.each(q, (*metric).addDeviation) }

func (st *obStats) each(q trace.Request, add func(*metric, float64)) {
	if !q.OK() {
		return
	}
	pre, dec := st.latencies(q)
	if !math.IsNaN(pre) {
		add(&st.prefill, pre)
	}
	add(&st.decode, dec)
	if st.streamed(q) {
		for i := 1; i < len(q.Chunks); i++ {
			add(&st.perToken, q.Chunks[i]-q.Chunks[i-1])
		}
	}
}

// benchmarkReport builds the targets; the latency values, lists as long
// as the run's requests and chunks, are written by sp, each in a pass
// over reqs.
func benchmarkReport(sp *splicer, s *report.Summary, m *analysis.ModelResult, reqs trace.Requests, ls *labelStats) obReport {
	st := &ls.ob
	values := func(elem func(a *array, q trace.Request)) func() *streamedList {
		return func() *streamedList {
			return sp.list(func(a *array) error {
				if !ls.vol.detailed() {
					return nil // left out: [] (optimum-benchmark requires the key)
				}
				return reqs.Each(func(q trace.Request) error {
					if q.OK() {
						elem(a, q)
					}
					return nil
				})
			})
		}
	}
	r := obReport{}
	r.Prefill.Latency = latencyOf(&st.prefill, values(func(a *array, q trace.Request) {
		if pre, _ := st.latencies(q); !math.IsNaN(pre) {
			a.float(pre)
		}
	}))
	r.Decode.Latency = latencyOf(&st.decode, values(func(a *array, q trace.Request) {
		_, dec := st.latencies(q)
		a.float(dec)
	}))
	r.PerToken.Latency = latencyOf(&st.perToken, values(func(a *array, q trace.Request) {
		if st.streamed(q) {
			eachGap(q, a.float)
		}
	}))
	if m.DurationS > 0 {
		r.Prefill.Throughput = &obValue{Unit: "samples/s", Value: m.Throughput.RequestsPerS}
		r.Decode.Throughput = &obValue{Unit: "tokens/s", Value: m.Throughput.OutputTokensPerS}
	}
	full := energy(m, s.Carbon.PUE)
	if full == nil {
		return r
	}
	decodeTokens := m.OutputTokens
	if p := prefillRun(s, m.Model); p != nil && p.Completed > 0 && m.Completed > 0 {
		if pre := energy(p, s.Carbon.PUE); pre != nil {
			pre = pre.times(float64(m.Completed) / float64(p.Completed))
			r.Prefill.Energy, r.Prefill.Efficiency = pre, efficiency(m.Completed, pre, "samples/kWh")
			full = full.minus(pre)
			decodeTokens -= m.Completed // the first token of each is prefill's
		}
	}
	r.Decode.Energy, r.Decode.Efficiency = full, efficiency(decodeTokens, full, "tokens/kWh")
	return r
}

// energy is a label's measured-phase energy as optimum-benchmark's
// Energy, kWh × PUE; nil without a figure.
func energy(m *analysis.ModelResult, pue float64) *obEnergy {
	if m.EnergyJ == nil {
		return nil
	}
	kWh := func(component string) float64 {
		if c, ok := m.Components[component]; ok && c.EnergyJ != nil {
			return *c.EnergyJ * pue / joulesPerKWh
		}
		return 0
	}
	return &obEnergy{Unit: "kWh", CPU: kWh("cpu"), RAM: kWh("dram"), GPU: kWh("gpu"), Total: *m.EnergyJ * pue / joulesPerKWh}
}

func (e *obEnergy) times(k float64) *obEnergy {
	return &obEnergy{Unit: e.Unit, CPU: e.CPU * k, RAM: e.RAM * k, GPU: e.GPU * k, Total: e.Total * k}
}

func (e *obEnergy) minus(o *obEnergy) *obEnergy {
	return &obEnergy{Unit: e.Unit, CPU: e.CPU - o.CPU, RAM: e.RAM - o.RAM, GPU: e.GPU - o.GPU, Total: e.Total - o.Total}
}

// efficiency is optimum-benchmark's Efficiency.from_energy: volume per
// kWh, 0 when the energy is not positive.
func efficiency(volume int, e *obEnergy, unit string) *obValue {
	v := 0.0
	if e.Total > 0 {
		v = float64(volume) / e.Total
	}
	return &obValue{Unit: unit, Value: v}
}

// prefillRun is the prefill-only run paired with label: the same model
// and variant with "prefill" added ("m [c=8 #2]" → "m [c=8 prefill #2]");
// nil when the run has none, or label is one.
func prefillRun(s *report.Summary, label string) *analysis.ModelResult {
	want := report.ParseLabel(label)
	if want.Prefill {
		return nil
	}
	want.Label = ""
	for i := range s.Models {
		p := report.ParseLabel(s.Models[i].Model)
		if p.Prefill {
			p.Prefill, p.Label = false, ""
			if p == want {
				return &s.Models[i]
			}
		}
	}
	return nil
}

func aebConfigOf(s *report.Summary, m *analysis.ModelResult) aebConfig {
	return aebConfig{
		Name: s.Name, Backend: s.Backend.Type, Model: report.ParseLabel(m.Model).Model,
		Dataset: s.Load.Dataset, NumSamples: m.Completed + m.Failed, Label: m.Model,
	}
}

func aebSummaryOf(m *analysis.ModelResult) aebSummary {
	return aebSummary{
		TotalPrompts: m.Completed + m.Failed, SuccessfulPrompts: m.Completed, FailedPrompts: m.Failed,
		TotalDurationSeconds: m.DurationS,
		AvgLatencySeconds:    m.Latency.E2E.Mean / 1000, AvgTimeToFirstToken: m.Latency.TTFT.Mean / 1000,
		TotalTokens: m.InputTokens + m.OutputTokens, TotalPromptTokens: m.InputTokens, TotalCompletionTokens: m.OutputTokens,
		ThroughputTokensPerS: m.Throughput.TotalTokensPerS,
	}
}

func aebEnergyOf(s *report.Summary, m *analysis.ModelResult) aebEnergy {
	e := aebEnergy{
		DurationSeconds: m.DurationS, IntensityGKWh: s.Carbon.GCO2eqPerKWh,
		ProjectName: s.ProjectName(), Country: s.CountryISO, Region: s.Carbon.Region,
	}
	if m.GCO2eq != nil {
		e.EmissionsG, e.EmissionsKg = *m.GCO2eq, *m.GCO2eq/1000
	}
	if en := energy(m, s.Carbon.PUE); en != nil {
		e.GPUKWh, e.CPUKWh, e.RAMKWh, e.TotalKWh = en.GPU, en.CPU, en.RAM, en.Total
		e.EnergyKWh = en.GPU
		e.GPUWh, e.CPUWh, e.RAMWh, e.TotalWh, e.EnergyWh = en.GPU*1000, en.CPU*1000, en.RAM*1000, en.Total*1000, en.GPU*1000
	}
	return e
}

// latencyOf is optimum-benchmark's Latency.from_values of the values m
// describes, their list made by list (asked for only when there are
// values); nil for none.
func latencyOf(m *metric, list func() *streamedList) *obLatency {
	n := m.count()
	if n == 0 {
		return nil
	}
	p := m.percentiles(50, 90, 95, 99)
	l := &obLatency{
		Unit: "s", Values: list(), Count: n, Total: m.sum(), Mean: m.mean(),
		P50: p[0], P90: p[1], P95: p[2], P99: p[3],
	}
	// optimum-benchmark reports 0 spread for a single value.
	if n > 1 {
		l.Stdev = m.std()
		if l.Mean != 0 {
			l.StdevPct = l.Stdev / math.Abs(l.Mean) * 100
		}
	}
	return l
}

func onlyModel(s *report.Summary) (string, error) {
	switch len(s.Models) {
	case 0:
		return "", fmt.Errorf("the run has no measured model: nothing to report")
	case 1:
		return s.Models[0].Model, nil
	}
	names := make([]string, len(s.Models))
	for i, m := range s.Models {
		names[i] = m.Model
	}
	return "", fmt.Errorf("the run has %d models (%s): write one file per model (WriteAll)", len(names), strings.Join(names, ", "))
}

func findModel(s *report.Summary, model string) (*analysis.ModelResult, error) {
	for i := range s.Models {
		if s.Models[i].Model == model {
			return &s.Models[i], nil
		}
	}
	return nil, fmt.Errorf("model %q is not in the run's summary", model)
}
